"""A real gunicorn on a free port of 127.0.0.1, serving the test database, for
the tests that need several web processes at once (modules marked
``transaction=True``: the server sees committed rows only).

It runs with DEBUG off, as production does, logged in as the test's own
database role, with the test process's SECRET_KEY (so a session the test
creates is valid there).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

START_SECONDS = 60


def _test_database_url() -> str:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: dict | None  # None: not JSON


@dataclass(frozen=True)
class Server:
    base: str
    log_path: Path

    def post(self, path: str, body: dict | None = None, *, headers: dict[str, str]) -> Answer:
        """POST a JSON body; a new connection per call, as separate clients make."""
        request = urllib.request.Request(  # noqa: S310 - our own loopback URL
            self.base + path,
            data=json.dumps(body or {}).encode(),
            headers={"Content-Type": "application/json", **headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
                return _answer(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as refusal:
            return _answer(refusal.code, refusal.headers, refusal.read())

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def _answer(status: int, headers, raw: bytes) -> Answer:
    content_type = headers.get("Content-Type", "")
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    return Answer(status=status, content_type=content_type, body=body)


@contextmanager
def gunicorn_serving(tmp_path: Path, *, workers: int = 3, threads: int = 4):
    """Start gunicorn (``workers`` processes of ``threads`` threads), wait for
    /healthz, yield a ``Server``; stop the whole process group afterwards."""
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        # The owner's login names the unprefixed database; the server only
        # ever logs in as the app, on the test database.
        if key not in {"DATABASE_OWNER_URL", "DATABASE_REPLICA_URL"}
    }
    env.update(
        DATABASE_URL=_test_database_url(),
        DEBUG="false",
        SECRET_KEY=settings.SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        CONN_MAX_AGE="0",
        LOG_LEVEL="WARNING",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
    )
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and project
            [
                *(sys.executable, "-m", "gunicorn", "leadcourt.wsgi", "-b", f"127.0.0.1:{port}"),
                *("-w", str(workers), "-k", "gthread", "--threads", str(threads), "--graceful-timeout", "5"),
            ],
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(base=f"http://127.0.0.1:{port}", log_path=log_path)
    try:
        _wait_until_healthy(process, server)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_until_healthy(process: subprocess.Popen, server: Server) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(server.base + "/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer /healthz; its log:\n{server.log_tail()}")
