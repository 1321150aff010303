"""Register the SPEC §8 job schedule with django-celery-beat.

The schedule is data (admins can change an interval, disable a job, or run
it from the admin); this migration creates each periodic task once, by
name, and never overwrites one that exists: an administrator's edit
survives re-running migrations, and deleting an entry and migrating again
does not bring it back (``run_job`` still runs the job by hand).

``expire_seconds``: a sweep still queued when the next one is due is
dropped instead of piling up behind a stopped worker; every sweep covers
all the overdue rows anyway. The monthly crontab runs at 02:00 on the 1st
in the organisation's time zone (``settings.TIME_ZONE`` at migration time).

The schedule is frozen here rather than read from ``leadcourt.jobs.registry``
so that this migration does the same thing whenever it runs; a test checks
that both agree.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

INTERVAL_TASKS = (
    # name, task, every, period, description
    (
        "sweep_decisions",
        "leads.tasks.sweep_decisions",
        5,
        "minutes",
        "Flag MQLs past the decision deadline as ignored (one case each); remind reps before it.",
    ),
    (
        "sweep_followups",
        "leads.tasks.sweep_followups",
        1,
        "hours",
        "Flag accepted leads past the follow-up deadline without the required touches.",
    ),
    (
        "expire_appeals",
        "leads.tasks.expire_appeals",
        1,
        "hours",
        "Return rejections whose appeal window closed.",
    ),
    (
        "escalate_cases",
        "adjudication.tasks.escalate_cases",
        1,
        "hours",
        "Notify judges and managers about overdue cases.",
    ),
    (
        "metrics_snapshots",
        "metrics.tasks.metrics_snapshots",
        15,
        "minutes",
        "Recompute the dashboard snapshots.",
    ),
)
SECONDS = {"minutes": 60, "hours": 3600}
MONTHLY = (
    "monthly_sample",
    "adjudication.tasks.monthly_sample",
    "Review mode monthly_sample: open audit cases for last month's sample of unappealed rejections.",
)
ALL_NAMES = [name for name, *_ in INTERVAL_TASKS] + [MONTHLY[0]]


def register(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, every, period, description in INTERVAL_TASKS:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={
                "task": task,
                "interval": interval,
                "description": description,
                "expire_seconds": every * SECONDS[period],
            },
        )
    name, task, description = MONTHLY
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="2",
        day_of_month="1",
        month_of_year="*",
        day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=name,
        defaults={"task": task, "crontab": crontab, "description": description, "expire_seconds": 86400},
    )
    # Tell a running beat (DatabaseScheduler) that the schedule changed:
    # historical models send no signals, so do what its signal handler does.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unregister(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(name__in=ALL_NAMES).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(register, unregister)]
