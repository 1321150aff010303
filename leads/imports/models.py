"""CSV import runs of leads (SPEC §9) and the rows they refused."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from leadcourt import clock


class LeadImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class LeadImport(models.Model):
    """One run of the CSV import: who uploaded which file, how its columns map
    to lead fields, and how far it got.

    The counters move in the same transaction as each chunk of leads, so
    ``rows_done`` is exactly the number of data rows whose outcome (created,
    already there, or refused) is committed; a re-delivered task resumes
    after them. ``created + existing + refused == rows_done`` always.
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lead_imports")
    # The uploaded file, kept under MEDIA_ROOT so that a worker can stream it
    # and so that the run can be audited or resumed later.
    file = models.FileField(upload_to="imports/leads/%Y/%m/")
    file_name = models.CharField(max_length=255, help_text="The name the file was uploaded with.")
    file_sha256 = models.CharField(max_length=64)
    file_size = models.PositiveBigIntegerField()
    delimiter = models.CharField(max_length=1, default=",")
    preset = models.CharField(max_length=32)
    # Lead field -> CSV header, resolved from the preset and any explicit
    # mapping when the file was uploaded.
    mapping = models.JSONField(default=dict)

    status = models.CharField(max_length=8, choices=LeadImportStatus.choices, default=LeadImportStatus.QUEUED)
    # Empty until counted: the upload counts the rows of a small file; a
    # larger one is counted by the worker before it imports any row.
    total_rows = models.PositiveIntegerField(
        null=True, blank=True, help_text="Data rows in the file (blank lines not counted)."
    )
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    existing_count = models.PositiveIntegerField(
        default=0, help_text="Rows whose lead already existed (same external id): nothing created."
    )
    refused_count = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True, help_text="Why the run stopped, when it failed.")

    created_at = models.DateTimeField(default=clock.now, editable=False)
    # Handing the run to the job queue (leads.imports.sending): the last try,
    # which senders compare-and-set to claim it, and when the broker last
    # accepted it. Tried but never sent: the queue was down, the run waits.
    send_tried_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="leadimport_status_valid", condition=Q(status__in=LeadImportStatus.values)
            ),
            models.CheckConstraint(
                name="leadimport_counts_add_up",
                condition=Q(rows_done=F("created_count") + F("existing_count") + F("refused_count"))
                & Q(rows_done__lte=F("total_rows")),
            ),
            # Rows are imported only once the file's rows are counted.
            models.CheckConstraint(
                name="leadimport_counted_before_rows_done",
                condition=Q(total_rows__isnull=False) | Q(rows_done=0),
            ),
        ]
        indexes = [
            # "Recent imports" on the upload page: ORDER BY created_at DESC.
            models.Index(fields=["-created_at"], name="leadimport_created_idx"),
            # The send_waiting_imports job, every minute: WHERE status = 'queued'
            # AND send_tried_at <= cutoff; only the few waiting runs are indexed.
            models.Index(
                fields=["send_tried_at"],
                condition=Q(status=LeadImportStatus.QUEUED),
                name="leadimport_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Import #{self.pk} ({self.file_name})"

    @property
    def is_finished(self) -> bool:
        return self.status in (LeadImportStatus.DONE, LeadImportStatus.FAILED)

    @property
    def is_waiting_for_queue(self) -> bool:
        """Queued, and the job queue could not be reached to send it yet."""
        return (
            self.status == LeadImportStatus.QUEUED and self.send_tried_at is not None and self.sent_at is None
        )

    @property
    def percent_done(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return int(100 * self.rows_done / self.total_rows)


class LeadImportRowError(models.Model):
    """Why one row (or one field of it) of an import was refused."""

    lead_import = models.ForeignKey(LeadImport, on_delete=models.CASCADE, related_name="row_errors")
    # As a spreadsheet numbers it: the header is row 1, the first data row is 2.
    row_number = models.PositiveIntegerField()
    # A lead field name, or "row" when the row as a whole is wrong.
    field = models.CharField(max_length=40)
    message = models.TextField()
    value = models.CharField(max_length=200, blank=True, help_text="The offending value, shortened.")

    class Meta:
        ordering = ["row_number", "field"]
        constraints = [
            # A re-run chunk cannot record the same refusal twice.
            models.UniqueConstraint(
                fields=["lead_import", "row_number", "field"], name="leadimportrowerror_once"
            ),
        ]

    def __str__(self) -> str:
        return f"row {self.row_number}, {self.field}: {self.message}"
