"""A real Celery worker process over Redis runs the decision sweep that beat
would send, and mails the judge about the new case, end to end.

The worker is another process: it reads the test database (committed data,
so ``transaction=True``), takes tasks from the Redis database the test run
uses, and writes mail with the file backend into a folder the test reads.
It runs on the real clock; the lead's deadline is in January 2025, long past.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from adjudication import tasks
from adjudication.models import Case, CaseKind
from leadcourt.celery import app
from leadcourt.notifications.models import Notification, NotificationKind, NotificationStatus
from leads.models import LeadState
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_restored"),
]

WAIT_SECONDS = 90


def _test_database_url() -> str:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """A worker on the test database and this run's broker; mail goes to files."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    app.control.purge()  # nothing left over from earlier tests in this Redis database
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "CONN_MAX_AGE": "0",
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and project
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
            f"jobs-test-{os.getpid()}@%h",
        ],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.mail_dir = mail_dir
    process.log_path = tmp_path / "worker.log"
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    log.close()


def _mails(mail_dir: Path) -> str:
    return "\n".join(path.read_text(errors="replace") for path in sorted(mail_dir.glob("*")))


def _wait_for(condition, process) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            break
        time.sleep(0.5)
    pytest.fail(
        f"the worker did not get there in {WAIT_SECONDS}s (exit code {process.poll()}); its log:\n"
        + process.log_path.read_text()[-4000:]
    )


def test_a_worker_runs_the_decision_sweep_and_mails_the_judge(clock, marketer, rep, judge, worker):
    lead = factories.mql(marketer, rep, first_name="Grace", last_name="Hopper")

    tasks.sweep_decisions.delay()

    def judge_was_mailed() -> bool:
        return f"To: {judge.email}" in _mails(worker.mail_dir)

    _wait_for(judge_was_mailed, worker)
    lead.refresh_from_db()
    assert lead.state == LeadState.IN_REVIEW
    case = Case.objects.get(lead=lead)
    assert case.kind == CaseKind.IGNORED
    mail = _mails(worker.mail_dir)
    assert f"Subject: New case #{case.pk} (ignored lead): Grace Hopper" in mail
    assert f"/cases/{case.pk}/" in mail
    told = Notification.objects.get(kind=NotificationKind.CASE_OPENED, recipient=judge)
    assert (told.status, told.case) == (NotificationStatus.SENT, case)
    # The rep's assignment mail, queued when the lead was qualified, went out too.
    assert f"To: {rep.email}" in mail
    assert "Traceback" not in worker.log_path.read_text()
