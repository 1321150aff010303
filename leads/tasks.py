"""Celery tasks for the lead jobs: thin wrappers around ``leads.jobs``
(idempotent and safe on several workers; see there). Beat schedules them
(the ``jobs`` app's migrations); ``manage.py run_job`` runs the same functions."""

from __future__ import annotations

from leadcourt.jobs.retry import job_task
from leads import jobs

expire_appeals = job_task(jobs.expire_appeals, name="leads.tasks.expire_appeals")
send_waiting_imports = job_task(jobs.send_waiting_imports, name="leads.tasks.send_waiting_imports")
