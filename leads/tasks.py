"""Celery task for the lead job: a thin wrapper around ``leads.jobs``
(idempotent and safe on several workers; see there). Beat schedules it
(the ``jobs`` app's migration); ``manage.py run_job`` runs the same function."""

from __future__ import annotations

from leadcourt.jobs.retry import job_task
from leads import jobs

expire_appeals = job_task(jobs.expire_appeals, name="leads.tasks.expire_appeals")
