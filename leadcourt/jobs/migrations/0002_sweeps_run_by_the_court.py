"""The decision and follow-up sweeps open cases, so they moved to the court
(``adjudication.tasks``); their job names stay. Point the existing beat
entries at the new task names, keeping every other edit an administrator made
(interval, enabled, …). Entries an administrator renamed or deleted are left
alone, as 0001 leaves them."""

from django.db import migrations
from django.utils import timezone

RENAMED = {
    "leads.tasks.sweep_decisions": "adjudication.tasks.sweep_decisions",
    "leads.tasks.sweep_followups": "adjudication.tasks.sweep_followups",
}


def forwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    changed = 0
    for old, new in RENAMED.items():
        changed += PeriodicTask.objects.filter(task=old).update(task=new)
    if changed:
        # Tell a running beat (DatabaseScheduler) to reload its schedule.
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for old, new in RENAMED.items():
        PeriodicTask.objects.filter(task=new).update(task=old)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_beat_schedule")]

    operations = [migrations.RunPython(forwards, backwards)]
