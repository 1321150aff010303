"""The beat schedule (SPEC §8) lives in django-celery-beat's tables,
registered by the ``jobs`` migration and editable in the admin."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from leadcourt.celery import app
from leadcourt.jobs.registry import JOBS
from tests.clock import london

pytestmark = pytest.mark.django_db

beat_migration = importlib.import_module("leadcourt.jobs.migrations.0001_beat_schedule")
requeue_migration = importlib.import_module(
    "leadcourt.jobs.migrations.0004_requeue_notifications_every_minute"
)
imports_migration = importlib.import_module(
    "leadcourt.jobs.migrations.0005_send_waiting_imports_every_minute"
)
BEAT_MIGRATIONS = (beat_migration, requeue_migration, imports_migration)

EXPECTED_INTERVALS = {
    "sweep_decisions": (5, IntervalSchedule.MINUTES),
    "sweep_followups": (1, IntervalSchedule.HOURS),
    "expire_appeals": (1, IntervalSchedule.HOURS),
    "escalate_cases": (1, IntervalSchedule.HOURS),
    "metrics_snapshots": (15, IntervalSchedule.MINUTES),
    # Notifications whose delivery task was lost wait minutes, not an hour.
    "requeue_notifications": (1, IntervalSchedule.MINUTES),
    # An import uploaded while the job queue was down waits a minute or two.
    "send_waiting_imports": (1, IntervalSchedule.MINUTES),
}


def test_every_job_is_scheduled_with_its_task():
    scheduled = dict(PeriodicTask.objects.filter(name__in=JOBS).values_list("name", "task"))
    assert scheduled == {job.name: job.task for job in JOBS.values()}
    assert all(PeriodicTask.objects.filter(name__in=JOBS).values_list("enabled", flat=True))


def test_intervals_are_those_of_the_spec():
    for name, (every, period) in EXPECTED_INTERVALS.items():
        task = PeriodicTask.objects.select_related("interval").get(name=name)
        assert (task.interval.every, task.interval.period) == (every, period), name
        # A sweep still queued when the next is due is dropped, not piled up.
        assert task.expire_seconds == task.interval.schedule.run_every.total_seconds()


def test_monthly_sample_runs_at_two_on_the_first_of_the_month_organisation_time(settings):
    task = PeriodicTask.objects.select_related("crontab").get(name="monthly_sample")
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year) == ("0", "2", "1", "*")
    assert str(crontab.timezone) == settings.TIME_ZONE


def test_every_interval_has_its_expected_schedule():
    assert set(EXPECTED_INTERVALS) == {name for name in JOBS if name != "monthly_sample"}


@pytest.mark.parametrize("name", ["sweep_decisions", "requeue_notifications"])
def test_registering_again_keeps_an_administrators_edits(name):
    task = PeriodicTask.objects.get(name=name)
    task.interval, _ = IntervalSchedule.objects.get_or_create(every=10, period=IntervalSchedule.MINUTES)
    task.enabled = False
    task.save()

    for migration in BEAT_MIGRATIONS:
        migration.register(apps, None)

    task.refresh_from_db()
    assert (task.interval.every, task.enabled) == (10, False)
    assert PeriodicTask.objects.filter(name__in=JOBS).count() == len(JOBS)
    assert CrontabSchedule.objects.filter(day_of_month="1", hour="2", minute="0").count() == 1


def test_unregistering_and_registering_restores_the_schedule():
    for migration in reversed(BEAT_MIGRATIONS):
        migration.unregister(apps, None)
    assert not PeriodicTask.objects.filter(name__in=JOBS).exists()

    for migration in BEAT_MIGRATIONS:
        migration.register(apps, None)

    assert PeriodicTask.objects.filter(name__in=JOBS).count() == len(JOBS)
    assert PeriodicTask.objects.get(name="requeue_notifications").expire_seconds == 60


def test_the_database_scheduler_loads_every_job(clock):
    # The scheduler only loads crontab entries due within about two hours
    # (a django-celery-beat optimisation): look just before 02:00 on the 1st.
    clock.set(london(2025, 2, 1, 1, 30))
    scheduler = DatabaseScheduler(app=app, lazy=True)

    schedule = scheduler.all_as_schedule()

    assert {name: entry.task for name, entry in schedule.items() if name in JOBS} == {
        job.name: job.task for job in JOBS.values()
    }
