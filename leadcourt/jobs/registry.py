"""The scheduled jobs of SPEC §8 (and the outbox's re-queue), by the names operators use.

One entry per job: the plain function (``run_job`` calls it synchronously),
the Celery task beat sends, and the default schedule (registered in
django-celery-beat by this app's migration, then editable in the admin).
Functions are named by import path so that listing the jobs imports nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Job:
    name: str
    function: str  # dotted path of a function taking no arguments
    task: str  # the Celery task name
    schedule: str  # the default schedule, in words

    def load(self) -> Callable[[], object]:
        """The job function; ``ImportError`` if its module is missing."""
        return import_string(self.function)


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "sweep_decisions",
            "adjudication.sweeps.sweep_decisions",
            "adjudication.tasks.sweep_decisions",
            "every 5 minutes",
        ),
        Job(
            "sweep_followups",
            "adjudication.sweeps.sweep_followups",
            "adjudication.tasks.sweep_followups",
            "hourly",
        ),
        Job("expire_appeals", "leads.jobs.expire_appeals", "leads.tasks.expire_appeals", "hourly"),
        Job(
            "escalate_cases",
            "adjudication.jobs.escalate_cases",
            "adjudication.tasks.escalate_cases",
            "hourly",
        ),
        Job(
            "monthly_sample",
            "adjudication.jobs.monthly_sample",
            "adjudication.tasks.monthly_sample",
            "monthly, on the 1st at 02:00 (organisation time)",
        ),
        Job(
            "requeue_notifications",
            "leadcourt.notifications.jobs.requeue_notifications",
            "leadcourt.notifications.tasks.requeue_notifications",
            "every minute",
        ),
        Job(
            "metrics_snapshots",
            "metrics.jobs.metrics_snapshots",
            "metrics.tasks.metrics_snapshots",
            "every 15 minutes",
        ),
        Job(
            "send_waiting_imports",
            "leads.jobs.send_waiting_imports",
            "leads.tasks.send_waiting_imports",
            "every minute",
        ),
    )
}
