"""Schedule ``requeue_notifications`` every minute with django-celery-beat.

Notifications whose delivery task was lost (the broker refused it at commit,
or a worker died holding it) used to wait for the hourly escalation job to be
queued again; this job does it every minute. As 0001 does: created once, by
name, never overwriting an administrator's edit; ``expire_seconds`` drops a
run still queued when the next is due (behind a backlog of deliveries it has
nothing to add).
"""

from django.db import migrations
from django.utils import timezone

NAME = "requeue_notifications"
TASK = "leadcourt.notifications.tasks.requeue_notifications"
DESCRIPTION = (
    "Queue delivery again for notifications still undelivered two minutes after they were recorded "
    "(a lost task, a dead worker)."
)


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
    dependencies = [("jobs", "0003_tables_analyze_function")]

    operations = [migrations.RunPython(register, unregister)]
