"""Benchmark of the CSV import against PostgreSQL's COPY of the same file.

    make bench            (or: DATABASE_URL=postgres://… .venv/bin/python bench/import_bench.py)

Against PostgreSQL (``DATABASE_URL``, default the ``leadcourt_bench``
database on 127.0.0.1, created if missing and migrated):

1. empties the lead tables, then imports the real X Education export through
   the real import path (``lead_import_start`` + ``lead_import_run``, as the
   Celery task runs it, in the chosen path's chunks: on PostgreSQL the COPY
   path, ``--path orm`` forces the portable one for comparison);
2. imports the same file again (it must create 0 leads);
3. COPYs the same file into a scratch table of text columns (psycopg 3
   ``cursor.copy``), three times, keeping the median: the floor of what
   PostgreSQL can ingest from this file on this machine at this moment;
4. empties the lead tables again and writes the same rows into them with a
   bare ``INSERT … SELECT`` from that scratch table (leads, then their
   history rows, then COMMIT): no check, no duplicate lookup, no refusal,
   only what the schema makes every writer pay (its indexes, the
   foreign-key checks at commit). Not a floor of the ratio, which stays
   against ``COPY``: it says how much of the gap is the import's own work.

It prints rows, seconds and rows/s for each and the ratio import / COPY.
The machines are shared and noisy: read the ratio, measured in one run, not
the absolute times. Where the server runs on this machine it also prints the
CPU seconds each step cost (this process plus its PostgreSQL backend, from
``/proc``) and their ratio: on a busy machine the wall clock mostly measures
the wait for a core, the CPU time what the step itself costs. Exits non-zero
if the import does not do what the tests promise (every row created the
first time, none the second).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://leadcourt:leadcourt@127.0.0.1:5432/leadcourt_bench"
SHARED_DATA = Path(os.environ.get("LEADCOURT_SHARED_DATA", ROOT.parent / "shared" / "data"))
DEFAULT_FILE = SHARED_DATA / "x-education-leads.csv"
BENCH_USERNAME = "bench_marketer"


def database_ensure(url: str) -> str:
    """Create the database named in ``url`` if it does not exist; return its name."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def django_setup(url: str, media_root: str) -> None:
    os.environ["DATABASE_URL"] = url
    # The stored copies of the uploads go to a temporary folder, not var/.
    os.environ["MEDIA_ROOT"] = media_root
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadcourt.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def tables_empty() -> None:
    """An empty database for the first import: no leads, no history, no runs.

    TRUNCATE, not DELETE: the history table refuses row deletes (migration
    0003), and CASCADE empties what refers to leads (cases, touches…)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE leads_leadimportrowerror, leads_leadimport, leads_leadevent, leads_lead "
            "RESTART IDENTITY CASCADE"
        )


def bench_actor():
    from django.contrib.auth.models import Group

    from leadcourt.accounts import roles
    from leadcourt.accounts.models import User

    user, _ = User.objects.get_or_create(username=BENCH_USERNAME, defaults={"first_name": "Bench"})
    user.groups.add(Group.objects.get(name=roles.MARKETER))
    return user


def chunk_writer(path_name: str):
    """The import path to measure: the one ``lead_import_run`` picks for this
    database ("auto"), or the one named."""
    from leads.imports import services

    return {
        "auto": services._chunk_writer(),
        "orm": services.ORM_WRITER,
        "copy": services.COPY_WRITER,
    }[path_name]


class CpuClock:
    """CPU seconds spent by this process and by its database backend (read
    from ``/proc``: the server must run on this machine, as ``root`` or its
    user may read it); ``None`` where the backend's cannot be read."""

    def __init__(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (self._pid,) = cursor.fetchone()

    def read(self) -> float | None:
        try:
            with open(f"/proc/{self._pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        # utime and stime, the 14th and 15th fields (after the command's name).
        backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return time.process_time() + backend

    def since(self, start: float | None) -> float | None:
        now = self.read()
        return None if start is None or now is None else now - start


def timed_import(actor, path: Path, preset: str, writer, cpu: CpuClock) -> tuple[object, float, float, float]:
    """(finished run, seconds to check and store the upload, seconds to
    import its rows, CPU seconds of both)."""
    from unittest import mock

    from django.core.files import File

    from leads.imports import services
    from leads.imports.services import lead_import_run, lead_import_start

    cpu_started = cpu.read()
    started = time.perf_counter()
    with path.open("rb") as handle:
        lead_import = lead_import_start(
            actor=actor, file=File(handle, name=path.name), preset=preset, enqueue=False
        )
    stored = time.perf_counter()
    with mock.patch.object(services, "_chunk_writer", return_value=writer):
        run = lead_import_run(import_id=lead_import.pk)
    finished = time.perf_counter()
    return run, stored - started, finished - stored, cpu.since(cpu_started)


def timed_copy(path: Path, cpu: CpuClock) -> tuple[int, float, float | None]:
    """COPY the file into a fresh scratch table with one text column per header."""
    import csv

    from django.db import connection, transaction
    from psycopg import sql

    with path.open(newline="", encoding="utf-8-sig") as handle:
        headers = next(csv.reader(handle))
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(h)) for h in headers)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_scratch")
        cursor.execute(
            sql.SQL("CREATE UNLOGGED TABLE bench_copy_scratch ({})")
            .format(columns)
            .as_string(connection.connection)
        )
        cpu_started = cpu.read()
        started = time.perf_counter()
        with (
            path.open("rb") as handle,
            cursor.copy("COPY bench_copy_scratch FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while block := handle.read(256 * 1024):
                copy.write(block)
        seconds = time.perf_counter() - started
        cpu_seconds = cpu.since(cpu_started)
        cursor.execute("SELECT count(*) FROM bench_copy_scratch")
        (rows,) = cursor.fetchone()
        cursor.execute("DROP TABLE bench_copy_scratch")
    return rows, seconds, cpu_seconds


def timed_insert_select(path: Path, preset: str, actor, cpu: CpuClock) -> tuple[int, float, float | None]:
    """Empty the lead tables, COPY the file into a scratch table (not timed),
    then time a bare ``INSERT … SELECT`` of its rows into leads and their
    "create" history rows, and the COMMIT that runs the foreign-key checks.

    The columns come from the models as the COPY path fills them (the
    imported columns per row, every other field from a template lead), so
    the rows are the ones the import writes, minus every check."""
    import csv

    from django.db import connection, transaction
    from psycopg import sql

    from leads.history import lead_event_new
    from leads.imports.chunk_copy import insert_select_list
    from leads.imports.mapping import PRESETS, header_key
    from leads.models import Lead, LeadEvent, LeadState
    from leads.selectors import rulebook_current

    with path.open(newline="", encoding="utf-8-sig") as handle:
        headers = next(csv.reader(handle))
    by_key = {header_key(h): h for h in headers}
    column_of = {}  # lead field -> the scratch table's column filling it
    for field, aliases in PRESETS[preset].items():
        found = [by_key[header_key(alias)] for alias in aliases if header_key(alias) in by_key]
        if found and field in {f.name for f in Lead._meta.concrete_fields}:
            column_of[field] = found[0]
    tables_empty()
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(h)) for h in headers)
    lead = Lead(marketer=actor)
    event = lead_event_new(
        lead=lead,
        transition="create",
        from_state=LeadState.INQUIRY,
        actor=actor,
        occurred_at=lead.created_at,
        rulebook=rulebook_current(),
    )
    quoted = connection.ops.quote_name
    lead_columns, lead_values, lead_params = insert_select_list(
        Lead,
        lead,
        {
            "public_id": "gen_random_uuid()",
            **{field: f"coalesce(s.{quoted(header)}, '')" for field, header in column_of.items()},
        },
        "lead",
    )
    event_columns, event_values, event_params = insert_select_list(
        LeadEvent, event, {"lead": "l.id", "data": "jsonb_build_object('row', l.id)"}, "event"
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_scratch")
        cursor.execute(
            sql.SQL("CREATE UNLOGGED TABLE bench_copy_scratch ({})")
            .format(columns)
            .as_string(connection.connection)
        )
        with (
            path.open("rb") as handle,
            cursor.copy("COPY bench_copy_scratch FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while block := handle.read(256 * 1024):
                copy.write(block)
    cpu_started = cpu.read()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Lead._meta.db_table} ({lead_columns}) "  # noqa: S608 (model metadata only)
            f"SELECT {lead_values} FROM bench_copy_scratch s",
            lead_params,
        )
        rows = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {LeadEvent._meta.db_table} ({event_columns}) "  # noqa: S608 (model metadata only)
            f"SELECT {event_values} FROM {Lead._meta.db_table} l ORDER BY l.id",
            event_params,
        )
    seconds = time.perf_counter() - started
    cpu_seconds = cpu.since(cpu_started)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy_scratch")
    return rows, seconds, cpu_seconds


def line(step: str, rows: int, seconds: float, note: str = "", cpu: float | None = None) -> str:
    rate = rows / seconds if seconds else float("inf")
    cpu_text = "" if cpu is None else f"{cpu:.3f}"
    return f"{step:<34}{rows:>8,}{seconds:>10.3f}{rate:>12,.0f}{cpu_text:>9}  {note}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--preset", default="x-education")
    parser.add_argument(
        "--path",
        choices=("auto", "orm", "copy"),
        default="auto",
        help="how the rows are written: as lead_import_run chooses (auto: COPY on PostgreSQL), "
        "or the portable ORM path / the COPY path",
    )
    parser.add_argument(
        "--json", type=Path, help="also write the numbers to this file (bench/run.py reads it)"
    )
    args = parser.parse_args()
    if not args.file.is_file():
        print(f"bench: {args.file} not found (set LEADCOURT_SHARED_DATA or pass --file)", file=sys.stderr)
        return 2

    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        print(f"bench: needs PostgreSQL, DATABASE_URL is {url}", file=sys.stderr)
        return 2
    name = database_ensure(url)
    if "bench" not in name and os.environ.get("BENCH_ALLOW_ANY_DATABASE") != "1":
        # The bench empties the lead tables: never by accident on a real database.
        print(f"bench: refusing to empty database '{name}' (name it *bench*, or BENCH_ALLOW_ANY_DATABASE=1)")
        return 2
    with tempfile.TemporaryDirectory(prefix="leadcourt-bench-") as media_root:
        django_setup(url, media_root)
        return bench(args.file, args.preset, name, json_path=args.json, path_name=args.path)


def bench(path: Path, preset: str, name: str, json_path: Path | None = None, path_name: str = "auto") -> int:
    from django.core.management import call_command
    from django.db import connection

    from leads.imports import services

    call_command("migrate", verbosity=0)
    tables_empty()
    actor = bench_actor()
    writer = chunk_writer(path_name)
    writer_name = "COPY" if writer is services.COPY_WRITER else "ORM"

    cpu = CpuClock()
    first, first_store, first_rows, first_cpu = timed_import(actor, path, preset, writer, cpu)
    again, again_store, again_rows, again_cpu = timed_import(actor, path, preset, writer, cpu)
    copies = [timed_copy(path, cpu) for _ in range(3)]
    copy_rows = copies[0][0]
    copy_seconds = statistics.median(seconds for _, seconds, _ in copies)
    copy_cpu = None if None in (c for *_, c in copies) else statistics.median(c for *_, c in copies)
    floor_rows, floor_seconds, floor_cpu = timed_insert_select(path, preset, actor, cpu)

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    size_mb = path.stat().st_size / 1e6
    print(
        f"\nLeadCourt CSV import vs COPY: {path.name} ({size_mb:.1f} MB), PostgreSQL {version}, "
        f"database {name}, {writer_name} path, chunks of {writer.chunk_size} rows"
    )
    print(f"{'step':<34}{'rows':>8}{'seconds':>10}{'rows/s':>12}{'CPU s':>9}")
    first_total = first_store + first_rows
    print(
        line(
            "import into empty database",
            first.total_rows,
            first_total,
            f"created {first.created_count}, existing {first.existing_count}, refused {first.refused_count}",
            first_cpu,
        )
    )
    print(line("  of which: check + store upload", first.total_rows, first_store))
    print(line("  of which: import rows", first.total_rows, first_rows))
    again_total = again_store + again_rows
    print(
        line(
            "re-import same file",
            again.total_rows,
            again_total,
            f"created {again.created_count}, existing {again.existing_count}, refused {again.refused_count}",
            again_cpu,
        )
    )
    print(line("COPY into scratch table (median/3)", copy_rows, copy_seconds, cpu=copy_cpu))
    note = "leads and history, no checks"
    print(line("bare INSERT…SELECT + COMMIT", floor_rows, floor_seconds, note, floor_cpu))
    print(
        f"\nratio import / COPY: {first_total / copy_seconds:.0f}x the time "
        f"(rows only: {first_rows / copy_seconds:.0f}x); re-import / COPY: {again_total / copy_seconds:.0f}x"
        f"\nof which the schema (bare INSERT…SELECT / COPY): {floor_seconds / copy_seconds:.0f}x; "
        f"import / bare INSERT…SELECT: {first_total / floor_seconds:.1f}x"
    )
    if None not in (first_cpu, again_cpu, copy_cpu, floor_cpu):
        print(
            f"in CPU time: import / COPY {first_cpu / copy_cpu:.0f}x; re-import / COPY "
            f"{again_cpu / copy_cpu:.0f}x; bare INSERT…SELECT / COPY {floor_cpu / copy_cpu:.0f}x; "
            f"import / bare INSERT…SELECT {first_cpu / floor_cpu:.1f}x"
        )

    if json_path is not None:
        import json

        json_path.write_text(
            json.dumps(
                {
                    "rows": first.total_rows,
                    "created": first.created_count,
                    "import_seconds": first_total,
                    "import_rows_seconds": first_rows,
                    "reimport_seconds": again_total,
                    "reimport_created": again.created_count,
                    "copy_rows": copy_rows,
                    "copy_seconds": copy_seconds,
                    "copy_runs": [seconds for _, seconds, _ in copies],
                    "insert_select_seconds": floor_seconds,
                    "cpu_seconds": {
                        "import": first_cpu,
                        "reimport": again_cpu,
                        "copy": copy_cpu,
                        "insert_select": floor_cpu,
                    },
                    "path": writer_name,
                    "chunk_size": writer.chunk_size,
                }
            )
        )

    ok = (
        first.status == again.status == "done"
        and first.created_count + first.refused_count == first.total_rows == copy_rows
        and again.created_count == 0
        and floor_rows == first.created_count
    )
    if not ok:
        print(
            "bench: FAILED: the import did not create every row once and nothing the second time",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
