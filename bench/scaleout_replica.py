# ruff: noqa: E501, S603
# SQL is kept on long lines. Subprocesses are Debian's PostgreSQL tools (pg_basebackup, pg_ctl, runuser)
# with arguments built here, never a shell.
"""A streaming read replica of this machine's PostgreSQL, for the scale-out bench.

    .venv/bin/python bench/scaleout_replica.py start     # base backup, start on 5433, wait until it streams
    .venv/bin/python bench/scaleout_replica.py status
    .venv/bin/python bench/scaleout_replica.py stop      # stop it; its data directory stays
    .venv/bin/python bench/scaleout_replica.py remove    # stop it and delete its data directory
    .venv/bin/python bench/scaleout_replica.py unprepare # also undo the primary's role and pg_hba line

The primary is the local cluster on 127.0.0.1:5432 (Debian's, started before
us and shared with other work): it is never restarted or reconfigured
beyond this, all idempotent:

- a role ``leadcourt_replicator`` (LOGIN REPLICATION, a password);
- one line in its pg_hba.conf letting that role open replication connections
  from 127.0.0.1 (``all`` in pg_hba's database column does not cover
  replication, so the existing trust line does not), then
  ``pg_reload_conf()``;
- nothing else: Debian's defaults already have ``wal_level = replica`` and
  ``max_wal_senders = 10`` (checked; changing them would need a restart,
  and the script stops instead).

No replication slot: a slot left behind by a bench that died would make the
shared primary keep WAL forever. ``pg_basebackup -X stream`` covers the
backup itself, and the replica starts streaming right after.

The replica is a second cluster in ``SCALE_REPLICA_DIR``
(/var/tmp/leadcourt-bench-replica) on ``SCALE_REPLICA_PORT`` (5433): a
``pg_basebackup -R`` of the whole primary (PostgreSQL replicates clusters,
not databases), with its own small postgresql.conf (Debian keeps the
primary's in /etc, so the backup has none) that loads pg_stat_statements
there, so the bench can list what the replica ran. Run as root it runs as
the ``postgres`` user, as Debian's cluster does.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

PG_BIN = Path(os.environ.get("SCALE_PG_BIN", "/usr/lib/postgresql/15/bin"))
PRIMARY_ADMIN_URL = os.environ.get("SCALE_PRIMARY_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PRIMARY_HOST, PRIMARY_PORT = "127.0.0.1", 5432
REPLICA_DIR = Path(os.environ.get("SCALE_REPLICA_DIR", "/var/tmp/leadcourt-bench-replica"))  # noqa: S108
REPLICA_PORT = int(os.environ.get("SCALE_REPLICA_PORT", "5433"))
REPLICATOR = "leadcourt_replicator"
REPLICATOR_PASSWORD = "leadcourt-replicator-bench-only"  # noqa: S105 - a local bench role, loopback only
CLUSTER_NAME = "leadcourt_bench_replica"
HBA_MARK = "# leadcourt bench: streaming replica (bench/scaleout_replica.py)"
HBA_LINE = f"host    replication     {REPLICATOR}    127.0.0.1/32    scram-sha-256"
# Hot standby requires these to be at least the primary's values.
MUST_MATCH_PRIMARY = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)

DATA = REPLICA_DIR / "data"
SOCKETS = REPLICA_DIR / "sockets"
LOG = REPLICA_DIR / "replica.log"


def say(message: str) -> None:
    print(f"replica: {message}", flush=True)


def replica_url(dbname: str = "postgres", user: str = "postgres") -> str:
    return f"postgres://{user}@127.0.0.1:{REPLICA_PORT}/{dbname}"


def _as_cluster_owner(args: list[str], *, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    """Run a PostgreSQL tool as the user the replica runs as (postgres when
    we are root: the server and pg_ctl refuse to run as root)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=check, cwd="/", **kwargs)


def _owner() -> tuple[int, int]:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        return entry.pw_uid, entry.pw_gid
    return os.getuid(), os.getgid()


# --- the primary -------------------------------------------------------------------------------


def primary_prepare() -> None:
    """Role, pg_hba line and reload on the primary; idempotent."""
    with psycopg.connect(PRIMARY_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        settings = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'max_wal_senders', 'hba_file')"
            ).fetchall()
        )
        if settings["wal_level"] not in ("replica", "logical") or int(settings["max_wal_senders"]) < 1:
            raise SystemExit(
                f"replica: the primary has wal_level={settings['wal_level']}, "
                f"max_wal_senders={settings['max_wal_senders']}; streaming needs replica and >= 1, "
                "which takes a restart of the primary: not done here"
            )
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [REPLICATOR]).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(verb + " ROLE {} LOGIN REPLICATION PASSWORD {}").format(
                sql.Identifier(REPLICATOR), sql.Literal(REPLICATOR_PASSWORD)
            )
        )
        hba = Path(settings["hba_file"])
        text = hba.read_text()
        if HBA_LINE not in text:
            say(f"adding a replication line for {REPLICATOR} to {hba}")
            with hba.open("a") as f:
                f.write(("" if text.endswith("\n") else "\n") + f"{HBA_MARK}\n{HBA_LINE}\n")
        conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)
        errors = conn.execute(
            "SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL"
        ).fetchall()
        if errors:
            raise SystemExit(f"replica: pg_hba.conf has errors after the edit: {errors}")


def primary_unprepare() -> None:
    """Undo primary_prepare: the pg_hba line, then the role."""
    with psycopg.connect(PRIMARY_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        (hba_file,) = conn.execute("SHOW hba_file").fetchone()
        hba = Path(hba_file)
        lines = hba.read_text().splitlines(keepends=True)
        kept = [line for line in lines if line.rstrip("\n") not in (HBA_MARK, HBA_LINE)]
        if kept != lines:
            hba.write_text("".join(kept))
            say(f"removed the replication line from {hba}")
        conn.execute("SELECT pg_reload_conf()")
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(REPLICATOR)))


def primary_settings() -> dict[str, str]:
    with psycopg.connect(PRIMARY_ADMIN_URL, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [list(MUST_MATCH_PRIMARY)]
        ).fetchall()
        (size,) = conn.execute("SELECT sum(pg_database_size(oid)) FROM pg_database").fetchone()
    return {**dict(rows), "cluster_bytes": str(size)}


# --- the replica -------------------------------------------------------------------------------


def running() -> bool:
    if not (DATA / "postmaster.pid").exists():
        return False
    done = _as_cluster_owner(
        [str(PG_BIN / "pg_ctl"), "-D", str(DATA), "status"], check=False, capture_output=True
    )
    return done.returncode == 0


def _write_config(primary: dict[str, str]) -> None:
    matched = "\n".join(f"{name} = {primary[name]}" for name in MUST_MATCH_PRIMARY)
    (DATA / "postgresql.conf").write_text(
        f"""# The scale-out bench's streaming replica (bench/scaleout_replica.py).
port = {REPLICA_PORT}
listen_addresses = '127.0.0.1'
unix_socket_directories = '{SOCKETS}'
cluster_name = '{CLUSTER_NAME}'
hot_standby = on
# Long dashboard reads are not cancelled by the cleanup they would conflict with.
hot_standby_feedback = on
shared_buffers = 128MB
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
{matched}
"""
    )
    (DATA / "pg_hba.conf").write_text(
        "# Loopback only, trusted like the primary's local connections.\n"
        "local   all   all                 trust\n"
        "host    all   all   127.0.0.1/32  trust\n"
    )
    (DATA / "pg_ident.conf").write_text("")


def start(timeout: float = 120) -> None:
    if running():
        say(f"already running on 127.0.0.1:{REPLICA_PORT}")
        wait_streaming(timeout)
        return
    primary_prepare()
    primary = primary_settings()
    uid, gid = _owner()
    if not (DATA / "standby.signal").exists():
        shutil.rmtree(REPLICA_DIR, ignore_errors=True)
        for folder in (REPLICA_DIR, SOCKETS):
            folder.mkdir(parents=True, mode=0o700, exist_ok=True)
            os.chown(folder, uid, gid)
        gib = int(primary["cluster_bytes"]) / 2**30
        say(f"pg_basebackup of the whole primary ({gib:.2f} GiB) into {DATA}")
        started = time.perf_counter()
        _as_cluster_owner(
            [
                str(PG_BIN / "pg_basebackup"),
                f"--host={PRIMARY_HOST}",
                f"--port={PRIMARY_PORT}",
                f"--username={REPLICATOR}",
                f"--pgdata={DATA}",
                "--write-recovery-conf",  # -R: standby.signal and primary_conninfo
                "--wal-method=stream",
                "--checkpoint=fast",
                "--no-password",
            ],
            env={**os.environ, "PGPASSWORD": REPLICATOR_PASSWORD},
        )
        say(f"base backup done in {time.perf_counter() - started:.1f} s")
    _write_config(primary)
    for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
        os.chown(DATA / name, uid, gid)
    _as_cluster_owner([str(PG_BIN / "pg_ctl"), "-D", str(DATA), "-l", str(LOG), "-w", "-t", "60", "start"])
    wait_streaming(timeout)


def wait_streaming(timeout: float = 120) -> None:
    """Until the replica's WAL receiver streams and the primary sees it."""
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(replica_url(), connect_timeout=5) as conn:
                row = conn.execute("SELECT status FROM pg_stat_wal_receiver").fetchone()
            with psycopg.connect(PRIMARY_ADMIN_URL, connect_timeout=5) as conn:
                sent = conn.execute(
                    "SELECT state FROM pg_stat_replication WHERE application_name = %s", [CLUSTER_NAME]
                ).fetchone()
            state = (row and row[0], sent and sent[0])
            if state == ("streaming", "streaming"):
                say(f"streaming from 127.0.0.1:{PRIMARY_PORT} on 127.0.0.1:{REPLICA_PORT}")
                return
        except psycopg.OperationalError as exc:
            state = str(exc).strip()
        time.sleep(0.5)
    raise SystemExit(f"replica: not streaming after {timeout:.0f} s (last state: {state}); see {LOG}")


def caught_up(timeout: float = 30) -> float:
    """Seconds until the replica has replayed everything the primary has
    written so far (polled every 5 ms)."""
    with psycopg.connect(PRIMARY_ADMIN_URL, autocommit=True) as primary:
        (target,) = primary.execute("SELECT pg_current_wal_lsn()").fetchone()
    started = time.perf_counter()
    with psycopg.connect(replica_url(), autocommit=True) as replica:
        while time.perf_counter() - started < timeout:
            (behind,) = replica.execute(
                "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn()) > 0", [target]
            ).fetchone()
            if not behind:
                return time.perf_counter() - started
            time.sleep(0.005)
    raise SystemExit(f"replica: still behind {target} after {timeout} s")


def stop() -> None:
    if running():
        _as_cluster_owner([str(PG_BIN / "pg_ctl"), "-D", str(DATA), "-m", "fast", "-w", "stop"])
        say("stopped")


def remove() -> None:
    stop()
    if REPLICA_DIR.exists():
        shutil.rmtree(REPLICA_DIR)
        say(f"removed {REPLICA_DIR}")


def status() -> int:
    if not running():
        say("not running")
        return 1
    with psycopg.connect(replica_url(), connect_timeout=5) as conn:
        receiver = conn.execute(
            "SELECT status, sender_host, sender_port FROM pg_stat_wal_receiver"
        ).fetchone()
        (delay,) = conn.execute("SELECT now() - pg_last_xact_replay_timestamp()").fetchone()
    say(f"running on 127.0.0.1:{REPLICA_PORT}; WAL receiver {receiver}; last replayed commit {delay} ago")
    return 0


def main(argv: list[str]) -> int:
    commands = {
        "start": start,
        "stop": stop,
        "remove": remove,
        "status": status,
        "unprepare": lambda: (remove(), primary_unprepare()),
    }
    if len(argv) != 2 or argv[1] not in commands:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    result = commands[argv[1]]()
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
