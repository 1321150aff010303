"""The marketer's browser pages (SPEC §1, §9): my leads, a new lead, and the
marketing transitions (qualify, disqualify, recycle). Campaigns have their
own pages (``leads.campaigns.views``).

Views parse forms and call ``leads.services``; a refusal is shown next to the
field it concerns (or above the form) with the service error's status, and
nothing is written. Pages for a role the user does not hold are 403; leads
the user may not see are 404.

HTMX: the row actions on "My leads" are row actions of ``MY_LEADS_ROWS``
(``leadcourt.row_actions``): the answer is the row itself, re-rendered with
the outcome, and a refusal htmx does not swap (403) comes as a flash message.
Without JavaScript the same forms post normally and get a redirect, or the
action page with the error.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from leadcourt.accounts import roles
from leadcourt.errors import ApplicationError, InvalidInput
from leadcourt.form_errors import form_add_service_error
from leadcourt.htmx import safe_next
from leadcourt.replica_reads import reads_from_replica
from leadcourt.row_actions import RowList, row_answer, row_list_posting
from leads import pagination, selectors, services
from leads.marketing_forms import (
    DisqualifyForm,
    LeadCreateForm,
    MarketerLeadFilterForm,
    QualifyForm,
)
from leads.models import Lead, LeadState, RulebookVersion
from leads.pagination import offset_page
from leads.templatetags.row_stamps import RowStamps

LEADS_PER_PAGE = 50
CAMPAIGNS_PER_PAGE = 25
CAMPAIGN_HISTORY_SHOWN = 20
# The transitions a marketer runs from the lead list, in the order the buttons appear.
ROW_ACTIONS = ("qualify", "recycle", "disqualify")


def _require_marketer(user) -> None:
    if not (roles.is_marketer(user) or roles.is_superuser(user)):
        raise PermissionDenied("Only marketers have this page.")


def _lead_row(lead: Lead, user, rulebook: RulebookVersion) -> dict:
    """One row of the lead list: the lead, its grade and the actions the user
    may take now (computed in Python from the loaded row: no query)."""
    allowed = set(selectors.lead_allowed_transitions(lead=lead, user=user))
    return {
        "lead": lead,
        "grade": rulebook.grade_for(lead.criteria_count),
        "actions": [name for name in ROW_ACTIONS if name in allowed],
        "may_appeal": "appeal" in allowed or "concede" in allowed,
    }


# --- my leads ----------------------------------------------------------------------------


@login_required
@reads_from_replica
def marketer_leads_page(request):
    """The marketer's leads by state, filtered and searched, newest first.

    A fixed number of queries whatever the page holds: the state tabs are one
    query of capped counts (``lead_state_counts_capped``: each tab counts up
    to ``COUNT_CAP`` and then says "10,000+"), which also give the page its
    total; the rows one query with their related rows joined.
    """
    user = request.user
    _require_marketer(user)
    rulebook = selectors.rulebook_current()
    form = MarketerLeadFilterForm(request.GET)
    values, dropped = form.filters()
    mine = values.get("scope") != "all"
    campaign = values.get("campaign")
    base = selectors.marketer_leads(
        user=user,
        mine=mine,
        campaign_id=campaign.pk if campaign else None,
        source=(values.get("source") or "").strip(),
        grade=values.get("grade") or "",
        min_criteria=values.get("min_criteria"),
        search=values.get("q") or "",
        rulebook=rulebook,
    )
    # A text search counts its matches by state in one pass (its index read once):
    # past the cap the tabs then say "at least".
    searched = bool(values.get("q"))
    counts = selectors.lead_state_counts_capped(base, one_pass=searched)
    state = values.get("state") or ""
    leads = base.filter(state=state) if state else base
    # The tabs have counted these rows already, but for a search's state tab
    # (at least n is no page count): the page needs no count of its own.
    page = offset_page(
        leads,
        number=request.GET.get("page"),
        size=LEADS_PER_PAGE,
        count=None if searched and state else counts[state],
        cap=pagination.SEARCH_COUNT_CAP if searched else None,
    )
    tabs = [_tab("", "All", counts[""], active=not state)]
    tabs += [
        _tab(value, label, counts[value], active=state == value, at_least=searched)
        for value, label in LeadState.choices
    ]
    return render(
        request,
        "leads/marketing/my_leads.html",
        {
            "form": form,
            "dropped": [form.fields[name].label or name.replace("_", " ") for name in dropped],
            "mine": mine,
            "tabs": tabs,
            "page": page,
            "rows": [_lead_row(lead, user, rulebook) for lead in page],
            "rulebook": rulebook,
            "filtered": any(
                values.get(name) for name in ("campaign", "source", "grade", "min_criteria", "q")
            ),
            "this_url": request.get_full_path(),
            "row_stamps": RowStamps(),
        },
    )


def _tab(value: str, label: str, count: tuple[int, bool], *, active: bool, at_least: bool = False) -> dict:
    n, capped = count
    return {
        "value": value,
        "label": label,
        "count": n,
        # "10,000+": the tab stopped counting there.
        "count_text": f"{n:,}+" if capped else str(n),
        "count_title": (f"At least {n:,}" if at_least else f"More than {n:,}") if capped else "",
        "active": active,
    }


# --- a new lead --------------------------------------------------------------------------


@login_required
def lead_new_page(request):
    """Create an inquiry, or create and qualify it in one step.

    "Create and qualify" is one user action and one service
    (``lead_create_and_qualify``): if qualifying is refused (too few
    criteria, no rep), the lead is not created either and the form comes
    back with the reason.
    """
    user = request.user
    _require_marketer(user)
    rulebook = selectors.rulebook_current()
    form = LeadCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            and_qualify = request.POST.get("action") == "create_qualify"
            service = services.lead_create_and_qualify if and_qualify else services.lead_create
            try:
                lead, created = service(
                    actor=user,
                    external_id=data["external_id"] or None,
                    criteria=data["criteria"],
                    campaign=data["campaign"],
                    segment=data["segment"],
                    **{name: data[name] for name in LeadCreateForm.TEXT_FIELDS},
                )
            except ApplicationError as error:
                form_add_service_error(form, error)
                status = error.status
            else:
                if created:
                    _say_created(request, lead, qualified=and_qualify)
                    return redirect("lead-detail", pk=lead.pk)
                # lead_create wrote nothing: a lead with this external id exists.
                form.add_error(
                    "external_id",
                    format_html(
                        'A lead with this external id already exists: <a href="{}">{}</a>.',
                        reverse("lead-detail", args=[lead.pk]),
                        lead,
                    ),
                )
                status = 409
    return render(
        request, "leads/marketing/lead_new.html", {"form": form, "rulebook": rulebook}, status=status
    )


def _say_created(request, lead: Lead, *, qualified: bool) -> None:
    if qualified:
        messages.success(request, f"Lead created and qualified: delivered to {lead.assigned_rep}.")
    else:
        messages.success(request, "Lead created as an inquiry.")
    if lead.duplicate_of_id:
        messages.warning(
            request,
            format_html(
                'Probable duplicate: an earlier lead has the same email — <a href="{}">{}</a>. '
                "Sales will see the warning.",
                reverse("lead-detail", args=[lead.duplicate_of_id]),
                lead.duplicate_of,
            ),
        )


# --- qualify, disqualify, recycle --------------------------------------------------------


ACTION_TEXT = {
    "qualify": ("Qualify", "Deliver this inquiry to sales as an MQL: it is routed to a rep."),
    "disqualify": ("Disqualify", "Close this inquiry: it will not go to sales."),
    "recycle": ("Recycle", "Deliver this returned lead to sales again: it counts as a new delivery."),
}


def _run_action(name: str, lead: Lead, actor, form) -> tuple[Lead, str]:
    """Call the service for ``name``; return the lead and the success message."""
    if name == "disqualify":
        lead = services.lead_disqualify(lead=lead, actor=actor, reason=form.cleaned_data["reason"])
        return lead, f"Disqualified: {lead}."
    service = services.lead_qualify if name == "qualify" else services.lead_recycle
    lead = service(lead=lead, actor=actor, criteria=form.criteria_or_none())
    due = timezone.localtime(lead.decision_due_at)
    verb = "Qualified" if name == "qualify" else "Recycled"
    return lead, f"{verb}: {lead} delivered to {lead.assigned_rep}; decision due {due:%a %d %b %H:%M}."


def _action_form(name: str, lead: Lead, data=None):
    if name == "disqualify":
        return DisqualifyForm(data)
    return QualifyForm(data, initial={"set_criteria": True, "criteria": lead.criteria})


def _my_leads_row_context(request, lead: Lead, *, outcome: str = "", error: str = "") -> dict:
    rulebook = selectors.rulebook_current()
    return {
        "row": _lead_row(lead, request.user, rulebook),
        "ok": outcome,
        "error": error,
        "rulebook": rulebook,
        "this_url": safe_next(request, reverse("marketer-leads")),
    }


# The rows of "My leads": a lead stays on the list whatever its state, so the
# row says what happened on itself.
MY_LEADS_ROWS = RowList(
    name="my-leads",
    template="leads/marketing/_lead_row.html",
    fetch=lambda request, pk: selectors.lead_get_visible(user=request.user, lead_id=pk),
    context=_my_leads_row_context,
    says_outcome=True,
)


def _lead_action(request, pk: int, name: str):
    """GET: the action's page (a confirmation, with the criteria or the reason).
    POST: run it. Same URL for the lead page, the list's rows and no-JS use."""
    lead = selectors.lead_get_visible(user=request.user, lead_id=pk)
    if lead is None:
        raise Http404("No such lead.")
    row_list = row_list_posting(request, MY_LEADS_ROWS)
    error: ApplicationError | None = None
    if request.method == "POST":
        form = _action_form(name, lead, request.POST)
        if form.is_valid():
            try:
                lead, message = _run_action(name, lead, request.user, form)
            except ApplicationError as exc:
                error = exc
                form_add_service_error(form, exc)
            else:
                if row_list is not None:
                    return row_answer(request, row_list, lead.pk, outcome=message)
                messages.success(request, message)
                return redirect(safe_next(request, reverse("lead-detail", args=[lead.pk])))
        else:
            error = InvalidInput({field: list(errs) for field, errs in form.errors.items()})
        if row_list is not None:
            return row_answer(request, row_list, lead.pk, error=error.message, status=error.status)
    else:
        form = _action_form(name, lead)
        try:
            services.lead_ensure_may(lead=lead, actor=request.user, name=name)
            services.lead_ensure_state_allows(lead=lead, actor=request.user, name=name)
        except ApplicationError as exc:
            error, form = exc, None
    title, explanation = ACTION_TEXT[name]
    return render(
        request,
        "leads/marketing/lead_action.html",
        {
            "lead": lead,
            "name": name,
            "title": title,
            "explanation": explanation,
            "form": form,
            "error": error,
            "rulebook": selectors.rulebook_current(),
            "next": safe_next(request, ""),
        },
        status=error.status if error else 200,
    )


@login_required
def lead_qualify_action(request, pk: int):
    return _lead_action(request, pk, "qualify")


@login_required
def lead_disqualify_action(request, pk: int):
    return _lead_action(request, pk, "disqualify")


@login_required
def lead_recycle_action(request, pk: int):
    return _lead_action(request, pk, "recycle")
