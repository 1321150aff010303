# ruff: noqa: E501
# The report's sentences are kept whole, on long lines.
"""bench/RESULTS-scaleout.md: what bench/scaleout.py measured, as Markdown."""

from __future__ import annotations

import os
import platform
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


def _n(value: float) -> str:
    return f"{value:,.0f}"


@dataclass
class Report:
    command: str
    leads: int
    rounds: int
    date: datetime | None = None
    seconds: float = 0.0
    dataset: str = ""
    replica_start_seconds: float = 0.0
    replica_settings: dict = field(default_factory=dict)
    jobs: list[tuple[str, str, float, str]] = field(default_factory=list)
    overdue: int = 0
    notifications: tuple[int, int] = (0, 0)
    # phase -> {cluster: (transactions, rows, buffers)}
    phases: dict[str, dict] = field(default_factory=dict)
    # page label -> (median ms pinned to the primary, median ms from the replica)
    timing: dict[str, tuple[float, float]] = field(default_factory=dict)
    timing_rounds: int = 0
    pages: list[tuple[str, str, str, str]] = field(default_factory=list)
    statements: list[tuple[int, int, float, str]] = field(default_factory=list)
    multiplexing: dict = field(default_factory=dict)
    decision: dict = field(default_factory=dict)
    pools: list[dict] = field(default_factory=list)
    pgbouncer_stats: list[dict] = field(default_factory=list)
    clients: list[dict] = field(default_factory=list)
    servers: list[dict] = field(default_factory=list)
    replication: tuple | None = None

    def write(self, path: Path) -> None:
        path.write_text("\n".join(self.lines()) + "\n")

    def lines(self) -> list[str]:
        gib = int(self.replica_settings.get("cluster_bytes", 0)) / 2**30
        out = [
            "# Scale-out results: PgBouncer, a streaming replica, Celery queues",
            "",
            f"- command: `{self.command}` (bench/scaleout.py)",
            f"- date: {self.date:%Y-%m-%d %H:%M} UTC; the whole run took {self.seconds:.0f} s",
            f"- machine: {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL 15 primary "
            "(Debian's cluster on 127.0.0.1:5432, shared with other work) and its streaming replica "
            "on 127.0.0.1:5433 on the same machine; PgBouncer 1.18 (Debian) in transaction mode in front of both",
            f"- dataset: `leadcourt_bench_scale`, {self.leads:,} leads, {self.dataset}",
            f"- replica: `pg_basebackup -R -X stream` of the whole primary ({gib:.2f} GiB), "
            f"started and streaming in {self.replica_start_seconds:.0f} s",
            "- app: gunicorn 2 sync workers and 2 Celery workers, DEBUG off, `CONN_MAX_AGE=600`, "
            "`DATABASE_URL` and `DATABASE_REPLICA_URL` both through PgBouncer, `DATABASE_POOLER=pgbouncer`",
            "",
            "## Reads moved off the primary",
            "",
            f"Every page below, {self.rounds} times, in two phases on the same server: first with the "
            "browsers pinned to the primary (the cookie `ReplicaPinningMiddleware` sets after a POST: "
            "the same requests as with no replica), then not. Counters are `pg_stat_database` of the "
            "bench database on each cluster, after minus before the phase (rows read = "
            "`tup_returned + tup_fetched`, buffers = `blks_hit + blks_read`).",
            "",
            "| phase | cluster | transactions | rows read | buffers |",
            "|---|---|---:|---:|---:|",
        ]
        for phase, deltas in self.phases.items():
            for cluster, (xacts, rows, buffers) in deltas.items():
                out.append(f"| {phase} | {cluster} | {_n(xacts)} | {_n(rows)} | {_n(buffers)} |")
        out += self._shares()
        out += [
            "",
            f"Median time per page (ms), pinned to the primary and read from the replica, alternating "
            f"request by request, {self.timing_rounds} rounds. Both clusters share the same two cores "
            "here and the replica has its own (colder) cache: the ratio is what the routing costs on one "
            "machine, not what a replica on its own machine gains.",
            "",
            "| page | marked | pinned to the primary | from the replica | ratio |",
            "|---|---|---:|---:|---:|",
        ]
        for _, path, label, marked in self.pages:
            where = (
                "in the app (metrics/views.py)" if marked == "app" else "proposed (bench/scaleout_urls.py)"
            )
            primary_ms, replica_ms = self.timing[label]
            out.append(
                f"| {label} (`{path}`) | {where} | {primary_ms:,.1f} | {replica_ms:,.1f} | "
                f"{replica_ms / primary_ms:.2f}× |"
            )
        out += [
            "",
            "What the replica ran in the second phase (`pg_stat_statements`, loaded on the replica only; "
            "the costliest statements, with the tables they read):",
            "",
            "| calls | rows | total ms | statement |",
            "|---:|---:|---:|---|",
        ]
        out += [
            f"| {calls} | {rows:,} | {total_ms:,.0f} | {text} |"
            for calls, rows, total_ms, text in self.statements
        ]
        out += self._decision() + self._jobs() + self._pgbouncer()
        return out

    def _shares(self) -> list[str]:
        out = [""]
        for phase, deltas in self.phases.items():
            rows = {cluster: values[1] for cluster, values in deltas.items()}
            total = sum(rows.values()) or 1
            out.append(
                f"- {phase}: {rows.get('replica', 0) / total:.1%} of the rows read came from the replica."
            )
        return out

    def _decision(self) -> list[str]:
        d = self.decision
        if not d:
            return []
        return [
            "",
            "## A write through PgBouncer, and reading it back",
            "",
            f"- `POST /leads/{d['lead']}/accept/` as the rep: HTTP {d['status']}; the lead is "
            f"`{d['primary_state']}` on the primary and `{d['replica_state']}` on the replica, which "
            f"had replayed the commit {d['replica_lag_ms']:.0f} ms after the response (polled every 5 ms).",
            f"- The response set the pin cookie: {'yes' if d['pinned'] else 'NO'}; the rep's inbox "
            f"requested right after {'still listed the lead (WRONG)' if d['inbox_still_lists_it'] else 'no longer lists it'}.",
        ]

    def _jobs(self) -> list[str]:
        out = [
            "",
            "## Jobs through PgBouncer, on their queues",
            "",
            "Two workers: `sweeps` (`-Q sweeps,celery`) and `other` (`-Q metrics,notifications`); each "
            "task sent by name with `celery call`, routed by `CELERY_TASK_ROUTES`.",
            "",
            "| task | ran on worker | seconds | report |",
            "|---|---|---:|---|",
        ]
        out += [
            f"| `{task}` | {worker} | {seconds:.1f} | {text} |" for task, worker, seconds, text in self.jobs
        ]
        out += [
            "",
            f"The sweep ran over {self.overdue:,} MQLs made overdue first; the judges' notifications it "
            f"queued ({self.notifications[1]:,} mails) were delivered by {self.notifications[0]} "
            "`notification_deliver` task(s) on the `other` worker.",
        ]
        return out

    def _pgbouncer(self) -> list[str]:
        clients = Counter(row["database"] for row in self.clients)
        servers = Counter(row["database"] for row in self.servers)
        stats = {row["database"]: row for row in self.pgbouncer_stats}
        out = [
            "",
            "## PgBouncer at the end of the run",
            "",
            "| database | client connections | server connections | transactions | queries |",
            "|---|---:|---:|---:|---:|",
        ]
        for row in self.pools:
            name = row["database"]
            if name == "pgbouncer":
                continue
            out.append(
                f"| `{name}` | {clients[name]} | {servers[name]} | "
                f"{_n(int(stats[name]['total_xact_count']))} | {_n(int(stats[name]['total_query_count']))} |"
            )
        m = self.multiplexing
        if m:
            out += [
                "",
                f"Transaction pooling measured directly: {m['clients']} client connections to PgBouncer, "
                f"{m['transactions']:,} one-statement transactions at once, were served by "
                f"{m['servers']} server connections (pool size {m['pool_size']}) with {m['errors']} errors, "
                "as the app runs them (psycopg's `prepare_threshold=None`). The same with every statement "
                f"prepared (`prepare_threshold=0`): {m['prepared_errors']} errors of {m['transactions']:,}"
                + (f", e.g. `{m['prepared_example']}`" if m["prepared_example"] else "")
                + ": a statement prepared on one server connection is missing, or already there, on the next.",
            ]
        if self.replication:
            state, write_lag, flush_lag, replay_lag = self.replication
            lags = (
                f"write / flush / replay lag of the last reported WAL position {write_lag} / {flush_lag} / {replay_lag}"
                if replay_lag is not None
                else "no lag to report (PostgreSQL clears the lag columns once an idle standby has replayed everything)"
            )
            out += ["", f"Replication at the end: `{state}`; {lags}."]
        return out
