"""Leads, their state machine, and the reference data around them.

The lead's ``state`` is a protected django-fsm field: only the transition
methods below change it, and they change fields only (no queries, no email).
Services in ``services.py`` lock the row, check permissions and rulebook
guards, call a transition, save, and write the history row.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from leads import permissions
from leads.criteria import FULL_MASK, criteria_count_expression, mask_to_criteria
from leads.deadlines import deadline_after_days, deadline_after_hours


class LeadState(models.TextChoices):
    INQUIRY = "inquiry", "Inquiry"
    MQL = "mql", "MQL"
    SAL = "sal", "SAL"
    SQL = "sql", "SQL"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    REJECTED = "rejected", "Rejected"
    IN_REVIEW = "in_review", "In review"
    RETURNED = "returned", "Returned"
    DISQUALIFIED = "disqualified", "Disqualified"


# Leads a rep still has to act on; routing balances on these.
OPEN_STATES = (LeadState.MQL, LeadState.SAL, LeadState.SQL)


class Segment(models.Model):
    """A market segment. A segment with an owner routes its leads to that rep."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    owner_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_segments",
        help_text="Leads of this segment go to this rep; empty means round-robin.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    LIVE = "live", "Live"
    ENDED = "ended", "Ended"


class Campaign(models.Model):
    """A marketing campaign; it needs a forecast before it can go live (SPEC §7)."""

    name = models.CharField(max_length=200, unique=True)
    source = models.CharField(max_length=64, blank=True)
    marketer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
    )
    status = models.CharField(max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    forecast_leads = models.PositiveIntegerField(null=True, blank=True)
    forecast_mqls = models.PositiveIntegerField(null=True, blank=True)
    forecast_revenue = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="campaign_live_needs_forecast",
                condition=Q(status=CampaignStatus.DRAFT)
                | Q(
                    forecast_leads__isnull=False,
                    forecast_mqls__isnull=False,
                    forecast_revenue__isnull=False,
                    budget__isnull=False,
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReasonBlame(models.TextChoices):
    DATA = "data", "Lead data"
    FIT = "fit", "Fit"
    TIMING = "timing", "Timing"


class ReasonCode(models.Model):
    """A rejection or loss reason (SPEC §5); admin-editable, seeded by migration."""

    code = models.SlugField(max_length=50, primary_key=True)
    label = models.CharField(max_length=200)
    blames = models.CharField(max_length=8, choices=ReasonBlame.choices)
    requires_note = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.label


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
    created_at = models.DateTimeField(auto_now_add=True)
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


class Lead(ConcurrentTransitionMixin, models.Model):
    """A lead and where it stands between marketing and sales (SPEC §2).

    ``ConcurrentTransitionMixin`` is the second line of defence: services lock
    the row first, and a save from a stale copy still fails instead of
    silently overwriting someone else's transition.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(max_length=128, null=True, blank=True, unique=True)

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    company = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=100, blank=True)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    marketer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="marketed_leads",
    )
    assigned_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_leads",
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="probable_duplicates",
        help_text="An earlier lead with the same email (case-insensitive).",
    )

    criteria_mask = models.PositiveSmallIntegerField(default=0)
    criteria_count = models.GeneratedField(
        expression=criteria_count_expression(),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )

    state = FSMField(max_length=16, choices=LeadState.choices, default=LeadState.INQUIRY, protected=True)
    delivery_count = models.PositiveSmallIntegerField(
        default=0, help_text="Times delivered to sales (qualify, then each recycle)."
    )

    # Timestamps of every stage (the latest entry into each).
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Start of the current follow-up round: acceptance, or a verdict that
    # sent the lead back to sales. Only touches since then count.
    followup_started_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    in_review_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    sql_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    disqualified_at = models.DateTimeField(null=True, blank=True)

    # Deadlines in force for the current state.
    decision_due_at = models.DateTimeField(null=True, blank=True)
    followup_due_at = models.DateTimeField(null=True, blank=True)
    appeal_due_at = models.DateTimeField(null=True, blank=True)

    # The current rejection (cleared when the lead is delivered again).
    rejection_reason = models.ForeignKey(
        ReasonCode, null=True, blank=True, on_delete=models.PROTECT, related_name="rejected_leads"
    )
    rejection_note = models.TextField(blank=True)
    disqualify_reason = models.TextField(blank=True)
    return_cause = models.TextField(blank=True)
    won_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    lost_reason = models.ForeignKey(
        ReasonCode, null=True, blank=True, on_delete=models.PROTECT, related_name="lost_leads"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(name="lead_state_valid", condition=Q(state__in=LeadState.values)),
            models.CheckConstraint(
                name="lead_criteria_mask_range",
                condition=Q(criteria_mask__gte=0, criteria_mask__lte=FULL_MASK),
            ),
            # A delivered lead always has someone who must act on it, by a deadline.
            models.CheckConstraint(
                name="lead_mql_has_rep_and_deadline",
                condition=~Q(state=LeadState.MQL)
                | Q(assigned_rep__isnull=False, decision_due_at__isnull=False),
            ),
            models.CheckConstraint(
                name="lead_worked_states_have_rep",
                condition=~Q(state__in=[LeadState.SAL, LeadState.SQL, LeadState.WON, LeadState.LOST])
                | Q(assigned_rep__isnull=False),
            ),
            models.CheckConstraint(
                name="lead_sal_has_followup_deadline",
                condition=~Q(state=LeadState.SAL) | Q(followup_due_at__isnull=False),
            ),
            models.CheckConstraint(
                name="lead_rejected_has_reason_and_window",
                condition=~Q(state=LeadState.REJECTED)
                | Q(rejection_reason__isnull=False, appeal_due_at__isnull=False),
            ),
            models.CheckConstraint(
                name="lead_won_has_amount",
                condition=~Q(state=LeadState.WON) | Q(won_amount__gt=0),
            ),
            models.CheckConstraint(
                name="lead_lost_has_reason",
                condition=~Q(state=LeadState.LOST) | Q(lost_reason__isnull=False),
            ),
        ]
        indexes = [
            # Rep inbox and "my accepted leads": WHERE assigned_rep = ? AND state = ?
            models.Index(fields=["assigned_rep", "state"], name="lead_rep_state_idx"),
            # Marketer lists and filters by state, newest first.
            models.Index(fields=["state", "-created_at"], name="lead_state_created_idx"),
            # Decision sweep: MQLs whose decision deadline has passed.
            models.Index(
                fields=["decision_due_at"],
                name="lead_mql_decision_due_idx",
                condition=Q(state=LeadState.MQL),
            ),
            # Follow-up sweep: accepted leads past their follow-up deadline.
            models.Index(
                fields=["followup_due_at"],
                name="lead_sal_followup_due_idx",
                condition=Q(state=LeadState.SAL),
            ),
            # Appeal expiry: rejections whose appeal window closed.
            models.Index(
                fields=["appeal_due_at"],
                name="lead_rejected_appeal_due_idx",
                condition=Q(state=LeadState.REJECTED),
            ),
            # "Leads meeting at least N criteria" (qualification, grade A filters).
            models.Index(fields=["criteria_count"], name="lead_criteria_count_idx"),
            # Probable-duplicate lookup on intake: WHERE lower(email) = lower(?)
            models.Index(Lower("email"), name="lead_email_lower_idx"),
            # Metrics: deliveries by period.
            models.Index(fields=["delivered_at"], name="lead_delivered_at_idx"),
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.company or self.external_id or str(self.public_id)

    @property
    def display_name(self) -> str:
        return str(self)

    @property
    def criteria(self) -> list[str]:
        return mask_to_criteria(self.criteria_mask)

    # --- transitions: fields only --------------------------------------------

    def _deliver(self, *, rep, at, decision_due_at) -> None:
        """Hand the lead to sales: a new delivery with a fresh decision deadline."""
        self.assigned_rep = rep
        self.assigned_at = at
        self.delivered_at = at
        self.decision_due_at = decision_due_at
        self.delivery_count += 1
        self.followup_due_at = None
        self.appeal_due_at = None
        self.rejection_reason = None
        self.rejection_note = ""
        self.return_cause = ""

    def _open_rejection(self, *, reason, note, at, appeal_due_at) -> None:
        self.rejection_reason = reason
        self.rejection_note = note
        self.rejected_at = at
        self.appeal_due_at = appeal_due_at
        self.decision_due_at = None
        self.followup_due_at = None

    @transition(
        field=state,
        source=LeadState.INQUIRY,
        target=LeadState.MQL,
        permission=permissions.is_marketer,
    )
    def qualify(self, *, rep, at, decision_due_at) -> None:
        self._deliver(rep=rep, at=at, decision_due_at=decision_due_at)

    @transition(
        field=state,
        source=LeadState.INQUIRY,
        target=LeadState.DISQUALIFIED,
        permission=permissions.is_marketer,
    )
    def disqualify(self, *, reason: str, at) -> None:
        self.disqualify_reason = reason
        self.disqualified_at = at

    @transition(
        field=state,
        source=LeadState.MQL,
        target=LeadState.SAL,
        permission=permissions.is_assigned_rep,
    )
    def accept(self, *, at, followup_due_at) -> None:
        self.accepted_at = at
        self.followup_started_at = at
        self.decision_due_at = None
        self.followup_due_at = followup_due_at

    @transition(
        field=state,
        source=LeadState.MQL,
        target=LeadState.REJECTED,
        permission=permissions.is_assigned_rep,
    )
    def reject(self, *, reason, note: str, at, appeal_due_at) -> None:
        self._open_rejection(reason=reason, note=note, at=at, appeal_due_at=appeal_due_at)

    @transition(
        field=state,
        source=LeadState.REJECTED,
        target=LeadState.RETURNED,
        permission=permissions.is_owning_marketer,
    )
    def concede(self, *, at) -> None:
        self.returned_at = at
        self.appeal_due_at = None

    @transition(
        field=state,
        source=LeadState.REJECTED,
        target=LeadState.RETURNED,
        permission=permissions.is_system,
    )
    def expire_appeal(self, *, at) -> None:
        self.returned_at = at
        self.appeal_due_at = None

    @transition(
        field=state,
        source=LeadState.SAL,
        target=LeadState.REJECTED,
        permission=permissions.is_assigned_rep,
    )
    def return_after_followup(self, *, reason, note: str, at, appeal_due_at) -> None:
        self._open_rejection(reason=reason, note=note, at=at, appeal_due_at=appeal_due_at)

    @transition(
        field=state,
        source=LeadState.SAL,
        target=LeadState.SQL,
        permission=permissions.is_assigned_rep,
    )
    def qualify_opportunity(self, *, at) -> None:
        self.sql_at = at
        self.followup_due_at = None

    @transition(
        field=state,
        source=LeadState.SQL,
        target=LeadState.WON,
        permission=permissions.is_assigned_rep,
    )
    def close_won(self, *, amount: Decimal, at) -> None:
        self.won_amount = amount
        self.closed_at = at

    @transition(
        field=state,
        source=LeadState.SQL,
        target=LeadState.LOST,
        permission=permissions.is_assigned_rep,
    )
    def close_lost(self, *, reason, at) -> None:
        self.lost_reason = reason
        self.closed_at = at

    @transition(
        field=state,
        source=LeadState.RETURNED,
        target=LeadState.MQL,
        permission=permissions.is_marketer,
    )
    def recycle(self, *, rep, at, decision_due_at) -> None:
        self._deliver(rep=rep, at=at, decision_due_at=decision_due_at)

    # --- case-related transitions: the adjudication services open the case
    # (or apply the verdict) in the same transaction.

    def _enter_review(self, *, at) -> None:
        self.in_review_at = at
        self.decision_due_at = None
        self.followup_due_at = None

    @transition(
        field=state,
        source=LeadState.MQL,
        target=LeadState.IN_REVIEW,
        permission=permissions.is_system,
    )
    def flag_ignored(self, *, at) -> None:
        self._enter_review(at=at)

    @transition(
        field=state,
        source=LeadState.REJECTED,
        target=LeadState.IN_REVIEW,
        permission=permissions.is_owning_marketer,
    )
    def appeal(self, *, at) -> None:
        self._enter_review(at=at)

    # A monthly sample looks back at last month's rejections, most of which
    # have already gone back to marketing when their appeal window closed;
    # so an audit may also start from ``returned`` (see adjudication.sampling).
    @transition(
        field=state,
        source=[LeadState.REJECTED, LeadState.RETURNED],
        target=LeadState.IN_REVIEW,
        permission=permissions.is_system,
    )
    def audit_sample(self, *, at) -> None:
        self._enter_review(at=at)

    @transition(
        field=state,
        source=LeadState.SAL,
        target=LeadState.IN_REVIEW,
        permission=permissions.is_system,
    )
    def flag_unworked(self, *, at) -> None:
        self._enter_review(at=at)

    @transition(
        field=state,
        source=LeadState.IN_REVIEW,
        target=LeadState.RETURNED,
        permission=permissions.is_judge,
    )
    def verdict_return(self, *, at, cause: str) -> None:
        """Uphold (sales was right) or return (the ignored lead goes back to marketing)."""
        self.returned_at = at
        self.return_cause = cause
        self.appeal_due_at = None

    @transition(
        field=state,
        source=LeadState.IN_REVIEW,
        target=LeadState.SAL,
        permission=permissions.is_judge,
    )
    def verdict_follow_up(self, *, at, rep, followup_due_at) -> None:
        """Overturn or follow up: sales must work the lead, on a new deadline."""
        if rep is not None and rep.pk != self.assigned_rep_id:
            self.assigned_rep = rep
            self.assigned_at = at
        self.accepted_at = self.accepted_at or at
        self.followup_started_at = at
        self.followup_due_at = followup_due_at
        self.appeal_due_at = None
        self.rejection_reason = None
        self.rejection_note = ""


class LeadEvent(models.Model):
    """One row of the append-only history (SPEC §2): every transition, and
    every other recorded change (reassignment, touches are their own table).

    Rows are never updated or deleted: ``save`` refuses updates, and a
    database trigger (migration 0003) refuses them below the ORM too.
    """

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="events")
    transition = models.CharField(max_length=40)
    from_state = models.CharField(max_length=16, choices=LeadState.choices)
    to_state = models.CharField(max_length=16, choices=LeadState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField()
    reason = models.ForeignKey(ReasonCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    rulebook_version = models.ForeignKey(RulebookVersion, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            # Lead page timeline: WHERE lead_id = ? ORDER BY occurred_at
            models.Index(fields=["lead", "occurred_at"], name="leadevent_lead_time_idx"),
            # Metrics: transitions of a kind within a period.
            models.Index(fields=["transition", "occurred_at"], name="leadevent_kind_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.transition}: {self.from_state} → {self.to_state}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("History is append-only: a LeadEvent cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("History is append-only: a LeadEvent cannot be deleted.")


class TouchChannel(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    MEETING = "meeting", "Meeting"
    SOCIAL = "social", "Social"
    SMS = "sms", "SMS"
    OTHER = "other", "Other"


class TouchOutcome(models.TextChoices):
    CONNECTED = "connected", "Connected"
    LEFT_MESSAGE = "left_message", "Left a message"
    NO_ANSWER = "no_answer", "No answer"
    REPLIED = "replied", "Replied"
    MEETING_BOOKED = "meeting_booked", "Meeting booked"
    BOUNCED = "bounced", "Bounced / wrong contact"
    OTHER = "other", "Other"


class Touch(models.Model):
    """A follow-up attempt by the rep (SPEC §5): judges weigh how many and how varied."""

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="touches")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16, choices=TouchChannel.choices)
    outcome = models.CharField(max_length=16, choices=TouchOutcome.choices)
    note = models.TextField(blank=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name_plural = "touches"
        constraints = [
            models.CheckConstraint(name="touch_channel_valid", condition=Q(channel__in=TouchChannel.values)),
        ]
        indexes = [
            # Lead page and case snapshot: WHERE lead_id = ? ORDER BY occurred_at
            models.Index(fields=["lead", "occurred_at"], name="touch_lead_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} ({self.get_outcome_display()})"


# --- CSV import of leads (SPEC §9) ----------------------------------------------------


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
    total_rows = models.PositiveIntegerField(help_text="Data rows in the file (blank lines not counted).")
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    existing_count = models.PositiveIntegerField(
        default=0, help_text="Rows whose lead already existed (same external id): nothing created."
    )
    refused_count = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True, help_text="Why the run stopped, when it failed.")

    created_at = models.DateTimeField(auto_now_add=True)
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
        ]
        indexes = [
            # "Recent imports" on the upload page: ORDER BY created_at DESC.
            models.Index(fields=["-created_at"], name="leadimport_created_idx"),
        ]

    def __str__(self) -> str:
        return f"Import #{self.pk} ({self.file_name})"

    @property
    def is_finished(self) -> bool:
        return self.status in (LeadImportStatus.DONE, LeadImportStatus.FAILED)

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
