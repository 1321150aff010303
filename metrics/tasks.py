"""Celery task for the metrics snapshots: a thin wrapper around ``metrics.jobs``
(idempotent; concurrent runs take turns on an advisory lock)."""

from __future__ import annotations

from leadcourt.jobs.retry import job_task
from metrics import jobs

metrics_snapshots = job_task(jobs.metrics_snapshots, name="metrics.tasks.metrics_snapshots")
