"""Celery tasks for the lead jobs: thin wrappers around ``leads.jobs``
(idempotent and safe on several workers; see there). Beat schedules them
(the ``jobs`` app's migration); ``manage.py run_job`` runs the same functions."""

from __future__ import annotations

import logging

from celery import shared_task

from leadcourt.jobs.retry import JOB_TASK_OPTIONS
from leads import jobs

logger = logging.getLogger(__name__)


@shared_task(name="leads.tasks.sweep_decisions", **JOB_TASK_OPTIONS)
def sweep_decisions() -> str:
    report = jobs.sweep_decisions()
    logger.info("sweep_decisions: %s", report)
    return str(report)


@shared_task(name="leads.tasks.sweep_followups", **JOB_TASK_OPTIONS)
def sweep_followups() -> str:
    report = jobs.sweep_followups()
    logger.info("sweep_followups: %s", report)
    return str(report)


@shared_task(name="leads.tasks.expire_appeals", **JOB_TASK_OPTIONS)
def expire_appeals() -> str:
    report = jobs.expire_appeals()
    logger.info("expire_appeals: %s", report)
    return str(report)
