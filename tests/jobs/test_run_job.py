"""``manage.py run_job NAME``: any job by hand, synchronously, saying what it
did (SPEC §8); and the registry that names the jobs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from adjudication.models import Case
from leadcourt.celery import app
from leadcourt.jobs.registry import JOBS
from leads.models import LeadState
from tests import factories

pytestmark = pytest.mark.django_db

SPEC_JOB_NAMES = [
    "sweep_decisions",
    "sweep_followups",
    "expire_appeals",
    "escalate_cases",
    "monthly_sample",
    # Not in the spec: re-queues notifications whose delivery task was lost.
    "requeue_notifications",
    "metrics_snapshots",
    # Not in the spec: sends the CSV imports the job queue refused.
    "send_waiting_imports",
]


def run_job(*args) -> str:
    out = io.StringIO()
    call_command("run_job", *args, stdout=out)
    return out.getvalue()


def test_registry_names_exactly_the_jobs_of_the_spec():
    assert list(JOBS) == SPEC_JOB_NAMES


@pytest.mark.parametrize("name", SPEC_JOB_NAMES)
def test_every_job_has_a_function_and_a_registered_celery_task(name):
    # No skip on ImportError: a job whose module is missing or broken is a
    # failure here, not a quiet pass, whatever the environment.
    job = JOBS[name]

    function = job.load()

    assert callable(function)
    app.loader.import_default_modules()
    assert job.task in app.tasks


def test_run_job_prints_what_the_sweep_did(clock, marketer, rep):
    leads = [factories.mql(marketer, rep) for _ in range(2)]
    clock.set(leads[0].decision_due_at)
    clock.advance(minutes=1)

    out = run_job("sweep_decisions")

    assert out.startswith("sweep_decisions: flagged 2 ignored leads, opened 2 cases")
    assert Case.objects.count() == 2


def test_run_job_now_runs_the_job_as_if_at_that_moment(clock, marketer, rep):
    lead = factories.mql(marketer, rep)  # due Monday 20 January 2025, 17:00 London

    early = run_job("sweep_decisions", "--now", "2025-01-20T16:00")
    late = run_job("sweep_decisions", "--now", "2025-01-20T17:00:30+00:00")

    assert "flagged 0 ignored leads" in early
    assert "flagged 1 ignored lead, opened 1 case" in late
    lead.refresh_from_db()
    assert lead.state == LeadState.IN_REVIEW
    assert lead.in_review_at.isoformat() == "2025-01-20T17:00:30+00:00"


def test_unknown_job_is_refused_with_the_list_of_jobs_and_exit_code_2(db):
    with pytest.raises(CommandError) as refused:
        run_job("sweep_everything")

    assert refused.value.returncode == 2
    assert "Unknown job 'sweep_everything'" in str(refused.value)
    for name in SPEC_JOB_NAMES:
        assert name in str(refused.value)


def test_a_malformed_now_is_refused_and_runs_nothing(clock, marketer, rep):
    factories.mql(marketer, rep)

    with pytest.raises(CommandError) as refused:
        run_job("sweep_decisions", "--now", "next tuesday")

    assert refused.value.returncode == 2
    assert Case.objects.count() == 0


def test_manage_py_exits_2_for_an_unknown_job(db):
    # The process an operator runs: the exit code scripts rely on.
    result = subprocess.run(
        [sys.executable, "manage.py", "run_job", "nope"],
        cwd=Path(settings.BASE_DIR),
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Unknown job 'nope'" in result.stderr
