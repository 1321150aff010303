"""Schedule ``send_waiting_imports`` every minute with django-celery-beat.

A CSV import uploaded while the job queue was unreachable is stored and
left queued, never sent; this job sends the imports still queued a minute
after their last try (``leads.imports.sending``). As 0001 does: created
once, by name, never overwriting an administrator's edit; ``expire_seconds``
drops a run still queued when the next is due (the next one does the same).
"""

from django.db import migrations

from leadcourt.jobs.beat_entries import every_minute_entry

NAME = "send_waiting_imports"
TASK = "leads.tasks.send_waiting_imports"
DESCRIPTION = "Send to the job queue the CSV imports still waiting a minute after their upload (it was down)."


register, unregister = every_minute_entry(name=NAME, task=TASK, description=DESCRIPTION)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0004_requeue_notifications_every_minute")]

    operations = [migrations.RunPython(register, unregister)]
