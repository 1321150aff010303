"""The lead and its state machine.

The lead's ``state`` is a protected django-fsm field: only the transition
methods below change it, and they change fields only (no queries, no email).
Services in ``leads/services/`` lock the row, check permissions and rulebook
guards, call a transition, save, and write the history row.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from leadcourt import clock
from leads import permissions
from leads.criteria import criteria_count_expression, mask_to_criteria
from leads.models.lead_queryset import LeadQuerySet
from leads.models.lead_schema import LEAD_CONSTRAINTS, LEAD_INDEXES
from leads.models.states import LeadState


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
    # The foreign keys below that say db_index=False are indexed by a composite
    # index of lead_schema.LEAD_INDEXES with the same leading column, or need
    # no index (see the migration 0008_list_indexes for each one's reason).
    campaign = models.ForeignKey(
        "leads.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        db_index=False,
    )
    segment = models.ForeignKey(
        "leads.Segment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        db_index=False,
    )
    marketer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="marketed_leads",
        db_index=False,
    )
    assigned_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_leads",
        db_index=False,
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="probable_duplicates",
        help_text="An earlier lead with the same email (case-insensitive).",
        db_index=False,
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
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = clock.UpdatedAtField()
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
        "leads.ReasonCode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rejected_leads",
        db_index=False,
    )
    rejection_note = models.TextField(blank=True)
    disqualify_reason = models.TextField(blank=True)
    return_cause = models.TextField(blank=True)
    won_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    lost_reason = models.ForeignKey(
        "leads.ReasonCode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lost_leads",
        db_index=False,
    )

    # update(state=…) is refused: states change through the services, with history.
    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = LEAD_CONSTRAINTS
        indexes = LEAD_INDEXES

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
