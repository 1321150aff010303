"""Celery tasks for the judicial branch's jobs: thin wrappers around
``adjudication.jobs`` (idempotent and safe on several workers)."""

from __future__ import annotations

from adjudication import jobs
from leadcourt.jobs.retry import job_task

escalate_cases = job_task(jobs.escalate_cases, name="adjudication.tasks.escalate_cases")
monthly_sample = job_task(jobs.monthly_sample, name="adjudication.tasks.monthly_sample")
