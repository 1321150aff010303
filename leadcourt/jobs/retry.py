"""Celery options shared by every job and notification task.

``acks_late``: a task whose worker dies mid-run is delivered again (the jobs
are idempotent, so running twice is harmless). Transient database errors
(a dropped connection, a deadlock or serialization failure the database
resolved by aborting us) are retried with exponential backoff; anything else
is a bug and fails loudly.
"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)

JOB_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_DATABASE_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}
