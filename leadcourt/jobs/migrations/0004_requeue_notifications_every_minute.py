"""Schedule ``requeue_notifications`` every minute with django-celery-beat.

Notifications whose delivery task was lost (the broker refused it at commit,
or a worker died holding it) used to wait for the hourly escalation job to be
queued again; this job does it every minute. As 0001 does: created once, by
name, never overwriting an administrator's edit; ``expire_seconds`` drops a
run still queued when the next is due (behind a backlog of deliveries it has
nothing to add).
"""

from django.db import migrations

from leadcourt.jobs.beat_entries import every_minute_entry

NAME = "requeue_notifications"
TASK = "leadcourt.notifications.tasks.requeue_notifications"
DESCRIPTION = (
    "Queue delivery again for notifications still undelivered two minutes after they were recorded "
    "(a lost task, a dead worker)."
)


register, unregister = every_minute_entry(name=NAME, task=TASK, description=DESCRIPTION)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0003_tables_analyze_function")]

    operations = [migrations.RunPython(register, unregister)]
