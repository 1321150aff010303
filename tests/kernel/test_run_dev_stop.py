# This test runs the repository's own scripts, never outside input (S603, S607).
# ruff: noqa: S603, S607
"""`make run` stops everything it started, however the stop signal arrives.

`make run` runs ``scripts/run-dev.sh``, which starts the web server, a Celery
worker and beat, each in a session of its own. Stopped with SIGTERM, make
passes the signal on to the script and may deliver it again while the
script is still stopping its children; a script killed at that moment left
web, worker and beat running. This starts the real script on a throwaway
SQLite database, signals it the way make does, and looks for any process it
left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# A Redis database of its own, so the test's worker never takes another
# run's tasks (make test uses 1, the smoke run 15, the bench 14).
BROKER_URL = os.environ.get("RUN_DEV_TEST_BROKER_URL", "redis://127.0.0.1:6379/12")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes_marked(marker: str) -> list[str]:
    """Command lines of live processes whose environment carries ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() not in (entry / "environ").read_bytes():
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if state != "Z":
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


def _wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


@pytest.fixture
def run_dev_env(tmp_path):
    marker = f"LEADCOURT_RUN_DEV_TEST={uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run-dev.sqlite3'}",
        "CELERY_BROKER_URL": BROKER_URL,
        "HOST": "127.0.0.1",
        "PORT": str(_free_port()),
        # run-dev.sh puts "$PWD/$VENV/bin" first on PATH: relative to the repository.
        "VENV": os.path.relpath(Path(sys.executable).parent.parent, ROOT),
        "DJANGO_SETTINGS_MODULE": "leadcourt.settings",
        marker.split("=")[0]: marker.split("=")[1],
    }
    # One file, one role: not the suite's PostgreSQL owner (make test sets it).
    env.pop("DATABASE_OWNER_URL", None)
    migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v0"]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True, timeout=300)
    yield env, marker
    for pid_dir in Path("/proc").iterdir():  # never leave anything behind, whatever happened
        if pid_dir.name.isdigit():
            try:
                if marker.encode() in (pid_dir / "environ").read_bytes():
                    os.kill(int(pid_dir.name), signal.SIGKILL)
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                pass


def _healthz_answers(port: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def test_sigterm_twice_while_stopping_leaves_no_process_running(run_dev_env):
    env, marker = run_dev_env
    script = subprocess.Popen(
        ["bash", "scripts/run-dev.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert _wait_until(lambda: _healthz_answers(env["PORT"]), 120), "the web server never answered"
        # Web (runserver and its reloader child), worker and beat are all up.
        assert _wait_until(lambda: len(_processes_marked(marker)) >= 4, 60)

        script.send_signal(signal.SIGTERM)
        script.send_signal(signal.SIGTERM)
        # make sends the signal on and may deliver it again while the script
        # is still waiting for its children to exit.
        time.sleep(0.5)
        script.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        script.send_signal(signal.SIGTERM)
        script.wait(timeout=60)

        left = _wait_until(lambda: not _processes_marked(marker), 30)
        assert left, f"still running after the stop: {_processes_marked(marker)}"
        # The script stopped everything and exited on its own (128 + SIGTERM),
        # rather than being killed half-way through stopping (-SIGTERM).
        assert script.returncode == 143
    finally:
        if script.poll() is None:
            script.kill()
