"""Every read that a page, the API or a job makes of leads."""

from __future__ import annotations

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.lookups import IContains

from leadcourt.accounts import roles
from leads import pagination
from leads.models import (
    Campaign,
    CampaignStatus,
    Lead,
    LeadEvent,
    LeadState,
    ReasonCode,
    RulebookVersion,
    Touch,
)
from leads.models.lead_schema import LEAD_SEARCH_SEPARATOR, lead_search_document
from leads.pagination import counts_by_capped, counts_capped, sum_capped


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


def sees_every_lead(user) -> bool:
    """Marketers, managers and administrators see every lead (SPEC §1), and
    what is about all leads: campaigns, import runs."""
    return roles.is_superuser(user) or roles.is_marketer(user) or roles.is_manager(user)


def leads_visible_to(user) -> QuerySet[Lead]:
    """The leads a user may see (SPEC §1), ready for list pages (no query per row):
    reps their assigned leads; marketers, managers and administrators all;
    judges the leads that have come before them in a case.

    No ``DISTINCT``: the judges' condition is an ``EXISTS`` rather than a join
    to the cases, so each lead comes once and a list's index can serve its
    order (a ``DISTINCT`` over every visible row cannot stop at a page).
    """
    qs = Lead.objects.select_related("assigned_rep", "marketer", "campaign", "segment")
    if sees_every_lead(user):
        return qs
    filters = Q(pk__in=[])
    if roles.is_sales_rep(user):
        filters |= Q(assigned_rep=user)
    if roles.is_judge(user):
        # The case model lives in adjudication, above leads: reached through the relation.
        case_model = Lead._meta.get_field("cases").related_model
        filters |= Exists(case_model.objects.filter(lead=OuterRef("pk")))
    return qs.filter(filters)


def lead_get_visible(*, user, lead_id: int) -> Lead | None:
    return leads_visible_to(user).filter(pk=lead_id).first()


def rep_inbox(*, rep) -> QuerySet[Lead]:
    """Leads awaiting the rep's decision, nearest deadline first (index
    ``lead_inbox_idx``). Touch counts: ``with_touch_count`` on the page's rows."""
    return (
        Lead.objects.filter(assigned_rep=rep, state=LeadState.MQL)
        .select_related("campaign", "segment", "duplicate_of")
        .order_by("decision_due_at", "pk")
    )


def rep_worked_leads(*, rep) -> QuerySet[Lead]:
    """The rep's accepted and opportunity leads: running follow-up deadlines
    first, then opportunities (no deadline), on PostgreSQL and SQLite alike
    (they sort NULLs differently); index ``lead_worked_idx``."""
    return (
        Lead.objects.filter(assigned_rep=rep, state__in=[LeadState.SAL, LeadState.SQL])
        .select_related("campaign", "segment")
        .order_by(F("followup_due_at").asc(nulls_last=True), "pk")
    )


def with_touch_count(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """``touch_count`` on each lead. Meant for a page's rows (see
    ``leads.pagination.offset_page``): counted for the chosen rows only."""
    return leads.annotate(touch_count=Count("touches"))


def with_followup_touch_counts(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """``touch_count`` and ``followup_touch_count``, the touches of the
    current follow-up round (what the rulebook counts, see
    ``lead_followup_touch_count``), in one query, for a page's rows."""
    return leads.annotate(
        touch_count=Count("touches"),
        followup_touch_count=Count(
            "touches",
            filter=Q(followup_started_at__isnull=True)
            | Q(touches__occurred_at__gte=F("followup_started_at")),
        ),
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


def leads_filter(
    leads: QuerySet[Lead],
    *,
    state: str | None = None,
    assigned_rep_id: int | None = None,
    campaign_id: int | None = None,
    source: str | None = None,
    search: str | None = None,
) -> QuerySet[Lead]:
    """The lead-list filters (SPEC §9), one place for the API's ``LeadFilter``
    and the managers' page; an empty value means no filter."""
    if state:
        leads = leads.filter(state=state)
    if assigned_rep_id is not None:
        leads = leads.filter(assigned_rep_id=assigned_rep_id)
    if campaign_id is not None:
        leads = leads.filter(campaign_id=campaign_id)
    if source:
        leads = leads.filter(source__iexact=source)
    if search:
        leads = leads.filter(lead_text_matches(search))
    return leads


def leads_list(*, user, **filters) -> QuerySet[Lead]:
    """What ``user`` may see, filtered (``leads_filter``), newest first: read
    from ``lead_created_idx`` (or the filter's own ``…_created_idx``) a
    keyset page at a time, one query per page whatever its size
    (``leads_visible_to`` joins the related rows it shows)."""
    qs = leads_filter(leads_visible_to(user), **filters)
    return qs.order_by("-created_at", "-pk")


# --- marketing: my leads, campaigns (H7) ------------------------------------------


def marketer_leads(
    *,
    user,
    mine: bool = True,
    campaign_id: int | None = None,
    source: str = "",
    grade: str = "",
    min_criteria: int | None = None,
    search: str = "",
    rulebook: RulebookVersion | None = None,
) -> QuerySet[Lead]:
    """The marketer's lead list before the state filter, newest first, so the
    same queryset gives the state tabs (``lead_state_counts_capped``) and the rows.

    ``mine`` keeps the leads the user owns; marketers may see every lead
    (``leads_visible_to``), so "all" is a toggle, not a privilege.
    Search matches every word against name, company, email or external id.
    """
    qs = leads_visible_to(user)
    if mine:
        qs = qs.filter(marketer=user)
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    if source:
        qs = qs.filter(source__iexact=source)
    if grade in ("A", "B"):
        threshold = (rulebook or rulebook_current()).grade_a_min_criteria
        if grade == "A":
            qs = qs.filter(criteria_count__gte=threshold)
        else:
            qs = qs.filter(criteria_count__lt=threshold)
    if min_criteria:
        qs = qs.filter(criteria_count__gte=min_criteria)
    # A handful of words is plenty for a name search; more only costs time.
    for word in search.split()[:5]:
        qs = qs.filter(lead_text_matches(word))
    return qs.order_by("-created_at", "-pk")


def lead_text_matches(text: str) -> Q:
    """Leads whose first or last name, company, email or external id
    contains ``text``, case-insensitively.

    Asked of the five fields joined into one text (``lead_search_document``),
    which the trigram index of migration 0009 answers on PostgreSQL without
    reading every lead: for a term without the separator that is the same
    question. A term with it is asked of each field.
    """
    if LEAD_SEARCH_SEPARATOR not in text:
        return Q(IContains(lead_search_document(), text))
    return (
        Q(first_name__icontains=text)
        | Q(last_name__icontains=text)
        | Q(company__icontains=text)
        | Q(email__icontains=text)
        | Q(external_id__icontains=text)
    )


def lead_state_counts(leads: QuerySet[Lead]) -> dict[str, int]:
    """Leads per state in one grouped query: exact, for a bounded set (one
    campaign's leads). Lists over every lead use ``lead_state_counts_capped``."""
    rows = leads.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    return dict(rows)


def lead_state_counts_capped(leads: QuerySet[Lead], *, one_pass: bool = False) -> dict[str, tuple[int, bool]]:
    """The state tabs above a lead list: per state ``(count, capped)``, and
    under ``""`` all of them, counted up to ``COUNT_CAP``, in one query.

    Each state is counted on its own (``counts_capped``): an index range
    (``lead_marketer_state_idx``, ``lead_state_created_idx``) that stops at
    the cap, so each tab is exact up to it. With ``one_pass`` (a text
    search, whose index would otherwise be read once per state) the first
    ``SEARCH_COUNT_CAP + 1`` matches are counted by state instead
    (``counts_by_capped``): exact up to the cap, "at least" past it.
    """
    if one_pass:
        cap = pagination.SEARCH_COUNT_CAP
        found = counts_by_capped(leads, "state", cap=cap)
        counts = {state: found.get(state, (0, False)) for state in LeadState.values}
    else:
        cap = pagination.COUNT_CAP
        counts = counts_capped({state: leads.filter(state=state) for state in LeadState.values})
    counts[""] = sum_capped(counts.values(), cap)
    return counts


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    """Campaigns and their forecasts: marketers (who manage them), managers
    (who watch ROI) and administrators; nobody else."""
    if sees_every_lead(user):
        return Campaign.objects.all()
    return Campaign.objects.none()


def campaigns_with_actuals(*, user) -> QuerySet[Campaign]:
    """Campaigns with forecast beside actual, in one aggregated query:
    ``actual_leads`` (leads the campaign brought in), ``actual_mqls`` (of
    those, delivered to sales at least once), ``actual_won`` (closed won) and
    ``actual_revenue`` (their amounts). Live first, then drafts, then ended."""
    return (
        campaigns_visible_to(user)
        .select_related("marketer")
        .annotate(
            actual_leads=Count("leads"),
            actual_mqls=Count("leads", filter=Q(leads__delivery_count__gte=1)),
            actual_won=Count("leads", filter=Q(leads__state=LeadState.WON)),
            actual_revenue=Sum("leads__won_amount", filter=Q(leads__state=LeadState.WON)),
            status_order=Case(
                When(status=CampaignStatus.LIVE, then=Value(0)),
                When(status=CampaignStatus.DRAFT, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .order_by("status_order", "name", "pk")
    )


# --- the rep's and manager's browser lists (H5) ----------------------------------------


def rep_inbox_rows(*, rep) -> QuerySet[Lead]:
    """The inbox with each lead's touch count: for one row (an HTMX answer)
    or a short list; the page annotates its own rows only."""
    return with_touch_count(rep_inbox(rep=rep))


def rep_worked_rows(*, rep) -> QuerySet[Lead]:
    """ "My accepted leads" with ``touch_count`` and ``followup_touch_count``:
    for one row or a short list; the page annotates its own rows only."""
    return with_followup_touch_counts(rep_worked_leads(rep=rep))


def sales_reps_for_choice() -> list[tuple[int, str, bool]]:
    """Everyone holding the sales rep role, as ``(id, name, is_active)``,
    for pickers and filters (one query)."""
    from django.contrib.auth import get_user_model

    users = (
        get_user_model()
        .objects.filter(groups__name=roles.SALES_REP, is_system=False)
        .order_by("first_name", "last_name", "username")
        .distinct()
    )
    return [(user.pk, user.get_full_name() or user.username, user.is_active) for user in users]
