"""Real Celery worker processes for the integration tests of tests/jobs.

A worker is another process: it reads the test database (committed data, so
the tests are ``transaction=True``), takes tasks from the Redis database the
test run uses, and writes mail with the file backend into a folder the test
reads. It runs on the real clock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from leadcourt.celery import app


def worker_database_url() -> str:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"


def broker_emptied() -> None:
    """Nothing left over from earlier tests in this run's Redis database: no
    queued message, and none taken by a worker that died without
    acknowledging it (kombu keeps those aside to hand them out again)."""
    app.control.purge()
    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).delete("unacked", "unacked_index", "unacked_mutex")


class Worker:
    """``celery worker --pool=solo`` on the test database; mail goes to files."""

    def __init__(self, folder: Path, name: str, **env: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.mail_dir = folder / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.log_path = folder / "worker.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and project
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "leadcourt",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                "-n",
                f"{name}-{os.getpid()}@%h",
            ],
            cwd=Path(settings.BASE_DIR),
            env={
                **os.environ,
                "DATABASE_URL": worker_database_url(),
                "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": str(self.mail_dir),
                "CONN_MAX_AGE": "0",
                **env,
            },
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def mails(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.mail_dir.glob("*")))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, condition: Callable[[], bool], *, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.25)
        pytest.fail(
            f"{self.name}: {what} did not happen in {seconds:.0f}s (exit code {self.process.poll()}); "
            f"its log:\n{self.log()[-4000:]}"
        )

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, nothing acknowledged or handed back."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()
