"""What the database holds a lead to (check constraints), and the indexes
its queries need, each with the query it serves.

Kept apart from the model so that the lead's fields and transitions fit on a
screen; ``Lead.Meta`` takes both lists from here. A change here needs a
migration like any change to ``Meta``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Func, Q
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
    # --- the lists (leads.selectors, leads.pagination), each page read from an index ---
    # Managers' All leads and GET /api/v1/leads/, unfiltered: ORDER BY created_at
    # DESC, id DESC LIMIT n, and the keyset pages after (created_at, id).
    models.Index(fields=["-created_at", "-id"], name="lead_created_idx"),
    # A rep's GET /api/v1/leads/ and the "rep" filter of All leads: WHERE
    # assigned_rep = ? ORDER BY created_at DESC, id DESC. Also the foreign key's
    # index (PROTECT on deleting a user, routing's per-rep counts).
    models.Index(fields=["assigned_rep", "-created_at", "-id"], name="lead_rep_created_idx"),
    # Rep inbox (selectors.rep_inbox): WHERE assigned_rep = ? AND state = 'mql'
    # ORDER BY decision_due_at, id; and its capped count. Only MQLs are in it.
    models.Index(
        fields=["assigned_rep", "decision_due_at", "id"],
        name="lead_inbox_idx",
        condition=Q(state=LeadState.MQL),
    ),
    # "My accepted leads" (selectors.rep_worked_leads): WHERE assigned_rep = ?
    # AND state IN ('sal', 'sql') ORDER BY followup_due_at NULLS LAST, id (a
    # btree's ascending order puts NULLs last, as the page wants).
    models.Index(
        fields=["assigned_rep", "followup_due_at", "id"],
        name="lead_worked_idx",
        condition=Q(state__in=[LeadState.SAL, LeadState.SQL]),
    ),
    # Marketer's My leads, all states (selectors.marketer_leads): WHERE
    # marketer = ? ORDER BY created_at DESC, id DESC. Also the foreign key's index.
    models.Index(fields=["marketer", "-created_at", "-id"], name="lead_marketer_created_idx"),
    # My leads, one state tab: WHERE marketer = ? AND state = ? ORDER BY
    # created_at DESC; and the tabs' capped counts per state, an index-only
    # range per state also with the grade, "criteria met" and campaign
    # filters (their columns are included).
    models.Index(
        fields=["marketer", "state", "-created_at"],
        include=["criteria_count", "campaign"],
        name="lead_marketer_state_idx",
    ),
    # All leads / GET /api/v1/leads/ filtered by state, and the "all marketing
    # leads" tabs: WHERE state = ? ORDER BY created_at DESC.
    models.Index(fields=["state", "-created_at"], name="lead_state_created_idx"),
    # The campaign filter of every list: WHERE campaign = ? ORDER BY created_at
    # DESC, id DESC (a campaign's leads are a few weeks' worth: read in created
    # order without it, an old campaign's page would walk every newer lead).
    # Also the foreign key's index.
    models.Index(fields=["campaign", "-created_at", "-id"], name="lead_campaign_created_idx"),
    # The marketer's rejected leads (adjudication.selectors.marketer_rejected_leads):
    # WHERE state = 'rejected' AND marketer = ? ORDER BY appeal_due_at, id.
    models.Index(
        fields=["marketer", "appeal_due_at", "id"],
        name="lead_rejected_marketer_idx",
        condition=Q(state=LeadState.REJECTED),
    ),
    # The search (selectors.lead_text_matches) has a GIN trigram index on
    # lead_search_document(), PostgreSQL only: created by migration
    # 0009_lead_search_trigram, not declared here (SQLite has no GIN).
    # --- jobs and writes ---
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
    # Probable-duplicate lookup on intake: WHERE lower(email) = lower(?)
    models.Index(Lower("email"), name="lead_email_lower_idx"),
    # A lead's probable duplicates, and SET NULL when a lead is deleted: WHERE
    # duplicate_of = ?. Partial: most leads are no duplicate (the plain foreign
    # key index held a NULL for each of them).
    models.Index(
        fields=["duplicate_of"],
        name="lead_duplicate_of_idx",
        condition=Q(duplicate_of__isnull=False),
    ),
    # Metrics: deliveries by period.
    models.Index(fields=["delivered_at"], name="lead_delivered_at_idx"),
]


# --- search ---------------------------------------------------------------------------

# What a lead search looks in (``selectors.lead_text_matches``).
LEAD_SEARCH_FIELDS = ("first_name", "last_name", "company", "email", "external_id")
# Between the fields in the search document. A term without it can only
# match inside one field; a term with it is searched field by field.
LEAD_SEARCH_SEPARATOR = "|"


def lead_search_document() -> models.Expression:
    """The searched fields in one text, ``first_name|last_name|company|email|
    external_id``: one GIN trigram index on ``UPPER(<this>)`` (PostgreSQL,
    migration 0009) serves a case-insensitive substring search of all five.

    For a term without the separator, "the document contains it" is exactly
    "one of the fields contains it": no occurrence can span a separator. Plain
    SQL with no parameters (``a || '|' || b``), so that the query's expression
    is the index's whatever the driver does with parameters.
    """
    fields = [F(name) for name in LEAD_SEARCH_FIELDS]
    # external_id is the one nullable field: NULL would blank the whole text.
    fields[-1] = Func(fields[-1], template="COALESCE(%(expressions)s, '')")
    return Func(
        *fields,
        template="(%(expressions)s)",
        arg_joiner=f" || '{LEAD_SEARCH_SEPARATOR}' || ",
        output_field=models.TextField(),
    )
