"""The import service: rows become inquiries by the intake rules, bad rows are
refused with row, field and message, a row is never half-imported, and
importing a file again creates nothing."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from contextlib import contextmanager, suppress
from unittest import mock

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, Q

from leadcourt.errors import ActionForbidden, InvalidInput
from leads.imports import chunk_copy, services
from leads.imports.services import lead_import_run, lead_import_start
from leads.models import Lead, LeadEvent, LeadImport, LeadImportRowError, LeadImportStatus, LeadState
from tests.concurrency import run_at_once
from tests.factories import inquiry
from tests.imports.conftest import SALESFORCE_HEADER, csv_bytes, salesforce_rows, upload

pytestmark = pytest.mark.postgres


def start(actor, content: bytes, **kwargs) -> LeadImport:
    kwargs.setdefault("enqueue", False)
    return lead_import_start(actor=actor, file=upload(content), **kwargs)


def run(lead_import: LeadImport, **kwargs) -> LeadImport:
    return lead_import_run(import_id=lead_import.pk, **kwargs)


def import_file(actor, content: bytes, **kwargs) -> LeadImport:
    chunk_size = kwargs.pop("chunk_size", services.CHUNK_SIZE)
    return run(start(actor, content, **kwargs), chunk_size=chunk_size)


def errors_of(lead_import: LeadImport) -> list[tuple[int, str, str]]:
    return list(
        LeadImportRowError.objects.filter(lead_import=lead_import).values_list(
            "row_number", "field", "message"
        )
    )


def assert_every_lead_whole() -> None:
    """Each lead has its one "create" history row, and no history row lacks its lead."""
    counts = Lead.objects.annotate(creates=Count("events")).values_list("creates", flat=True)
    assert set(counts) <= {1}
    assert LeadEvent.objects.count() == Lead.objects.count()


def test_rows_become_inquiries_owned_by_the_importing_marketer(marketer, import_path):
    content = csv_bytes(SALESFORCE_HEADER, salesforce_rows(3))

    result = import_file(marketer, content, preset="salesforce")

    assert (result.status, result.total_rows, result.rows_done) == (LeadImportStatus.DONE, 3, 3)
    assert (result.created_count, result.existing_count, result.refused_count) == (3, 0, 0)
    lead = Lead.objects.get(external_id="00Q000002")
    assert (lead.first_name, lead.last_name, lead.company, lead.email, lead.source) == (
        "First2",
        "Last2",
        "Company 2",
        "person2@example.com",
        "Web",
    )
    assert lead.state == LeadState.INQUIRY
    assert lead.marketer == marketer
    assert lead.assigned_rep is None
    event = lead.events.get()
    assert (event.transition, event.from_state, event.to_state, event.actor) == (
        "create",
        "inquiry",
        "inquiry",
        marketer,
    )
    assert event.data == {"import": result.pk, "row": 3}
    assert_every_lead_whole()


def test_a_row_with_a_bad_field_is_refused_with_its_row_number_field_and_message(marketer, import_path):
    rows = salesforce_rows(4)
    rows[1][4] = "not-an-email"  # row 3 of the file (the header is row 1)
    rows[3][1] = "x" * 101  # row 5: first name too long

    result = import_file(marketer, csv_bytes(SALESFORCE_HEADER, rows), preset="salesforce")

    assert (result.created_count, result.existing_count, result.refused_count) == (2, 0, 2)
    assert errors_of(result) == [
        (3, "email", "Enter a valid email address."),
        (5, "first_name", "At most 100 characters."),
    ]
    assert LeadImportRowError.objects.get(row_number=3).value == "not-an-email"
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["00Q000001", "00Q000003"]
    assert_every_lead_whole()


def test_a_row_with_the_wrong_number_of_cells_or_no_value_is_refused(marketer, import_path):
    content = (
        b"Id,Email,Company,Notes\r\n"
        b"1,a@example.com,Acme,\r\n"
        b"2,b@example.com,Acme,x,extra\r\n"
        b",,,only a note\r\n"
        b",,,\r\n"
        b"\r\n"
        b"4,,Beta,\r\n"
    )

    result = import_file(marketer, content)

    assert result.total_rows == 4  # lines with no value at all are not rows
    assert (result.created_count, result.refused_count) == (2, 2)
    assert errors_of(result) == [
        (3, "row", "The row has 5 cells but the header has 4; check for a stray separator or quote."),
        (4, "row", "None of the imported columns has a value."),
    ]
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["1", "4"]
    assert Lead.objects.get(external_id="4").events.get().data["row"] == 7


def test_importing_the_same_file_again_creates_nothing(marketer, import_path):
    content = csv_bytes(SALESFORCE_HEADER, salesforce_rows(25))
    first = import_file(marketer, content, chunk_size=10)
    leads_after_first = set(Lead.objects.values_list("pk", flat=True))

    again = import_file(marketer, content, chunk_size=10)

    assert (first.created_count, first.existing_count) == (25, 0)
    assert (again.created_count, again.existing_count, again.refused_count) == (0, 25, 0)
    assert again.status == LeadImportStatus.DONE
    assert set(Lead.objects.values_list("pk", flat=True)) == leads_after_first
    assert LeadEvent.objects.count() == 25
    assert again.file_sha256 == first.file_sha256


def test_a_lead_created_by_the_api_is_not_imported_again_nor_changed(marketer, import_path):
    existing = inquiry(marketer, external_id="00Q000001", first_name="Kept")

    result = import_file(marketer, csv_bytes(SALESFORCE_HEADER, salesforce_rows(2)))

    assert (result.created_count, result.existing_count) == (1, 1)
    existing.refresh_from_db()
    assert existing.first_name == "Kept"


def test_rows_without_an_external_id_get_a_stable_one_so_a_reimport_creates_nothing(marketer, import_path):
    content = csv_bytes(
        ["First Name", "Last Name", "Email"],
        [["Ada", "Lovelace", "ada@example.com"], ["Grace", "Hopper", "grace@example.com"]],
    )

    first = import_file(marketer, content)
    again = import_file(marketer, content)

    assert (first.created_count, again.created_count, again.existing_count) == (2, 0, 2)
    ids = list(Lead.objects.values_list("external_id", flat=True))
    assert all(external_id.startswith("csv:") for external_id in ids)
    assert len(set(ids)) == 2


def test_the_same_external_id_twice_in_one_file_creates_one_lead(marketer, import_path):
    content = csv_bytes(["Id", "Email"], [["7", "a@example.com"], ["7", "b@example.com"]])

    result = import_file(marketer, content)

    assert (result.created_count, result.existing_count) == (1, 1)
    assert Lead.objects.get().email == "a@example.com"


def test_a_second_lead_with_a_known_email_is_marked_a_probable_duplicate(marketer, import_path):
    earlier = inquiry(marketer, email="Ada@Example.com")
    content = csv_bytes(
        ["Id", "Email"],
        [["1", "ada@example.com"], ["2", "new@example.com"], ["3", "NEW@example.com"]],
    )

    import_file(marketer, content, chunk_size=10)

    by_id = {lead.external_id: lead for lead in Lead.objects.filter(external_id__isnull=False)}
    assert by_id["1"].duplicate_of == earlier
    assert by_id["2"].duplicate_of is None
    assert by_id["3"].duplicate_of == by_id["2"]  # earlier in the same file
    assert by_id["3"].events.get().data["duplicate_of"] == str(by_id["2"].public_id)


def test_a_row_is_never_half_imported(marketer, import_path):
    """The history insert of the second chunk fails: that chunk's leads are
    absent, the first chunk's are whole, and the counters say so."""
    content = csv_bytes(SALESFORCE_HEADER, salesforce_rows(25))
    lead_import = start(marketer, content)
    history_inserts = []

    def failing_on_second_chunk(execute, sql, params, many, context):
        if "INSERT INTO leads_leadevent" in sql.replace('"', ""):
            history_inserts.append(sql)
            if len(history_inserts) == 2:
                raise RuntimeError("disk full")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(failing_on_second_chunk), pytest.raises(RuntimeError):
        run(lead_import, chunk_size=10)

    lead_import.refresh_from_db()
    assert lead_import.status == LeadImportStatus.FAILED
    assert "unexpected error (RuntimeError)" in lead_import.failure
    assert (lead_import.rows_done, lead_import.created_count) == (10, 10)
    assert Lead.objects.count() == 10
    assert_every_lead_whole()


def test_an_interrupted_run_resumes_after_its_last_committed_chunk(marketer, import_path):
    content = csv_bytes(SALESFORCE_HEADER, salesforce_rows(25))
    lead_import = start(marketer, content)
    real_claim = services._chunk_claim
    calls = []

    def connection_lost_on_third_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OperationalError("server closed the connection unexpectedly")
        return real_claim(*args, **kwargs)

    with (
        mock.patch.object(services, "_chunk_claim", side_effect=connection_lost_on_third_chunk),
        pytest.raises(OperationalError),
    ):
        run(lead_import, chunk_size=10)
    lead_import.refresh_from_db()
    assert (lead_import.status, lead_import.rows_done) == (LeadImportStatus.RUNNING, 20)

    resumed = run(lead_import, chunk_size=10)  # what the re-delivered task does

    assert (resumed.status, resumed.rows_done, resumed.created_count) == (LeadImportStatus.DONE, 25, 25)
    assert Lead.objects.count() == 25
    assert_every_lead_whole()
    assert sorted(LeadEvent.objects.values_list("data__row", flat=True)) == list(range(2, 27))


def test_running_a_finished_import_again_does_nothing(marketer):
    done = import_file(marketer, csv_bytes(SALESFORCE_HEADER, salesforce_rows(3)))

    with mock.patch.object(services, "_import_rows") as import_rows:
        again = run(done)

    import_rows.assert_not_called()
    assert (again.status, again.created_count) == (LeadImportStatus.DONE, 3)


def test_the_file_is_streamed_not_read_whole(marketer, import_path):
    """By the time the first chunk is written only a small prefix of the file
    has been read: rows are pulled through csv.reader a block at a time."""
    content = csv_bytes(SALESFORCE_HEADER, salesforce_rows(20_000))
    lead_import = start(marketer, content)
    streams, read_at_chunk = [], []
    real_stream, real_chunk_import = services.csv_stream, services._chunk_import

    def spy_stream(*args, **kwargs):
        streams.append(real_stream(*args, **kwargs))
        return streams[-1]

    def spy_chunk_import(*args, **kwargs):
        read_at_chunk.append(streams[0].source.bytes_read)
        return real_chunk_import(*args, **kwargs)

    with (
        mock.patch.object(services, "csv_stream", side_effect=spy_stream),
        mock.patch.object(services, "_chunk_import", side_effect=spy_chunk_import),
    ):
        result = run(lead_import, chunk_size=1000)

    assert result.created_count == 20_000
    assert len(read_at_chunk) == 20
    assert read_at_chunk[0] < len(content) / 10
    assert all(earlier < later for earlier, later in itertools.pairwise(read_at_chunk))
    assert streams[0].source.bytes_read == len(content)


def test_the_file_is_stored_and_the_task_queued_after_commit(marketer, django_capture_on_commit_callbacks):
    with mock.patch("leads.imports.tasks.lead_import_run_task.apply_async") as send:
        with django_capture_on_commit_callbacks() as callbacks:
            lead_import = lead_import_start(
                actor=marketer, file=upload(csv_bytes(["Id"], [["1"]]), name="spring fair.csv")
            )
        send.assert_not_called()  # not before the run is committed
        assert len(callbacks) == 1
        callbacks[0]()

    send.assert_called_once()
    assert send.call_args.args[0] == (lead_import.pk,)
    assert lead_import.status == LeadImportStatus.QUEUED
    lead_import.refresh_from_db()
    assert lead_import.sent_at == lead_import.send_tried_at is not None
    assert lead_import.file_name == "spring fair.csv"
    with lead_import.file.open("rb") as stored:
        assert stored.read() == b"Id\r\n1\r\n"


def test_semicolon_separated_files_and_the_excel_byte_order_mark_are_read(marketer, import_path):
    content = "\ufeff".encode() + csv_bytes(["Id", "Company"], [["1", "Müller GmbH"]], delimiter=";")

    result = import_file(marketer, content)

    assert result.created_count == 1
    assert Lead.objects.get().company == "Müller GmbH"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"  \r\n", "The file is empty."),
        (b"PK\x03\x04\x14\x00\x06\x00", "This is a spreadsheet (e.g. .xlsx), not a CSV file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a text file"),
        ("Id,Company\r\n1,Müller\r\n".encode("latin-1"), "The file is not UTF-8 text"),
        # Not one decodable character: there is no first line to find the separator in.
        (b"\xff\xfe\xfd", "The file is not UTF-8 text"),
        (b"\xe9\xe9\xe9", "The file is not UTF-8 text"),
        (b"Id,Company\r\n", "The file has a header row but no data rows."),
        (b"Colour,Size\r\nred,L\r\n", "None of the columns (Colour, Size) matches a lead field"),
        (b'Id,Company\r\n1,"unterminated\r\n', "is not valid CSV"),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_stored(marketer, settings, content, message):
    with pytest.raises(InvalidInput) as refused:
        start(marketer, content)

    assert message in refused.value.errors["file"][0]
    assert LeadImport.objects.count() == 0
    assert not (settings.MEDIA_ROOT / "imports").exists()


def test_a_nul_byte_deep_in_the_file_refuses_the_whole_file(marketer, settings):
    """``csv`` reads a NUL as an ordinary character and PostgreSQL cannot
    store one: past the 64 KB sniffed for binary content, a NUL used to pass
    the upload check and stop the import half-way, after the chunks before it
    had landed. The upload check reads the whole file: it refuses it whole."""
    rows = salesforce_rows(2000)
    rows[1500][1] = "Nu\x00ll"  # line 1502: the header is line 1
    content = csv_bytes(SALESFORCE_HEADER, rows)
    assert content.index(b"\x00") > 64 * 1024

    with pytest.raises(InvalidInput) as refused:
        start(marketer, content)

    assert refused.value.errors["file"][0].startswith("The file contains a NUL byte on line 1502:")
    assert LeadImport.objects.count() == 0
    assert Lead.objects.count() == 0
    assert not (settings.MEDIA_ROOT / "imports").exists()


def test_only_marketers_and_administrators_may_import(rep, manager, admin_user):
    content = csv_bytes(["Id"], [["1"]])
    for user in (rep, manager):
        with pytest.raises(ActionForbidden, match=r"Only marketers may import leads\."):
            start(user, content)
    assert LeadImport.objects.count() == 0

    result = import_file(admin_user, content)
    assert result.created_count == 1
    assert Lead.objects.get().marketer is None  # an administrator does not become the owner


# --- two workers at once ---------------------------------------------------------------
#
# Real races on PostgreSQL: each worker is a thread with its own connection,
# running the public entry point the Celery task calls, and its chunks commit
# (``transaction=True``); see tests/adjudication/test_concurrency.py for why
# these tests also restore the migrated data afterwards.

RACE_ROWS = 40
RACE_CHUNK = 5
HOLD = 0.5  # seconds a first chunk waits for the other worker; long against a thread start


@contextmanager
def first_chunks_meet():
    """Each worker's first chunk waits right after taking the run row's lock
    (inside the chunk's transaction, before checking or inserting any row)
    until the other worker's first chunk is there too, or ``HOLD`` has
    passed. Where nothing keeps them apart, both chunks are then open at
    once; where the run row's lock does, the second worker never gets there
    and the first goes on after ``HOLD``."""
    real_claim = services._chunk_claim
    meeting = threading.Barrier(2)
    arrived: set[int] = set()

    def claim(*args, **kwargs):
        real_claim(*args, **kwargs)
        if threading.get_ident() not in arrived:
            arrived.add(threading.get_ident())
            # Broken after HOLD: the other worker is held off, as the lock should do.
            with suppress(threading.BrokenBarrierError):
                meeting.wait(timeout=HOLD)

    with mock.patch.object(services, "_chunk_claim", side_effect=claim):
        yield


def assert_each_lead_created_once() -> None:
    """No two leads share an external id or an email, and each lead has
    exactly one history row, its "create"."""
    leads = Lead.objects.annotate(
        creates=Count("events", filter=Q(events__transition="create")), events_n=Count("events")
    )
    assert {(lead.creates, lead.events_n) for lead in leads} == {(1, 1)}
    for column in ("external_id", "email"):
        given = Lead.objects.exclude(**{f"{column}__isnull": True}).exclude(**{column: ""})
        assert not given.values(column).annotate(n=Count("pk")).filter(n__gt=1).exists(), column
    assert LeadEvent.objects.count() == Lead.objects.count()


def assert_counters_add_up(run: LeadImport) -> None:
    assert run.status == LeadImportStatus.DONE, (run.status, run.failure)
    assert run.rows_done == run.total_rows == RACE_ROWS
    assert run.created_count + run.existing_count + run.refused_count == RACE_ROWS
    assert run.created_count == LeadEvent.objects.filter(data__import=run.pk).count()
    assert run.refused_count == run.row_errors.values("row_number").distinct().count()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("migrated_data_restored")
def test_two_workers_on_the_same_run_import_each_chunk_once(marketer, import_path, caplog):
    """A re-delivered task while the first is still running: both workers run
    ``lead_import_run`` on the same run at once.

    The first chunk creates no lead (two rows are refused, three are leads
    already), so the unique external id cannot stop a second write of it:
    only the run row's lock and the offset check under it do. Without
    ``select_for_update`` both workers find ``rows_done == 0`` and write the
    chunk, its five rows are counted twice (the ``leadimport_counts_add_up``
    constraint only refuses counts past the end of the file), each worker
    then finds the counters beyond its offset and stops, and the run never
    finishes. Without the offset check the second worker waits for the lock,
    then writes the chunk again. Either way this test fails.
    """
    rows = salesforce_rows(RACE_ROWS)
    rows[0][4] = rows[1][4] = "not-an-email"
    for external_id, *_ in rows[2:RACE_CHUNK]:
        inquiry(marketer, external_id=external_id)
    lead_import = start(marketer, csv_bytes(SALESFORCE_HEADER, rows))
    caplog.set_level(logging.INFO, logger=services.__name__)

    def worker():
        return lead_import_run(import_id=lead_import.pk, chunk_size=RACE_CHUNK)

    with first_chunks_meet():
        outcomes = run_at_once(worker, worker)

    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    lead_import.refresh_from_db()
    assert_counters_add_up(lead_import)
    assert (lead_import.created_count, lead_import.existing_count, lead_import.refused_count) == (35, 3, 2)
    assert list(lead_import.row_errors.values_list("row_number", "field")) == [(2, "email"), (3, "email")]
    assert Lead.objects.count() == RACE_ROWS - 2
    assert_each_lead_created_once()
    # The race happened: exactly one worker found the run taken and stopped.
    assert len([r for r in caplog.records if "another worker is running it" in r.getMessage()]) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("migrated_data_restored")
def test_two_runs_of_the_same_file_at_once_create_each_lead_once(
    marketer, other_marketer, import_path, caplog
):
    """Two marketers upload the same list and both imports run at once.

    Both runs' first chunks meet after taking their run rows' locks, then
    both check and insert: one insert waits on the other's uncommitted rows
    in the unique index. On the portable path it then fails with
    ``IntegrityError`` once they commit; that chunk rolls back whole and is
    retried, now finding those leads existing. On the COPY path ``ON
    CONFLICT DO NOTHING`` skips them and they count as existing. Without
    the retry (or the conflict clause) that run fails; without the unique
    external id both runs would create the chunk's leads. Either way this
    test fails.
    """
    content = csv_bytes(SALESFORCE_HEADER, salesforce_rows(RACE_ROWS))
    runs = [start(marketer, content), start(other_marketer, content)]
    real_bulk_create = Lead.objects.bulk_create
    collisions = []
    caplog.set_level(logging.INFO, logger=chunk_copy.__name__)

    def bulk_create(objs, *args, **kwargs):
        try:
            return real_bulk_create(objs, *args, **kwargs)
        except IntegrityError as exc:
            collisions.append(exc)
            raise

    def worker(run):
        return lambda: lead_import_run(import_id=run.pk, chunk_size=RACE_CHUNK)

    with first_chunks_meet(), mock.patch.object(Lead.objects, "bulk_create", side_effect=bulk_create):
        outcomes = run_at_once(*(worker(run) for run in runs))

    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    # The race happened: one run's insert met leads the other had just created.
    if import_path == "orm":
        assert collisions, "the runs never collided: the race did not happen"
    else:
        assert [r for r in caplog.records if "created meanwhile by another transaction" in r.getMessage()]
    for run in runs:
        run.refresh_from_db()
        assert_counters_add_up(run)
        assert run.refused_count == 0
    assert sum(run.created_count for run in runs) == RACE_ROWS
    assert sum(run.existing_count for run in runs) == RACE_ROWS
    assert Lead.objects.count() == RACE_ROWS
    assert_each_lead_created_once()


def backend_waits_on_a_lock(sql_fragment: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            [f"%{sql_fragment}%"],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("migrated_data_restored")
def test_a_probable_duplicate_of_a_lead_lost_to_another_intake_makes_the_chunk_retry(marketer):
    """COPY path: rows R1 and R2 share an email, so R2 is to point at R1's
    new lead. Meanwhile an API intake creates R1 (same email) and commits
    while the import's insert waits on it: ``ON CONFLICT`` skips R1, R2 is
    inserted pointing at a lead that never was, and the foreign key refuses
    that at commit. The chunk rolls back whole and is retried: R1 is found
    existing and R2 points at the intake's lead."""
    rows = [["R1", "dup@example.com"], ["R2", "Dup@Example.com"]]
    lead_import = start(marketer, csv_bytes(["Id", "Email"], rows))
    writes = []

    def counted_write(*args, **kwargs):
        writes.append(1)
        return chunk_copy.chunk_write_copy(*args, **kwargs)

    holding, release = threading.Event(), threading.Event()
    intake: list[Lead] = []

    def other_intake():
        try:
            with transaction.atomic():
                intake.append(inquiry(marketer, external_id="R1", email="dup@example.com"))
                holding.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    outcome: list[object] = []

    def importer():
        try:
            outcome.append(lead_import_run(import_id=lead_import.pk))
        except BaseException as exc:  # reported to the test
            outcome.append(exc)
        finally:
            connection.close()

    writer = services.ChunkWriter(counted_write, services.COPY_CHUNK_SIZE)
    with mock.patch.object(services, "_chunk_writer", return_value=writer):
        threads = [threading.Thread(target=other_intake), threading.Thread(target=importer)]
        threads[0].start()
        assert holding.wait(timeout=10)
        threads[1].start()
        deadline = time.monotonic() + 10
        # The chunk's statement (its text as pg_stat_activity keeps it: the start).
        while not backend_waits_on_a_lock("WITH cleaned AS") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert backend_waits_on_a_lock("WITH cleaned AS"), "the import never waited on the intake"
        release.set()
        for thread in threads:
            thread.join(timeout=30)

    (run,) = outcome
    assert not isinstance(run, BaseException), run
    assert len(writes) == 2  # the first attempt was refused at commit
    assert (run.status, run.created_count, run.existing_count) == (LeadImportStatus.DONE, 1, 1)
    r2 = Lead.objects.get(external_id="R2")
    assert r2.duplicate_of == intake[0]
    assert r2.events.get().data["duplicate_of"] == str(intake[0].public_id)
    assert_each_lead_created_once_by_external_id()


def assert_each_lead_created_once_by_external_id() -> None:
    assert {lead.events.count() for lead in Lead.objects.all()} == {1}
    assert LeadEvent.objects.count() == Lead.objects.count()
