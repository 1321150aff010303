"""Celery tasks for the lead jobs: thin wrappers around ``leads.jobs``
(idempotent and safe on several workers; see there). Beat schedules them
(the ``jobs`` app's migration); ``manage.py run_job`` runs the same functions."""

from __future__ import annotations

from leadcourt.jobs.retry import job_task
from leads import jobs

sweep_decisions = job_task(jobs.sweep_decisions, name="leads.tasks.sweep_decisions")
sweep_followups = job_task(jobs.sweep_followups, name="leads.tasks.sweep_followups")
expire_appeals = job_task(jobs.expire_appeals, name="leads.tasks.expire_appeals")
