"""Celery options shared by every job and notification task, and the task
that wraps a job.

``acks_late``: a task whose worker dies mid-run is delivered again (the jobs
are idempotent, so running twice is harmless). Transient database errors
(a dropped connection, a deadlock or serialization failure the database
resolved by aborting us) are retried with exponential backoff; anything else
is a bug and fails loudly.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from celery import shared_task
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)

JOB_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_DATABASE_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


def job_task(job: Callable[..., object], *, name: str):
    """The Celery task ``name`` for a job function: a thin wrapper that runs
    it, logs its report and returns the report in words (the task result)."""

    @functools.wraps(job)
    def run(*args, **kwargs) -> str:
        report = job(*args, **kwargs)
        logger.info("%s: %s", job.__name__, report)
        return str(report)

    return shared_task(name=name, **JOB_TASK_OPTIONS)(run)
