"""The outbox's own scheduled job: notifications nobody delivered.

Delivery is queued after the commit that records a row. If that message is
lost (the broker refused it at commit, or a worker died holding it and the
broker has not handed it on yet), the row stays pending; this job, every
minute, queues such rows again, so that nobody waits for the next hourly job
to hear of a new case. Delivery claims each row, so a row queued twice is
still mailed once, and the job may run twice or on two workers at once.
"""

from __future__ import annotations

from leadcourt.jobs.report import JobReport, plural
from leadcourt.notifications.services import notifications_requeue_stale


def requeue_notifications() -> JobReport:
    """Queue delivery again for the rows still pending a while after they
    were recorded, and for those a dead worker left half-sent."""
    requeued = notifications_requeue_stale()
    return JobReport(
        job="requeue_notifications",
        summary=f"re-queued {plural(requeued, 'undelivered notification')}",
        counts={"requeued": requeued},
    )
