"""What the database holds a lead to (check constraints), and the indexes
its queries need, each with the query it serves.

Kept apart from the model so that the lead's fields and transitions fit on a
screen; ``Lead.Meta`` takes both lists from here. A change here needs a
migration like any change to ``Meta``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from leads.criteria import FULL_MASK
from leads.models.states import LeadState

LEAD_CONSTRAINTS = [
    models.CheckConstraint(name="lead_state_valid", condition=Q(state__in=LeadState.values)),
    models.CheckConstraint(
        name="lead_criteria_mask_range",
        condition=Q(criteria_mask__gte=0, criteria_mask__lte=FULL_MASK),
    ),
    # A delivered lead always has someone who must act on it, by a deadline.
    models.CheckConstraint(
        name="lead_mql_has_rep_and_deadline",
        condition=~Q(state=LeadState.MQL) | Q(assigned_rep__isnull=False, decision_due_at__isnull=False),
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

LEAD_INDEXES = [
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
