"""Handing import runs to the job queue, and again when it was down.

An upload stores its file and its run row first (committed), then tries to
send the run's task; a broker that cannot be reached leaves the run
``queued`` and never sent, and the uploader is told it waits (the API still
answers 202: the file is accepted and will be imported, sending the request
again would only upload it twice). The ``send_waiting_imports`` job
(``leads.jobs``, every minute) sends every run still queued a minute after
its last try.

Who sends a run is decided by a compare-and-set ``UPDATE`` of its
``send_tried_at`` (``WHERE status = 'queued' AND send_tried_at <= cutoff``):
of two jobs running at once (two beats, a job run by hand), one moves the
value and sends, the other's ``UPDATE`` re-reads the row after the first
commits, matches nothing and skips it. A run the broker accepted but no
worker has started within the minute is sent again; that copy is harmless
(``lead_import_run`` claims the run and its chunks with compare-and-sets,
and a finished run is left alone).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from kombu.exceptions import OperationalError as BrokerUnreachable

from leadcourt import clock
from leads.models import LeadImport, LeadImportStatus

logger = logging.getLogger(__name__)

# A run not started this long after its last try is sent (again).
SEND_RETRY_AFTER = timedelta(minutes=1)
# Runs sent per job run: a handful wait at most; the next run takes the rest.
SEND_BATCH = 100
# One quick retry when publishing, not Celery's default three: the uploader
# is waiting for the answer, and the job tries again a minute later anyway.
_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}


def lead_import_send(*, import_id: int, tried_at: datetime) -> bool:
    """Send the task of a run whose sending this caller claimed (the upload
    that created it, or ``lead_imports_send_waiting``); record when the
    broker accepted it. ``False``, logged, when the broker is unreachable:
    the run stays queued for the job to send later."""
    # Imported here: the task module imports the import service, which imports this one.
    from leads.imports.tasks import lead_import_run_task

    try:
        lead_import_run_task.apply_async((import_id,), retry_policy=_PUBLISH_RETRY)
    except BrokerUnreachable as exc:
        logger.warning(
            "lead import %s: the job queue is unreachable (%s); it will be sent later", import_id, exc
        )
        return False
    LeadImport.objects.filter(pk=import_id).update(sent_at=tried_at)
    return True


@dataclass
class SendOutcome:
    sent: int = 0
    unreachable: int = 0  # claimed, but the broker refused: tried again later


def lead_imports_send_waiting(*, now: datetime | None = None) -> SendOutcome:
    """Send every run still ``queued`` ``SEND_RETRY_AFTER`` after its last
    try; each is claimed with a compare-and-set on its status and last try,
    so two callers at once send each run once. Runs started without the
    queue (``manage.py import_leads``: never tried) are not touched."""
    now = now or clock.now()
    cutoff = now - SEND_RETRY_AFTER
    due = LeadImport.objects.filter(status=LeadImportStatus.QUEUED, send_tried_at__lte=cutoff)
    outcome = SendOutcome()
    for pk in list(due.order_by("send_tried_at", "pk").values_list("pk", flat=True)[:SEND_BATCH]):
        if not due.filter(pk=pk).update(send_tried_at=now):
            continue  # another sender claimed it, or a worker started it, meanwhile
        if lead_import_send(import_id=pk, tried_at=now):
            outcome.sent += 1
        else:
            outcome.unreachable += 1
    return outcome
