"""``python manage.py run_job NAME``: run one scheduled job now, in this
process, and print what it did (SPEC §8).

``--now 2025-01-20T10:00`` runs it as if it were that moment (a naive time is
organisation time), under ``leadcourt.clock.clock_frozen_at``: the job and
every service it calls read the same moment. For replays and rehearsals, not
for routine use.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from leadcourt.clock import clock_frozen_at, organisation_tz
from leadcourt.jobs.registry import JOBS


def _parse_now(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--now: '{value}' is not an ISO 8601 time (e.g. 2025-01-20T10:00 or 2025-01-20T10:00+00:00).",
            returncode=2,
        ) from None
    return timezone.make_aware(moment, organisation_tz()) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = "Run one scheduled job synchronously and print what it did. Jobs: " + ", ".join(JOBS)

    def add_arguments(self, parser):
        parser.add_argument("name", help="One of: " + ", ".join(JOBS))
        parser.add_argument(
            "--now",
            help="Run as if it were this moment (ISO 8601; naive means organisation time).",
        )

    def handle(self, *args, name: str, now: str | None, **options):
        job = JOBS.get(name)
        if job is None:
            raise CommandError(f"Unknown job '{name}'. Jobs: {', '.join(JOBS)}.", returncode=2)
        try:
            function = job.load()
        except ImportError as exc:
            raise CommandError(f"Job '{name}' is not available: {exc}.") from exc
        with clock_frozen_at(_parse_now(now)) if now else nullcontext():
            report = function()
        self.stdout.write(f"{name}: {report}")
