"""The CSV import of leads (SPEC §9): every write it makes.

``lead_import_start`` checks and stores the uploaded file, records a
queued run and hands it to the job queue (``leads.imports.sending``, which
also sends again the runs the queue refused); ``lead_import_run`` (called
by the Celery task, or directly by ``manage.py import_leads``) counts the
rows of a file too large to count on upload, then imports its rows a chunk
at a time.

A row becomes a lead by the same rules as one intake through the API
(``leads.services.lead_intake_clean``, ``lead_first_by_email``): it enters
as an ``inquiry`` owned by the importing marketer, is idempotent on its
external id and is marked a probable duplicate of an earlier lead with the
same email. Imports never update an existing lead and send no notification
(inquiries are not assigned to anyone yet).

Rows without an external id get one derived from their content
(``csv:<hash of the imported fields>``), so re-importing the same list is a
no-op too; a changed row is a new lead (and, with an email, a probable
duplicate of the old one).

A chunk's rows are checked and written in one of two ways that write the
same rows (tests/imports/test_copy_parity.py): on PostgreSQL by ``COPY``
into a staging table and set-based SQL (``chunk_copy``), elsewhere by the
intake service's own checks and ``bulk_create`` (``chunk_orm``, the
reference). This module streams the file, and runs each chunk in its
transaction: it locks the run row, has the chunk written, advances the
counters.
"""

from __future__ import annotations

import collections
import itertools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce

from leadcourt import clock
from leadcourt.errors import ActionForbidden, InvalidInput
from leadcourt.planner_statistics import tables_analyze
from leads.imports.chunk_copy import chunk_write_copy
from leads.imports.chunk_orm import ChunkCounts, chunk_write_orm
from leads.imports.mapping import DEFAULT_PRESET, mapping_resolve, preset_ensure_known
from leads.imports.reading import CsvFileError, CsvRow, csv_count_rows, csv_inspect, csv_stream
from leads.imports.sending import lead_import_send
from leads.imports.upload_limits import MAX_FILE_BYTES
from leads.models import Lead, LeadEvent, LeadImport, LeadImportStatus
from leads.selectors import rulebook_current
from leads.services import lead_ensure_may_create

logger = logging.getLogger(__name__)

# Rows per transaction of the portable path: big enough that the per-chunk
# queries (one lock, two lookups, three inserts, one update) are cheap per
# row, small enough that a chunk's objects stay a few MB and progress moves
# about once a second.
CHUNK_SIZE = 1000
# Rows per transaction of the PostgreSQL path: its cost per chunk is a dozen
# statements whatever the chunk's size, and a row held in memory is only its
# imported cells, so chunks can be ten times larger (the real export is one
# chunk) and progress still moves every few seconds.
COPY_CHUNK_SIZE = 10_000
# Errors that a retry may cure (a dropped connection, a failover); the task
# retries on these and the run resumes after its last committed chunk.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)
_CONFLICT_ATTEMPTS = 3


def lead_import_ensure_may(actor) -> None:
    """Importing is creating leads in bulk: the same people may (SPEC §1)."""
    try:
        lead_ensure_may_create(actor)
    except ActionForbidden:
        raise ActionForbidden("Only marketers may import leads.") from None


def lead_import_start(
    *,
    actor,
    file,
    preset: str = DEFAULT_PRESET,
    mapping: dict[str, str] | None = None,
    enqueue: bool = True,
) -> LeadImport:
    """Check an uploaded CSV, store it, record a queued import run and,
    with ``enqueue``, send it to the job queue once the run is committed.

    The check takes a bounded time whatever the file (``csv_inspect``): its
    bytes are checked throughout, its rows as CSV only in the first
    megabyte. A file that is not UTF-8 CSV, has no data row, has a line or
    header that no export has, or whose header maps to no lead field is
    refused with ``InvalidInput`` (400) and nothing is stored. A queue that
    cannot be reached leaves the run stored and queued
    (``LeadImport.is_waiting_for_queue``): the ``send_waiting_imports`` job
    sends it later; nothing is refused for it.
    """
    lead_import_ensure_may(actor)
    preset_ensure_known(preset)  # before reading the file
    size = getattr(file, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise InvalidInput({"file": f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."})
    inspection = csv_inspect(file)
    resolved = mapping_resolve(inspection.headers, preset=preset, overrides=mapping)

    now = clock.now()
    lead_import = LeadImport(
        actor=actor,
        file_name=PurePath(file.name or "upload.csv").name[:255],
        file_sha256=inspection.sha256,
        file_size=inspection.size,
        delimiter=inspection.delimiter,
        preset=preset,
        mapping=resolved,
        total_rows=inspection.data_rows,
        # Claimed for sending by this upload: the job leaves it alone for a minute.
        send_tried_at=now if enqueue else None,
    )
    file.seek(0)
    # A random stored name: the uploaded one may collide or say too much.
    lead_import.file.save(f"{uuid.uuid4().hex}.csv", file, save=False)
    try:
        with transaction.atomic():
            lead_import.save()
            if enqueue:

                def send() -> None:
                    if lead_import_send(import_id=lead_import.pk, tried_at=now):
                        lead_import.sent_at = now

                transaction.on_commit(send)
    except BaseException:
        lead_import.file.delete(save=False)
        raise
    return lead_import


def lead_import_fail(*, import_id: int, reason: str) -> bool:
    """Mark an unfinished run failed, saying why. What its committed chunks
    imported stays: every one of those rows is whole."""
    return bool(
        LeadImport.objects.filter(
            pk=import_id, status__in=[LeadImportStatus.QUEUED, LeadImportStatus.RUNNING]
        ).update(status=LeadImportStatus.FAILED, failure=reason, finished_at=clock.now())
    )


ProgressCallback = Callable[[LeadImport], None]


def lead_import_run(
    *, import_id: int, chunk_size: int | None = None, on_progress: ProgressCallback | None = None
) -> LeadImport | None:
    """Import the rows of a queued (or interrupted) run, chunk by chunk.

    Each chunk is one transaction that locks the run row, checks its rows,
    inserts the new leads and their "create" history rows in bulk, records
    refusals and advances the counters: a row is whole or absent, and a run
    stopped anywhere resumes after its last committed chunk. Idempotent: a
    finished run is left alone; a second worker on the same run finds the
    counters moved under the lock and stops. Transient database errors
    propagate so the task can retry; any other error marks the run failed.
    ``chunk_size`` defaults to the chosen path's (``_chunk_writer``). A run
    that created many leads leaves fresh planner statistics behind it.
    Returns the run as it ended, or ``None`` if it does not exist.
    """
    now = clock.now()
    claimed = LeadImport.objects.filter(
        pk=import_id, status__in=[LeadImportStatus.QUEUED, LeadImportStatus.RUNNING]
    ).update(
        status=LeadImportStatus.RUNNING,
        started_at=Coalesce(F("started_at"), Value(now, output_field=DateTimeField())),
    )
    lead_import = LeadImport.objects.select_related("actor").filter(pk=import_id).first()
    if not claimed or lead_import is None:
        return lead_import
    try:
        _import_rows(lead_import, chunk_size=chunk_size, on_progress=on_progress)
    except _Superseded:
        logger.info("lead import %s: another worker is running it; stopping", import_id)
    except CsvFileError as exc:
        lead_import_fail(import_id=import_id, reason=str(exc))
    except TRANSIENT_DB_ERRORS:
        raise
    except Exception as exc:
        lead_import_fail(
            import_id=import_id,
            reason=f"The import stopped on an unexpected error ({exc.__class__.__name__}); "
            f"the rows counted as done are imported.",
        )
        raise
    _statistics_refresh(import_id)
    lead_import.refresh_from_db()
    return lead_import


class _Superseded(Exception):
    """Another worker committed this chunk first (a re-delivered task)."""


@dataclass(frozen=True)
class ChunkWriter:
    """How a chunk's rows are checked and written, and how many rows a chunk has."""

    write: Callable[..., ChunkCounts]
    chunk_size: int


ORM_WRITER = ChunkWriter(chunk_write_orm, CHUNK_SIZE)
COPY_WRITER = ChunkWriter(chunk_write_copy, COPY_CHUNK_SIZE)


def _chunk_writer() -> ChunkWriter:
    """``COPY`` and set-based SQL on PostgreSQL (no model object per row:
    4 to 5 times faster on the real export, close to what the schema's
    indexes and foreign keys cost any writer); the ORM on any other database."""
    return COPY_WRITER if connection.vendor == "postgresql" else ORM_WRITER


def _import_rows(
    lead_import: LeadImport, *, chunk_size: int | None, on_progress: ProgressCallback | None
) -> None:
    if lead_import.total_rows is None:
        _rows_count(lead_import)
    rulebook = rulebook_current()
    writer = _chunk_writer()
    chunk_size = chunk_size or writer.chunk_size
    with lead_import.file.open("rb") as stored:
        stream = csv_stream(stored, delimiter=lead_import.delimiter)
        missing = [h for h in lead_import.mapping.values() if h not in stream.headers]
        if missing:
            raise CsvFileError(f"The stored file has no column {', '.join(missing)}; upload it again.")
        fields = tuple(lead_import.mapping)
        rows = stream.rows_picked([stream.headers.index(lead_import.mapping[name]) for name in fields])
        done = lead_import.rows_done
        # Resume: skip, without keeping them, the rows an earlier attempt committed.
        collections.deque(itertools.islice(rows, done), maxlen=0)
        while chunk := list(itertools.islice(rows, chunk_size)):
            if done + len(chunk) > lead_import.total_rows:
                raise CsvFileError("The stored file has more rows than when it was uploaded.")
            _chunk_import(
                lead_import,
                chunk,
                offset=done,
                write=writer.write,
                fields=fields,
                header_count=len(stream.headers),
                rulebook=rulebook,
            )
            done += len(chunk)
            if on_progress is not None:
                lead_import.refresh_from_db()
                on_progress(lead_import)
    finished = LeadImport.objects.filter(
        pk=lead_import.pk, status=LeadImportStatus.RUNNING, rows_done=F("total_rows")
    ).update(status=LeadImportStatus.DONE, finished_at=clock.now())
    if not finished and done < lead_import.total_rows:
        raise CsvFileError("The stored file has fewer rows than when it was uploaded.")


def _rows_count(lead_import: LeadImport) -> None:
    """A file larger than the upload's preview: read all of it as CSV before
    importing any row, so that a bad line anywhere fails the run with
    nothing imported (as the upload refuses a small file whole), and the
    progress bar has its total."""
    with lead_import.file.open("rb") as stored:
        total = csv_count_rows(stored, delimiter=lead_import.delimiter)
    LeadImport.objects.filter(pk=lead_import.pk, total_rows__isnull=True).update(total_rows=total)
    lead_import.refresh_from_db(fields=["total_rows"])


def _chunk_import(lead_import: LeadImport, chunk: list[CsvRow], *, offset: int, write, **kwargs) -> None:
    for attempt in range(1, _CONFLICT_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                _chunk_claim(lead_import, offset=offset)
                counts = write(lead_import, chunk, **kwargs)
                _counters_advance(lead_import, rows=len(chunk), counts=counts)
            return
        except IntegrityError:
            # Someone created one of these external ids between our check and
            # our insert (an API intake, another import). The chunk rolled back
            # whole; the next attempt's check counts that lead as existing.
            if attempt == _CONFLICT_ATTEMPTS:
                raise


def _chunk_claim(lead_import: LeadImport, *, offset: int) -> None:
    """Lock the run row; stop unless the rows before this chunk, and only
    those, are committed (two workers on one run never write a chunk twice)."""
    locked = LeadImport.objects.select_for_update().only("status", "rows_done").get(pk=lead_import.pk)
    if locked.status != LeadImportStatus.RUNNING or locked.rows_done != offset:
        raise _Superseded


def _counters_advance(lead_import: LeadImport, *, rows: int, counts: ChunkCounts) -> None:
    LeadImport.objects.filter(pk=lead_import.pk).update(
        rows_done=F("rows_done") + rows,
        created_count=F("created_count") + counts.created,
        existing_count=F("existing_count") + counts.existing,
        refused_count=F("refused_count") + counts.refused,
    )


def _statistics_refresh(import_id: int) -> None:
    """Build item 7: what writes in bulk refreshes the planner's statistics
    before anything computes over it. After a run (finished, or failed past
    some chunks) that created many leads (what autovacuum would wait for: 50
    + 10% of the table), the next dashboard or sweep must not be planned for
    the tables as they were. Best effort: the leads are in whatever happens
    here, and a re-delivered task would not come back to it."""
    created = (
        LeadImport.objects.filter(pk=import_id, status__in=[LeadImportStatus.DONE, LeadImportStatus.FAILED])
        .values_list("created_count", flat=True)
        .first()
    )
    if not created:
        return
    try:
        tables_analyze(Lead, LeadEvent, rows_added=created)
    except DatabaseError:
        logger.warning("lead import %s: ANALYZE after the import failed", import_id, exc_info=True)
