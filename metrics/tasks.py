"""Celery task for the metrics snapshots: a thin wrapper around ``metrics.jobs``
(idempotent; concurrent runs take turns on an advisory lock)."""

from __future__ import annotations

import logging

from celery import shared_task

from leadcourt.jobs.retry import JOB_TASK_OPTIONS
from metrics import jobs

logger = logging.getLogger(__name__)


@shared_task(name="metrics.tasks.metrics_snapshots", **JOB_TASK_OPTIONS)
def metrics_snapshots(full: bool = False) -> str:
    report = jobs.metrics_snapshots(full=full)
    logger.info("metrics_snapshots: %s", report)
    return str(report)
