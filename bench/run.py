# ruff: noqa: E501, S603
# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; no value from outside is ever formatted into it (S608). Subprocesses
# are this repository's own scripts and Debian's wrk, never a shell (S603).
"""The benchmark of record: every row of issue #11 against its floor, in one run.

    make bench                      (1,000,000 leads)
    make bench-quick                (BENCH_LEADS=100000)
    BENCH_LEADS=100000 .venv/bin/python bench/run.py

1. Builds the dataset (``bench/dataset.py``), or reuses the one in the bench
   database when it has the same ``BENCH_LEADS``, the same generator version
   and is younger than ``BENCH_MAX_AGE_HOURS`` (its "waiting" deadlines are
   relative to the day it was built).
2. Metric snapshots (recent months, then all history) against the raw
   ``GROUP BY`` of the same numbers; this also leaves the snapshots in place
   for the dashboards page.
3. Starts gunicorn (2 workers of 4 threads (gthread, keep-alive), ``leadcourt.wsgi``, DEBUG off, persistent
   database connections) on a free port of 127.0.0.1, logs in one persistent
   HTTP session per persona, and times each page against ``GET /healthz`` on
   the same session: ``BENCH_ROUNDS`` rounds, page and floor alternating
   request by request, medians.
4. 64 concurrent users with ``wrk`` over a mixed page set (with and without
   the API list) against 64 users on ``/healthz``: p95 and requests/s,
   alternating, ``BENCH_LOAD_ROUNDS`` rounds of ``BENCH_LOAD_SECONDS``.
5. Stops gunicorn. Decision sweep over ``BENCH_SWEEP_SIZES`` overdue MQLs on a
   copy of the database (``CREATE DATABASE … TEMPLATE``), each against one
   set-based ``UPDATE … RETURNING`` plus the inserts of the same rows, in a
   rolled-back transaction on the same copy.
6. CSV import of the real export against ``COPY`` (``bench/import_bench.py``,
   in its own empty database).

A run on any other number of leads than the record's million uses its own
database (``leadcourt_bench_<N>``) and writes ``bench/RESULTS-<N>.md``, so a
quick check neither rebuilds nor overwrites the run of record.

Writes ``bench/RESULTS.md`` (and ``bench/PLANS.md``: EXPLAIN ANALYZE of each
page's slowest query). Every loop is bounded in count and time; a job that
runs past its bound is stopped and reported as "> N s (stopped)". Only
127.0.0.1 is ever requested.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dataset
from harness import (
    BENCH,
    BROKER_URL,
    DATABASE_URL,
    IMPORT_DATABASE_URL,
    LEADS,
    MAX_AGE_HOURS,
    PYTHON,
    ROOT,
    Report,
    Row,
    child_job,
    on_signal,
    ratio,
    run_child,
    secs,
    stop_children,
)
from results import machine, write_results
from rows_pages import cases_restore, child_plans, web_rows
from rows_snapshots import metrics_rows
from rows_sweep import sweep_rows

# --- the dataset ----------------------------------------------------------------------------------


def dataset_ready(report: Report) -> dict:
    meta = dataset.dataset_meta(DATABASE_URL)
    fresh = False
    if meta is not None:
        age = datetime.now(UTC) - meta["anchor_now"]
        fresh = (
            meta["leads"] == LEADS
            and meta["generator"] == dataset.GENERATOR_VERSION
            and age < timedelta(hours=MAX_AGE_HOURS)
            and os.environ.get("BENCH_REBUILD") != "1"
        )
    if fresh:
        print(
            f"dataset: reusing {LEADS:,} leads built {meta['built_at']:%Y-%m-%d %H:%M} UTC in {meta['seconds']:.0f} s"
        )
        report.build = {"reused": True, **meta}
        return meta
    print(f"dataset: building {LEADS:,} leads")
    env = dict(os.environ, BENCH_DATABASE_URL=DATABASE_URL, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, str(BENCH / "dataset.py"), "--leads", str(LEADS), "--rebuild"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=3600,
    )
    print(proc.stdout)
    if proc.returncode != 0:
        raise SystemExit(f"dataset build failed ({proc.returncode})")
    meta = dataset.dataset_meta(DATABASE_URL)
    report.build = {
        "reused": False,
        "wall_seconds": time.perf_counter() - started,
        "output": proc.stdout,
        **meta,
    }
    return meta


# --- the CSV import ---------------------------------------------------------------------------------


def import_rows(report: Report, workdir: Path) -> None:
    out = workdir / "import.json"
    env = dict(
        os.environ, DATABASE_URL=IMPORT_DATABASE_URL, CELERY_BROKER_URL=BROKER_URL, PYTHONPATH=str(ROOT)
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    code, text, _ = run_child(
        [PYTHON, str(BENCH / "import_bench.py"), "--json", str(out)], env=env, timeout=1800
    )
    if code is None or not out.exists():
        report.add(Row("CSV import of x-education-leads.csv", "failed", "", "", text[-500:]))
        return
    data = json.loads(out.read_text())
    rows = data["rows"]
    report.add(
        Row(
            f"CSV import, {rows:,} rows, into an empty database",
            secs(data["import_seconds"]),
            secs(data["copy_seconds"]),
            ratio(data["import_seconds"], data["copy_seconds"]),
            f"`bench/import_bench.py`; floor: `COPY` of the same file into a scratch table (median of 3); "
            f"created {data['created']:,}; database {dataset.database_name(IMPORT_DATABASE_URL)}",
        )
    )
    report.add(
        Row(
            f"CSV re-import of the same {rows:,} rows (creates {data['reimport_created']})",
            secs(data["reimport_seconds"]),
            secs(data["copy_seconds"]),
            ratio(data["reimport_seconds"], data["copy_seconds"]),
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument(
        "--only", help="comma-separated parts: metrics,pages,load,plans,sweep,import (default: all)"
    )
    args = parser.parse_args()
    if args.child == "plans":
        return child_plans()
    if args.child:
        return child_job(args.child)

    name = dataset.database_name(DATABASE_URL)
    if "bench" not in name:
        print(f"bench: refusing database '{name}': its name must contain 'bench'", file=sys.stderr)
        return 2
    if not shutil.which("wrk"):
        print("bench: wrk not found (apt-get install wrk; bench/ensure-tools.sh does it)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    parts = set((args.only or "metrics,pages,load,plans,sweep,import").split(","))
    started = datetime.now(UTC)
    clock = time.perf_counter()
    command = " ".join(
        [f"BENCH_LEADS={LEADS}"]
        + [
            f"{k}={v}"
            for k, v in sorted(os.environ.items())
            if k.startswith("BENCH_") and k != "BENCH_LEADS" and v
        ]
        + ["python bench/run.py"]
        + sys.argv[1:]
    )
    report = Report()
    try:
        info = machine() if dataset.database_exists(DATABASE_URL) else None
        meta = dataset_ready(report)
        info = info or machine()
        cases_restore()
        with tempfile.TemporaryDirectory(prefix="leadcourt-bench-") as tmp:
            workdir = Path(tmp)
            if "metrics" in parts:
                print("metric snapshots:")
                metrics_rows(report, meta["anchor_now"])
            if parts & {"pages", "load", "plans"}:
                web_rows(report, workdir, parts)
            if "sweep" in parts:
                print("decision sweep:")
                sweep_rows(report)
            if "import" in parts:
                print("CSV import:")
                import_rows(report, workdir)
    finally:
        stop_children()
        cases_restore()
    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    write_results(
        report, started, command, info, load_end, time.perf_counter() - clock, partial=bool(args.only)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
