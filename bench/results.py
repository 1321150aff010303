# ruff: noqa: E501
# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; no value from outside is ever formatted into it (S608). Subprocesses
# are this repository's own scripts and Debian's wrk, never a shell (S603).
"""``bench/RESULTS.md`` (and ``PLANS.md``): the machine, the dataset, every
row with its floor and ratio, and the notes."""

from __future__ import annotations

import os
import platform
from datetime import datetime
from pathlib import Path

from harness import (
    DATABASE_URL,
    JOB_ROUNDS,
    LEADS,
    LOAD_ROUNDS,
    LOAD_SECONDS,
    PLANS,
    REQUESTS,
    RESULTS,
    ROUNDS,
    Report,
)

# --- the report ----------------------------------------------------------------------------------------


def machine() -> dict:
    import psycopg

    with psycopg.connect(DATABASE_URL) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = dict(
            conn.execute(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name IN "
                "('shared_buffers', 'work_mem', 'autovacuum', 'max_wal_size', 'synchronous_commit')"
            ).fetchall()
        )
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    return {
        "nproc": os.cpu_count(),
        "memory": f"{int(mem) / 1024 / 1024:.0f} GiB",
        "postgres": version,
        "pg_settings": settings,
        "python": platform.python_version(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def write_results(
    report: Report,
    started: datetime,
    command: str,
    info: dict,
    load_end: str,
    seconds: float,
    *,
    partial: bool = False,
) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"- command: `{command}`",
        f"- date: {started:%Y-%m-%d %H:%M} UTC; the whole run took {seconds / 60:.0f} min",
        f"- machine: {info['nproc']} cores, {info['memory']}, PostgreSQL {info['postgres']} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(info['pg_settings'].items()))}), Python {info['python']}; "
        f"load average {info['load']} at the start, {load_end} at the end (the machine is shared)",
        f"- BENCH_LEADS: {LEADS:,}; rounds: {ROUNDS} × {REQUESTS} requests per page, {LOAD_ROUNDS} × {LOAD_SECONDS} s "
        f"per load row, {JOB_ROUNDS} per job",
    ]
    build = report.build or {}
    if build:
        counts = (build.get("info") or {}).get("counts", {})
        timings = (build.get("info") or {}).get("timings", [])
        how = "reused from" if build.get("reused") else "built in this run:"
        lines.append(
            f"- dataset {how} {build['leads']:,} leads, {counts.get('events', 0):,} history rows, "
            f"{counts.get('touches', 0):,} touches, {counts.get('cases', 0):,} cases "
            f"({counts.get('open_cases', 0):,} open), built in {build['seconds']:.0f} s "
            f"(" + ", ".join(f"{name} {s:.0f} s" for name, s in timings) + ")"
        )
        if counts.get("states"):
            lines.append("- lead states: " + ", ".join(f"{k} {v:,}" for k, v in counts["states"].items()))
    lines += [
        "",
        "Each row is the thing measured and its floor, measured in the same run, alternating;",
        "medians. Read the ratio, not the absolute times.",
        "",
        "| work | measured | floor | ratio |",
        "|---|---:|---:|---:|",
    ]
    for row in report.rows:
        lines.append(f"| {row.work} | {row.measured} | {row.floor} | {row.ratio} |")
    lines += ["", "## Notes per row", ""]
    for row in report.rows:
        if row.note:
            lines.append(f"- **{row.work}**: {row.note}")
    lines += [
        "",
        "Floors: pages are timed against `GET /healthz` (one `SELECT 1`) on the same logged-in",
        "persistent session; load rows against 64 users on `/healthz`; jobs against one set-based",
        "SQL statement doing the same writes (sweep) or the raw `GROUP BY` of the same numbers",
        "(snapshots); the import against `COPY` of the same file.",
    ]
    for note in report.notes:
        lines += ["", note]
    results, plans = RESULTS, PLANS
    if partial:
        # A run of some parts only never replaces the complete results.
        results = results.with_name(results.stem + "-partial.md")
        plans = plans.with_name(plans.stem + "-partial.md")
    results.write_text("\n".join(lines) + "\n")
    if report.plans:
        plans.write_text(
            "# Query plans of the benchmarked pages\n\n"
            f"`EXPLAIN (ANALYZE, BUFFERS)` of the slowest query of each page, {LEADS:,} leads, "
            f"{started:%Y-%m-%d}. Written by `bench/run.py`.\n\n" + "\n".join(report.plans)
        )
    print(f"wrote {results}" + (f" and {plans}" if report.plans else ""))
