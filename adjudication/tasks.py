"""Celery tasks for the judicial branch's jobs: thin wrappers around
``adjudication.sweeps`` and ``adjudication.jobs`` (idempotent and safe on
several workers)."""

from __future__ import annotations

from adjudication import jobs, sweeps
from leadcourt.jobs.retry import job_task

sweep_decisions = job_task(sweeps.sweep_decisions, name="adjudication.tasks.sweep_decisions")
sweep_followups = job_task(sweeps.sweep_followups, name="adjudication.tasks.sweep_followups")
escalate_cases = job_task(jobs.escalate_cases, name="adjudication.tasks.escalate_cases")
monthly_sample = job_task(jobs.monthly_sample, name="adjudication.tasks.monthly_sample")
