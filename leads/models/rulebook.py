"""The rulebook: versioned, immutable rules every transition and case is held to."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from leadcourt import clock
from leads.deadlines import deadline_after_days, deadline_after_hours


class ReviewMode(models.TextChoices):
    APPEALS_ONLY = "appeals_only", "Appeals only"
    ALL_REJECTIONS = "all_rejections", "All rejections"
    MONTHLY_SAMPLE = "monthly_sample", "Monthly sample"


class RulebookVersion(models.Model):
    """One version of the one-page rulebook (SPEC §5).

    Versions are immutable: a change is a new row with the next number, its
    author and time. The highest number is in force; every history row points
    at the version that was in force when it happened.
    """

    version = models.PositiveIntegerField(unique=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)
    change_note = models.CharField(max_length=300, blank=True)

    mql_min_criteria = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Criteria a lead must meet to be qualified as an MQL.",
    )
    grade_a_min_criteria = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Criteria met for grade A (else B).",
    )
    decision_hours = models.PositiveIntegerField(
        default=48,
        validators=[MinValueValidator(1)],
        help_text="Time for sales to accept or reject a delivered lead.",
    )
    followup_days = models.PositiveIntegerField(
        default=14,
        validators=[MinValueValidator(1)],
        help_text="Time to work an accepted lead.",
    )
    touches_grade_a = models.PositiveSmallIntegerField(
        default=6, help_text="Minimum follow-up touches for a grade A lead."
    )
    touches_grade_b = models.PositiveSmallIntegerField(
        default=3, help_text="Minimum follow-up touches for a grade B lead."
    )
    appeal_days = models.PositiveIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text="Marketing's window to appeal a rejection.",
    )
    review_days = models.PositiveIntegerField(
        default=5,
        validators=[MinValueValidator(1)],
        help_text="Judges' deadline for a verdict.",
    )
    review_mode = models.CharField(max_length=16, choices=ReviewMode.choices, default=ReviewMode.APPEALS_ONLY)
    sample_percent = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(100)],
        help_text="Share of last month's unappealed rejections sampled for review.",
    )
    independent_judges = models.BooleanField(
        default=False, help_text="Judges from sales or marketing cannot decide cases."
    )
    business_hours_only = models.BooleanField(
        default=True,
        help_text="Deadlines count working hours (Mon–Fri 09:00–17:00, organisation time).",
    )
    panel_size = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Judges whose votes decide a case (majority; dissent recorded).",
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                name="rulebook_criteria_thresholds_in_range",
                condition=Q(mql_min_criteria__gte=1, mql_min_criteria__lte=10)
                & Q(grade_a_min_criteria__gte=models.F("mql_min_criteria"))
                & Q(grade_a_min_criteria__lte=10),
            ),
            models.CheckConstraint(
                name="rulebook_sample_percent_range", condition=Q(sample_percent__lte=100)
            ),
            models.CheckConstraint(name="rulebook_panel_size_positive", condition=Q(panel_size__gte=1)),
            models.CheckConstraint(
                name="rulebook_durations_positive",
                condition=Q(
                    decision_hours__gte=1, followup_days__gte=1, appeal_days__gte=1, review_days__gte=1
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Rulebook v{self.version}"

    # The deadlines this version sets, counted in working time when
    # ``business_hours_only`` is on (see ``leads.deadlines``).

    def decision_due(self, start: datetime) -> datetime:
        return deadline_after_hours(start, self.decision_hours, business_hours_only=self.business_hours_only)

    def followup_due(self, start: datetime) -> datetime:
        return deadline_after_days(start, self.followup_days, business_hours_only=self.business_hours_only)

    def appeal_due(self, start: datetime) -> datetime:
        return deadline_after_days(start, self.appeal_days, business_hours_only=self.business_hours_only)

    def review_due(self, start: datetime) -> datetime:
        return deadline_after_days(start, self.review_days, business_hours_only=self.business_hours_only)

    @property
    def votes_to_decide(self) -> int:
        """Agreeing votes that decide a case: a majority of the panel."""
        return self.panel_size // 2 + 1

    def touches_required(self, grade: str) -> int:
        return self.touches_grade_a if grade == "A" else self.touches_grade_b

    def grade_for(self, criteria_count: int) -> str:
        return "A" if criteria_count >= self.grade_a_min_criteria else "B"
