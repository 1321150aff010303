"""Celery tasks that mail recorded notifications and re-queue the ones
nobody delivered (thin: see services and jobs)."""

from __future__ import annotations

import logging

from celery import shared_task

from leadcourt.jobs.retry import JOB_TASK_OPTIONS, TRANSIENT_DATABASE_ERRORS, job_task
from leadcourt.notifications import jobs
from leadcourt.notifications.services import notification_deliver as deliver

logger = logging.getLogger(__name__)


@shared_task(
    name="leadcourt.notifications.tasks.notification_deliver",
    **{
        **JOB_TASK_OPTIONS,
        # OSError covers the mail server refusing or dropping the connection
        # (smtplib.SMTPException is one).
        "autoretry_for": (*TRANSIENT_DATABASE_ERRORS, OSError),
    },
)
def notification_deliver(notification_ids: list[int]) -> dict[str, int]:
    """Mail each pending notification of ``notification_ids``. Rows already
    sent, skipped or gone are passed over quietly, so a retry (or a second
    worker) never mails anyone twice."""
    outcomes: dict[str, int] = {}
    for notification_id in notification_ids:
        outcome = deliver(notification_id=notification_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    logger.info("notifications delivered: %s", outcomes)
    return outcomes


requeue_notifications = job_task(
    jobs.requeue_notifications, name="leadcourt.notifications.tasks.requeue_notifications"
)
