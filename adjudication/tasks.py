"""Celery tasks for the judicial branch's jobs: thin wrappers around
``adjudication.jobs`` (idempotent and safe on several workers)."""

from __future__ import annotations

import logging

from celery import shared_task

from adjudication import jobs
from leadcourt.jobs.retry import JOB_TASK_OPTIONS

logger = logging.getLogger(__name__)


@shared_task(name="adjudication.tasks.escalate_cases", **JOB_TASK_OPTIONS)
def escalate_cases() -> str:
    report = jobs.escalate_cases()
    logger.info("escalate_cases: %s", report)
    return str(report)


@shared_task(name="adjudication.tasks.monthly_sample", **JOB_TASK_OPTIONS)
def monthly_sample() -> str:
    report = jobs.monthly_sample()
    logger.info("monthly_sample: %s", report)
    return str(report)
