"""What makes a task survive its worker's death: acknowledged only when it
ends, handed back when the pool's child dies, and, when the whole worker
dies, handed to another worker after minutes rather than Redis' hour
(tests/jobs/test_worker_killed.py shows it with a real worker)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from leadcourt.celery import app
from leadcourt.jobs.retry import JOB_TASK_OPTIONS


def test_tasks_are_acknowledged_when_they_end_and_handed_back_if_the_child_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


@pytest.mark.redis
def test_a_task_of_a_dead_worker_goes_to_another_within_minutes():
    options = app.conf.broker_transport_options
    assert options["visibility_timeout"] == 300
    # Workers look for such tasks every 10 s (kombu's default: every 100 s).
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] == 10


@pytest.mark.redis
def test_the_longest_retry_countdown_is_shorter_than_the_visibility_timeout():
    # Redis would hand a retry still waiting for its countdown to a second worker.
    longest = JOB_TASK_OPTIONS["retry_backoff"] * 2 ** (JOB_TASK_OPTIONS["max_retries"] - 1)
    assert longest < app.conf.broker_transport_options["visibility_timeout"]


def _settings_with(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CELERY_BROKER_TRANSPORT_OPTIONS)",
        ],
        cwd=Path(settings.BASE_DIR),
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "leadcourt.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.redis
def test_the_timeout_is_read_from_the_environment_and_a_bad_value_is_refused():
    shorter = _settings_with(CELERY_BROKER_VISIBILITY_TIMEOUT="5")
    refused = _settings_with(CELERY_BROKER_VISIBILITY_TIMEOUT="0")

    assert shorter.returncode == 0, shorter.stderr
    assert "'visibility_timeout': 5, 'unacked_restore_interval': 1" in shorter.stdout
    assert refused.returncode != 0
    assert "CELERY_BROKER_VISIBILITY_TIMEOUT must be 1 second or more, not 0" in refused.stderr
