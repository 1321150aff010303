"""Every read that a page, the API or a job makes of leads."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from leadcourt.accounts import roles
from leads.models import Lead, LeadEvent, LeadState, ReasonCode, RulebookVersion, Touch


def rulebook_current() -> RulebookVersion:
    """The rulebook version in force (the highest number; a migration seeds v1)."""
    return RulebookVersion.objects.order_by("-version").first()


def reason_codes_active() -> QuerySet[ReasonCode]:
    return ReasonCode.objects.filter(is_active=True)


def lead_allowed_transitions(*, lead: Lead, user) -> list[str]:
    """Transition names the user may run on the lead in its current state.

    Rulebook guards (criteria, touches, windows) are checked when the action
    runs, with a message that says what is missing.
    """
    return sorted(t.name for t in lead.get_available_user_state_transitions(user))


def leads_visible_to(user) -> QuerySet[Lead]:
    """The leads a user may see (SPEC §1), ready for list pages (no query per row):
    reps their assigned leads; marketers, managers and administrators all;
    judges the leads that have come before them in a case."""
    qs = Lead.objects.select_related("assigned_rep", "marketer", "campaign", "segment")
    if roles.is_superuser(user) or roles.is_marketer(user) or roles.is_manager(user):
        return qs
    filters = Q(pk__in=[])
    if roles.is_sales_rep(user):
        filters |= Q(assigned_rep=user)
    if roles.is_judge(user):
        filters |= Q(cases__isnull=False)
    return qs.filter(filters).distinct()


def lead_get_visible(*, user, lead_id: int) -> Lead | None:
    return leads_visible_to(user).filter(pk=lead_id).first()


def rep_inbox(*, rep) -> QuerySet[Lead]:
    """Leads awaiting the rep's decision, nearest deadline first."""
    return (
        Lead.objects.filter(assigned_rep=rep, state=LeadState.MQL)
        .select_related("campaign", "segment", "duplicate_of")
        .order_by("decision_due_at", "pk")
    )


def rep_worked_leads(*, rep) -> QuerySet[Lead]:
    """The rep's accepted and opportunity leads, with touch counts in one query."""
    return (
        Lead.objects.filter(assigned_rep=rep, state__in=[LeadState.SAL, LeadState.SQL])
        .select_related("campaign", "segment")
        .annotate(touch_count=Count("touches"))
        .order_by("followup_due_at", "pk")
    )


def lead_history(*, lead: Lead) -> QuerySet[LeadEvent]:
    return lead.events.select_related("actor", "reason", "rulebook_version").order_by("occurred_at", "id")


def lead_touches(*, lead: Lead) -> QuerySet[Touch]:
    return lead.touches.select_related("actor").order_by("occurred_at", "id")


def lead_followup_touch_count(*, lead: Lead) -> int:
    """Touches that count towards follow-up: those of the current follow-up
    round (since acceptance, or since a verdict sent the lead back to sales)."""
    qs = lead.touches.all()
    if lead.followup_started_at is not None:
        qs = qs.filter(occurred_at__gte=lead.followup_started_at)
    return qs.count()
