# ruff: noqa: S603
# Subprocesses are Debian's pgbouncer and runuser with arguments built here, never a shell.
"""PgBouncer in transaction pooling mode in front of the primary and the
replica, for the scale-out bench (Debian's ``pgbouncer`` package, installed
by bench/ensure-tools.sh; started here, never as a system service).

    .venv/bin/python bench/scaleout_pgbouncer.py start DATABASE [REPLICA_PORT]
    .venv/bin/python bench/scaleout_pgbouncer.py stats
    .venv/bin/python bench/scaleout_pgbouncer.py stop
    .venv/bin/python bench/scaleout_pgbouncer.py remove    # stop and delete its folder

It serves two pooled databases: DATABASE (the primary, 127.0.0.1:5432) and
DATABASE_replica (the same database on the replica). The app reaches them
with DATABASE_URL / DATABASE_REPLICA_URL pointing at PgBouncer and
DATABASE_POOLER=pgbouncer (leadcourt/settings.py says what that turns off).

``pool_mode = transaction``: a server connection belongs to a client only for
the length of one transaction, so a few server connections serve many
client connections (every gunicorn and Celery process keeps its own).
Sizes are the bench's: ``default_pool_size`` server connections per database
and user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

PGBOUNCER = os.environ.get("SCALE_PGBOUNCER", "/usr/sbin/pgbouncer")
DIRECTORY = Path(os.environ.get("SCALE_PGBOUNCER_DIR", "/var/tmp/leadcourt-bench-pgbouncer"))  # noqa: S108
PORT = int(os.environ.get("SCALE_PGBOUNCER_PORT", "6437"))
USER, PASSWORD = "leadcourt", "leadcourt"  # the local test role of scripts/ensure-services.sh
POOL_SIZE = int(os.environ.get("SCALE_PGBOUNCER_POOL_SIZE", "4"))
INI = DIRECTORY / "pgbouncer.ini"
PIDFILE = DIRECTORY / "pgbouncer.pid"
LOG = DIRECTORY / "pgbouncer.log"


def say(message: str) -> None:
    print(f"pgbouncer: {message}", flush=True)


def url(dbname: str) -> str:
    return f"postgres://{USER}:{PASSWORD}@127.0.0.1:{PORT}/{dbname}"


def replica_database(database: str) -> str:
    return f"{database}_replica"


def _pid() -> int | None:
    try:
        pid = int(PIDFILE.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def start(database: str, replica_port: int = 5433) -> None:
    if _pid() is not None:
        stop()
    DIRECTORY.mkdir(parents=True, exist_ok=True, mode=0o700)
    INI.write_text(
        f"""[databases]
{database} = host=127.0.0.1 port=5432 dbname={database}
{replica_database(database)} = host=127.0.0.1 port={replica_port} dbname={database}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {PORT}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {DIRECTORY / "userlist.txt"}
pool_mode = transaction
default_pool_size = {POOL_SIZE}
max_client_conn = 200
stats_users = {USER}
logfile = {LOG}
pidfile = {PIDFILE}
"""
    )
    (DIRECTORY / "userlist.txt").write_text(f'"{USER}" "{PASSWORD}"\n')
    command = [PGBOUNCER, "-d", str(INI)]
    if os.geteuid() == 0:
        # PgBouncer refuses to run as root.
        entry = pwd.getpwnam("postgres")
        for path in (DIRECTORY, *DIRECTORY.iterdir()):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, cwd="/")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(url(database), connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            say(f"transaction pooling on 127.0.0.1:{PORT} ({database}, {replica_database(database)})")
            return
        except psycopg.OperationalError:
            time.sleep(0.2)
    raise SystemExit(f"pgbouncer: not answering on 127.0.0.1:{PORT}; see {LOG}")


def admin(command: str) -> list[dict]:
    """A command of PgBouncer's admin console (SHOW POOLS, SHOW STATS …). The
    console speaks only the simple query protocol: libpq's PQexec directly."""
    with psycopg.connect(url("pgbouncer"), autocommit=True) as conn:
        result = conn.pgconn.exec_(command.encode())
        names = [result.fname(i).decode() for i in range(result.nfields)]
        return [
            {
                name: (value.decode() if (value := result.get_value(row, i)) is not None else None)
                for i, name in enumerate(names)
            }
            for row in range(result.ntuples)
        ]


def multiplexing_check(database: str, *, clients: int = 40, transactions: int = 25) -> dict:
    """What transaction pooling does, measured: ``clients`` connections each
    run ``transactions`` one-statement transactions at once, first as the app
    runs them (no prepared statements), then with psycopg preparing every
    statement (``prepare_threshold=0``, what a server-side-binding setup
    would do after five executions). Returns the server backends that served
    them and the errors of each way."""
    import threading

    def run(prepare_threshold: int | None) -> tuple[set[int], list[str]]:
        pids: set[int] = set()
        errors: list[str] = []
        barrier = threading.Barrier(clients)

        def client() -> None:
            try:
                with psycopg.connect(
                    url(database), autocommit=True, prepare_threshold=prepare_threshold
                ) as conn:
                    barrier.wait()
                    for _ in range(transactions):
                        try:
                            (pid,) = conn.execute("SELECT pg_backend_pid() + %s", [0]).fetchone()
                            pids.add(pid)
                        except psycopg.Error as exc:
                            errors.append(type(exc).__name__ + ": " + str(exc).splitlines()[0])
            except psycopg.Error as exc:
                errors.append(type(exc).__name__ + ": " + str(exc).splitlines()[0])

        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return pids, errors

    as_the_app, prepared = run(None), run(0)
    return {
        "clients": clients,
        "transactions": clients * transactions,
        "pool_size": POOL_SIZE,
        "servers": len(as_the_app[0]),
        "errors": len(as_the_app[1]),
        "prepared_servers": len(prepared[0]),
        "prepared_errors": len(prepared[1]),
        "prepared_example": prepared[1][0] if prepared[1] else "",
    }


def stop() -> None:
    pid = _pid()
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _pid() is not None:
        time.sleep(0.1)
    say("stopped")


def remove() -> None:
    """Stop it and delete its folder (configuration, log)."""
    stop()
    shutil.rmtree(DIRECTORY, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[1] == "start":
        start(argv[2], int(argv[3]) if len(argv) > 3 else 5433)
    elif argv[1:] == ["stats"]:
        for command in ("SHOW POOLS", "SHOW STATS"):
            for row in admin(command):
                print(command, row)
    elif argv[1:] == ["stop"]:
        stop()
    elif argv[1:] == ["remove"]:
        remove()
    else:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
