"""Import a CSV of leads synchronously, through the same services as the
browser and the API: ``python manage.py import_leads FILE [--preset x-education]``.

The run is recorded like any other (it shows on the import pages); rows are
imported in the same chunks a worker would use, and progress is printed
after each chunk.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from leadcourt.accounts import roles
from leadcourt.errors import ApplicationError
from leads.imports.mapping import DEFAULT_PRESET, PRESETS
from leads.imports.selectors import lead_import_row_errors
from leads.imports.services import CHUNK_SIZE, COPY_CHUNK_SIZE, lead_import_run, lead_import_start
from leads.models import LeadImportStatus

ERRORS_PRINTED = 20


class Command(BaseCommand):
    help = "Import leads from a CSV file (idempotent: re-importing a file creates nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the CSV file (UTF-8, header row).")
        parser.add_argument(
            "--preset",
            default=DEFAULT_PRESET,
            choices=sorted(PRESETS),
            help="Which export the headers come from (default: auto).",
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="Import as this user (a marketer: they own the leads). Default: the system actor.",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=None,
            help=f"Rows per transaction (default: the import path's, {COPY_CHUNK_SIZE} on PostgreSQL, "
            f"{CHUNK_SIZE} elsewhere).",
        )

    def handle(self, *args, file: str, preset: str, username: str | None, chunk_size: int | None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if chunk_size is not None and chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"No user named '{username}'.")
        else:
            actor = roles.system_actor()

        started = time.perf_counter()
        try:
            with path.open("rb") as handle:
                lead_import = lead_import_start(
                    actor=actor, file=File(handle, name=path.name), preset=preset, enqueue=False
                )
        except ApplicationError as error:
            raise CommandError(error.message) from None
        # A file over the upload's preview is counted by the run, below.
        rows = "rows to be counted" if lead_import.total_rows is None else f"{lead_import.total_rows} rows"
        self.stdout.write(
            f"import #{lead_import.pk}: {rows}, columns "
            + ", ".join(f"{field}={header!r}" for field, header in lead_import.mapping.items())
        )

        def progress(run) -> None:
            self.stdout.write(
                f"  {run.rows_done}/{run.total_rows} rows ({run.percent_done}%): "
                f"created {run.created_count}, existing {run.existing_count}, refused {run.refused_count}"
            )

        run = lead_import_run(import_id=lead_import.pk, chunk_size=chunk_size, on_progress=progress)
        seconds = time.perf_counter() - started

        for error in lead_import_row_errors(lead_import=run)[:ERRORS_PRINTED]:
            self.stdout.write(f"  row {error.row_number}, {error.field}: {error.message}")
        if run.refused_count > ERRORS_PRINTED:
            self.stdout.write(f"  … see the import page for every refused row (import #{run.pk}).")
        summary = (
            f"{run.get_status_display().lower()}: created {run.created_count}, "
            f"existing {run.existing_count}, refused {run.refused_count} of {run.total_rows} rows "
            f"in {seconds:.2f} s "
            f"({run.rows_done / seconds if seconds else 0:.0f} rows/s)"
        )
        if run.status != LeadImportStatus.DONE:
            raise CommandError(f"{summary}: {run.failure}")
        self.stdout.write(self.style.SUCCESS(summary))
