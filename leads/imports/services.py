"""The CSV import of leads (SPEC §9): every write it makes.

``lead_import_start`` checks and stores the uploaded file and records a
queued run; ``lead_import_run`` (called by the Celery task, or directly by
``manage.py import_leads``) imports its rows a chunk at a time.

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
"""

from __future__ import annotations

import collections
import hashlib
import itertools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce

from leadcourt import clock
from leadcourt.errors import ActionForbidden, InvalidInput
from leads.history import lead_event_new
from leads.imports.mapping import DEFAULT_PRESET, HISTORY_FIELDS, mapping_resolve, preset_ensure_known
from leads.imports.reading import CsvFileError, csv_inspect, csv_stream
from leads.models import Lead, LeadEvent, LeadImport, LeadImportRowError, LeadImportStatus, LeadState
from leads.selectors import rulebook_current
from leads.services import (
    LEAD_TEXT_FIELDS,
    lead_ensure_may_create,
    lead_first_by_email,
    lead_intake_clean,
    lead_owner_for_intake,
)

logger = logging.getLogger(__name__)

# Rows per transaction: big enough that the per-chunk queries (one lock, two
# lookups, three inserts, one update) are cheap per row, small enough that a
# chunk's objects stay a few MB and progress moves about once a second.
CHUNK_SIZE = 1000
MAX_FILE_BYTES = 200 * 1024 * 1024
# Errors that a retry may cure (a dropped connection, a failover); the task
# retries on these and the run resumes after its last committed chunk.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)
_CONFLICT_ATTEMPTS = 3
_VALUE_SHOWN = LeadImportRowError._meta.get_field("value").max_length


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
    """Check an uploaded CSV, store it and record a queued import run.

    The whole file is read once here, streaming: a file that is not UTF-8
    CSV, has no data row, or whose header maps to no lead field is refused
    with ``InvalidInput`` (400) and nothing is stored. With ``enqueue`` the
    Celery task is sent once the run row is committed.
    """
    lead_import_ensure_may(actor)
    preset_ensure_known(preset)  # before reading the file
    size = getattr(file, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise InvalidInput({"file": f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."})
    file.seek(0)
    inspection = csv_inspect(file)
    resolved = mapping_resolve(inspection.headers, preset=preset, overrides=mapping)

    lead_import = LeadImport(
        actor=actor,
        file_name=PurePath(file.name or "upload.csv").name[:255],
        file_sha256=inspection.sha256,
        file_size=inspection.size,
        delimiter=inspection.delimiter,
        preset=preset,
        mapping=resolved,
        total_rows=inspection.data_rows,
    )
    file.seek(0)
    # A random stored name: the uploaded one may collide or say too much.
    lead_import.file.save(f"{uuid.uuid4().hex}.csv", file, save=False)
    try:
        with transaction.atomic():
            lead_import.save()
            if enqueue:
                # Imported here: the task module imports this one.
                from leads.imports.tasks import lead_import_run_task

                pk = lead_import.pk
                transaction.on_commit(lambda: lead_import_run_task.delay(pk))
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
    *, import_id: int, chunk_size: int = CHUNK_SIZE, on_progress: ProgressCallback | None = None
) -> LeadImport | None:
    """Import the rows of a queued (or interrupted) run, chunk by chunk.

    Each chunk is one transaction that locks the run row, checks its rows,
    inserts the new leads and their "create" history rows in bulk, records
    refusals and advances the counters: a row is whole or absent, and a run
    stopped anywhere resumes after its last committed chunk. Idempotent: a
    finished run is left alone; a second worker on the same run finds the
    counters moved under the lock and stops. Transient database errors
    propagate so the task can retry; any other error marks the run failed.
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
    lead_import.refresh_from_db()
    return lead_import


class _Superseded(Exception):
    """Another worker committed this chunk first (a re-delivered task)."""


@dataclass
class _Row:
    number: int
    external_id: str
    values: dict[str, str]
    criteria_mask: int
    history: dict[str, str]
    lead: Lead | None = field(default=None)


def _derived_external_id(values: dict[str, str]) -> str:
    # Emails compare case-insensitively everywhere else too.
    content = "\x1f".join(
        values[name].lower() if name == "email" else values[name] for name in LEAD_TEXT_FIELDS
    )
    return "csv:" + hashlib.sha256(content.encode()).hexdigest()[:40]


def _import_rows(lead_import: LeadImport, *, chunk_size: int, on_progress: ProgressCallback | None) -> None:
    rulebook = rulebook_current()
    with lead_import.file.open("rb") as stored:
        stream = csv_stream(stored, delimiter=lead_import.delimiter)
        missing = [h for h in lead_import.mapping.values() if h not in stream.headers]
        if missing:
            raise CsvFileError(f"The stored file has no column {', '.join(missing)}; upload it again.")
        columns = {name: stream.headers.index(header) for name, header in lead_import.mapping.items()}
        rows = stream.rows()
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
                columns=columns,
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


def _chunk_import(lead_import: LeadImport, chunk, *, offset: int, **kwargs) -> None:
    for attempt in range(1, _CONFLICT_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                _chunk_write(lead_import, chunk, offset=offset, **kwargs)
            return
        except IntegrityError:
            # Someone created one of these external ids between our check and
            # our insert (an API intake, another import). The chunk rolled back
            # whole; the next attempt's check counts that lead as existing.
            if attempt == _CONFLICT_ATTEMPTS:
                raise


def _row_check(number: int, cells: list[str], *, columns: dict[str, int], header_count: int):
    """One row's lead values, or its refusals as ``(row, field, message, value)``."""
    if len(cells) != header_count:
        return None, [
            (
                number,
                "row",
                f"The row has {len(cells)} cells but the header has {header_count}; "
                f"check for a stray separator or quote.",
                "",
            )
        ]
    raw = {name: cells[index] for name, index in columns.items()}
    if not any(value.strip() for value in raw.values()):
        return None, [(number, "row", "None of the imported columns has a value.", "")]
    try:
        intake = lead_intake_clean(
            external_id=raw.get("external_id"),
            **{name: raw[name] for name in LEAD_TEXT_FIELDS if name in raw},
        )
    except InvalidInput as exc:
        return None, [
            (number, name, " ".join(messages), raw.get(name, "")[:_VALUE_SHOWN])
            for name, messages in exc.errors.items()
        ]
    return (
        _Row(
            number=number,
            external_id=intake.external_id or _derived_external_id(intake.values),
            values=intake.values,
            criteria_mask=intake.criteria_mask,
            history={name: raw[name].strip() for name in HISTORY_FIELDS if raw.get(name, "").strip()},
        ),
        [],
    )


def _chunk_write(lead_import: LeadImport, chunk, *, offset: int, columns, header_count, rulebook) -> None:
    locked = LeadImport.objects.select_for_update().only("status", "rows_done").get(pk=lead_import.pk)
    if locked.status != LeadImportStatus.RUNNING or locked.rows_done != offset:
        raise _Superseded

    accepted: list[_Row] = []
    refusals = []
    refused_rows = 0
    for number, cells in chunk:
        row, errors = _row_check(number, cells, columns=columns, header_count=header_count)
        if row is None:
            refused_rows += 1
            refusals.extend(errors)
        else:
            accepted.append(row)

    # Idempotence: a lead with the row's external id (from any earlier intake,
    # import, or row of this file) means the row creates nothing.
    seen = set(
        Lead.objects.filter(external_id__in=[row.external_id for row in accepted]).values_list(
            "external_id", flat=True
        )
    )
    new_rows = []
    for row in accepted:
        if row.external_id not in seen:
            seen.add(row.external_id)
            new_rows.append(row)
    existing = len(accepted) - len(new_rows)

    # Probable duplicates: the earliest lead with the same email, either
    # already in the database or earlier in this chunk (inserted first).
    earlier = lead_first_by_email(row.values["email"] for row in new_rows)
    marketer = lead_owner_for_intake(actor=lead_import.actor)
    in_chunk: dict[str, Lead] = {}
    first_pass, second_pass = [], []
    for row in new_rows:
        row.lead = Lead(
            external_id=row.external_id,
            criteria_mask=row.criteria_mask,
            marketer=marketer,
            **row.values,
        )
        email = row.values["email"].lower()
        if email in earlier:
            row.lead.duplicate_of = earlier[email]
            first_pass.append(row.lead)
        elif email in in_chunk:
            # Points at a lead of the first insert, which gives it its id.
            row.lead.duplicate_of = in_chunk[email]
            second_pass.append(row.lead)
        else:
            first_pass.append(row.lead)
            if email:
                in_chunk[email] = row.lead
    Lead.objects.bulk_create(first_pass)
    if second_pass:
        Lead.objects.bulk_create(second_pass)

    LeadEvent.objects.bulk_create(
        lead_event_new(
            lead=row.lead,
            transition="create",
            from_state=LeadState.INQUIRY,
            actor=lead_import.actor,
            occurred_at=row.lead.created_at,
            rulebook=rulebook,
            data={
                "import": lead_import.pk,
                "row": row.number,
                **({"duplicate_of": str(row.lead.duplicate_of.public_id)} if row.lead.duplicate_of else {}),
                **row.history,
            },
        )
        for row in new_rows
    )
    LeadImportRowError.objects.bulk_create(
        [
            LeadImportRowError(
                lead_import_id=lead_import.pk, row_number=number, field=name, message=message, value=value
            )
            for number, name, message, value in refusals
        ],
        ignore_conflicts=True,
    )
    LeadImport.objects.filter(pk=lead_import.pk).update(
        rows_done=F("rows_done") + len(chunk),
        created_count=F("created_count") + len(new_rows),
        existing_count=F("existing_count") + existing,
        refused_count=F("refused_count") + refused_rows,
    )
