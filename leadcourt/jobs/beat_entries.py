"""A periodic job added to django-celery-beat's schedule by a migration.

Later jobs each get a migration that adds their entry; the entry is created
once, by name, never overwriting an administrator's edit, and a running beat
(DatabaseScheduler) is told the schedule changed. Uses only the migration's
historical models (``apps``), so it stays valid as the app moves on.
"""

from __future__ import annotations

from django.utils import timezone


def every_minute_entry(*, name: str, task: str, description: str, expire_seconds: int = 60):
    """``(register, unregister)`` for ``migrations.RunPython``: ``task`` every
    minute; a run still queued when the next is due expires."""

    def register(apps, schema_editor):
        interval_schedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        periodic_task = apps.get_model("django_celery_beat", "PeriodicTask")
        interval, _ = interval_schedule.objects.get_or_create(every=1, period="minutes")
        _, created = periodic_task.objects.get_or_create(
            name=name,
            defaults={
                "task": task,
                "interval": interval,
                "description": description,
                "expire_seconds": expire_seconds,
            },
        )
        if created:
            _schedule_changed(apps)

    def unregister(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name).delete()
        _schedule_changed(apps)

    return register, unregister


def _schedule_changed(apps) -> None:
    periodic_tasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    periodic_tasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
