"""Schedule ``send_waiting_imports`` every minute with django-celery-beat.

A CSV import uploaded while the job queue was unreachable is stored and
left queued, never sent; this job sends the imports still queued a minute
after their last try (``leads.imports.sending``). As 0001 does: created
once, by name, never overwriting an administrator's edit; ``expire_seconds``
drops a run still queued when the next is due (the next one does the same).
"""

from django.db import migrations
from django.utils import timezone

NAME = "send_waiting_imports"
TASK = "leads.tasks.send_waiting_imports"
DESCRIPTION = "Send to the job queue the CSV imports still waiting a minute after their upload (it was down)."


def register(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    _, created = PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={"task": TASK, "interval": interval, "description": DESCRIPTION, "expire_seconds": 60},
    )
    if created:
        # Tell a running beat (DatabaseScheduler) that the schedule changed.
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unregister(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(name=NAME).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [("jobs", "0004_requeue_notifications_every_minute")]

    operations = [migrations.RunPython(register, unregister)]
