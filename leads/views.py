"""Browser pages of the leads app: home (per role), the lead page, the rulebook.

Read-only for now: the views ask ``selectors`` for what the user may see and
render it. The action forms (accept, reject, log a touch, …) come with the
full browser UI and will call ``leads.services`` like every other interface.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import render

from adjudication.selectors import cases_for_lead
from leadcourt.accounts import roles
from leads import selectors
from leads.criteria import Criterion
from leads.forms import LeadListFilterForm
from leads.models import Lead, LeadEvent, LeadState, RulebookVersion
from leads.rulebook_display import rulebook_rules

LEADS_PER_PAGE = 50
REP_LEADS_SHOWN = 100
CASE_LEADS_SHOWN = 50


def _with_grades(leads: list[Lead], rulebook: RulebookVersion) -> list[Lead]:
    for lead in leads:
        lead.grade = rulebook.grade_for(lead.criteria_count)
    return leads


@login_required
def home(request):
    """One page, one section per role the user holds (SPEC §1, §9)."""
    user = request.user
    rulebook = selectors.rulebook_current()
    context: dict = {"rulebook": rulebook}
    if roles.is_sales_rep(user):
        inbox = selectors.rep_inbox(rep=user)
        # Running follow-up deadlines first, then opportunities (no deadline),
        # the same on PostgreSQL and SQLite, which sort NULLs differently.
        worked = selectors.rep_worked_leads(rep=user).order_by(
            F("followup_due_at").asc(nulls_last=True), "pk"
        )
        # The most urgent ones; the full lists come with the rep's own pages.
        context["inbox"] = _with_grades(list(inbox[:REP_LEADS_SHOWN]), rulebook)
        context["inbox_total"] = inbox.count()
        context["worked"] = _with_grades(list(worked[:REP_LEADS_SHOWN]), rulebook)
        context["worked_total"] = worked.count()
    if roles.is_superuser(user) or roles.is_marketer(user) or roles.is_manager(user):
        form = LeadListFilterForm(request.GET or None)
        state = form.cleaned_data["state"] if form.is_valid() else ""
        leads = selectors.leads_visible_to(user).order_by("-created_at", "-pk")
        if state:
            leads = leads.filter(state=state)
        page = Paginator(leads, LEADS_PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = _with_grades(list(page.object_list), rulebook)
        context.update(all_leads=page, filter_form=form, filter_state=state)
    if roles.is_judge(user):
        case_leads = (
            selectors.leads_visible_to(user)
            .filter(cases__isnull=False)
            .distinct()
            .order_by("-in_review_at", "-pk")
        )
        context["case_leads"] = case_leads[:CASE_LEADS_SHOWN]
        context["case_leads_total"] = case_leads.count()
    context["has_section"] = any(key in context for key in ("inbox", "all_leads", "case_leads"))
    return render(request, "leads/home.html", context)


def _event_details(events: list[LeadEvent]) -> None:
    """A short human line per event from its ``data`` (who it was routed to,
    the amount won, …), resolving the users it names in one query."""
    user_ids = set()
    for event in events:
        for key in ("rep", "from_rep", "to_rep"):
            if isinstance(event.data.get(key), int):
                user_ids.add(event.data[key])
    users = get_user_model().objects.in_bulk(user_ids)

    def name(pk) -> str:
        return str(users.get(pk, "a former rep"))

    for event in events:
        data = event.data or {}
        parts = []
        if "rep" in data:
            parts.append(f"routed to {name(data['rep'])}")
        if "criteria_met" in data:
            parts.append(f"{data['criteria_met']} criteria met")
        if "to_rep" in data:
            parts.append(f"from {name(data.get('from_rep'))} to {name(data['to_rep'])}")
        if "amount" in data:
            parts.append(f"amount {data['amount']}")
        if "touches" in data:
            parts.append(f"{data['touches']} touches, grade {data.get('grade', '?')}")
        if "duplicate_of" in data:
            parts.append("probable duplicate of an earlier lead")
        if "finding" in data:
            parts.append(f"finding: {data['finding']}")
        event.detail = "; ".join(parts)
        event.case_id = data.get("case")


@login_required
def lead_detail(request, pk: int):
    """Everything about one lead the user may see; 404 for leads they may not."""
    lead = selectors.lead_get_visible(user=request.user, lead_id=pk)
    if lead is None:
        raise Http404("No such lead.")
    rulebook = selectors.rulebook_current()
    grade = rulebook.grade_for(lead.criteria_count)
    met = set(lead.criteria)
    history = list(selectors.lead_history(lead=lead))
    _event_details(history)
    touches = list(selectors.lead_touches(lead=lead))
    duplicate_of = lead.duplicate_of
    context = {
        "lead": lead,
        "rulebook": rulebook,
        "grade": grade,
        "checklist": [
            {"code": code, "label": label, "met": code in met} for code, label in Criterion.choices
        ],
        "history": history,
        "touches": touches,
        "touch_channels": sorted({touch.get_channel_display() for touch in touches}),
        "deadlines": [
            (label, when)
            for label, when in (
                ("Decision due", lead.decision_due_at),
                ("Follow-up due", lead.followup_due_at),
                ("Appeal window closes", lead.appeal_due_at),
            )
            if when is not None
        ],
        "stages": [
            (label, when)
            for label, when in (
                ("Created", lead.created_at),
                ("Delivered to sales", lead.delivered_at),
                ("Assigned", lead.assigned_at),
                ("Accepted", lead.accepted_at),
                ("Rejected", lead.rejected_at),
                ("In review", lead.in_review_at),
                ("Returned", lead.returned_at),
                ("Opportunity (SQL)", lead.sql_at),
                ("Closed", lead.closed_at),
                ("Disqualified", lead.disqualified_at),
            )
            if when is not None
        ],
        "duplicate_of": duplicate_of,
        "duplicate_visible": duplicate_of is not None
        and selectors.lead_get_visible(user=request.user, lead_id=duplicate_of.pk) is not None,
    }
    # Views may join apps: the lead page links to the judicial branch's cases.
    context["cases"] = list(cases_for_lead(lead=lead, user=request.user))
    if lead.state == LeadState.SAL:
        context["followup"] = {
            "done": selectors.lead_followup_touch_count(lead=lead),
            "required": rulebook.touches_required(grade),
        }
    return render(request, "leads/lead_detail.html", context)


@login_required
def rulebook_page(request):
    """The one-page rulebook (SPEC §5): every rule of the version in force, with its meaning."""
    rulebook = selectors.rulebook_current()
    rules = rulebook_rules(rulebook)
    return render(
        request,
        "leads/rulebook.html",
        {
            "rulebook": rulebook,
            "rules": rules,
            "reason_codes": selectors.reason_codes_active(),
            "criteria": Criterion.choices,
        },
    )
