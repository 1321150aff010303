"""Browser pages of the leads app: home, the rep's inbox and accepted leads,
the all-leads list, the lead page, the rulebook, and the lead actions.

Views parse forms and call ``leads.services``; no rule is decided here. A
service's refusal goes back on the form (field errors next to the field,
anything else above it) with the service's status code (400, 403, 409), and
nothing was written.

Actions answer two ways. A plain POST (no JavaScript) redirects back to the
page it came from with a flash message, or on refusal renders the lead page
with the form and its errors. An HTMX POST from a list row answers with that
row re-rendered (or empty, when the lead left the list) and the flash
messages in an ``HX-Trigger`` header that ``leadcourt.js`` shows
(``htmx_with_messages``, which the marketer's and the judges' pages use too).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from adjudication.selectors import cases_for_lead
from leadcourt.accounts import roles
from leadcourt.errors import ApplicationError
from leadcourt.form_errors import form_add_service_error
from leads import permissions, selectors, services
from leads.criteria import Criterion
from leads.forms import (
    CloseLostForm,
    CloseWonForm,
    LeadActionForm,
    LeadListFilterForm,
    ReasonChoices,
    ReassignForm,
    RejectForm,
    ReturnAfterFollowupForm,
    TouchForm,
)
from leads.models import OPEN_STATES, Campaign, Lead, LeadEvent, LeadState
from leads.pagination import keyset_page
from leads.rulebook_display import rulebook_rules

INBOX_PAGE_SIZE = 25
WORKED_PAGE_SIZE = 25
LEAD_LIST_PAGE_SIZE = 50


# --- home ---------------------------------------------------------------------------


@login_required
def home(request):
    """Send each person to the page they work from (SPEC §9): reps to their
    inbox, marketers to their leads, judges to the review queue, managers and
    administrators to all leads. Someone with several roles lands on the
    first in that order (a rep's deadlines are the most pressing); the
    navigation reaches the rest. Without a role: a page saying so."""
    user = request.user
    if roles.is_sales_rep(user):
        return redirect("rep-inbox")
    if roles.is_marketer(user):
        return redirect("marketer-leads")
    if roles.is_judge(user):
        return redirect("review-queue")
    if roles.is_manager(user) or roles.is_superuser(user):
        return redirect("lead-list")
    return render(request, "leads/home.html", {})


# --- shared helpers ------------------------------------------------------------------


def _require_rep(request) -> None:
    if not (roles.is_sales_rep(request.user) or roles.is_superuser(request.user)):
        raise Http404("Only sales reps have an inbox.")


def safe_next(request, fallback: str) -> str:
    """Where to go after an action: the ``next`` it was given if that is on
    this site, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def htmx_swaps(status: int) -> bool:
    """Whether htmx swaps an answer with this status in place (base.html's
    ``htmx-config``): success, and the 400/409 refusals a form shows."""
    return 200 <= status < 400 or status in (400, 409)


def htmx_with_messages(request, response: HttpResponse, *, error: str = "", in_place: bool = True):
    """Send the flash messages with an HTMX answer, in an ``HX-Trigger``
    header that ``leadcourt.js`` shows (JSON, ASCII-escaped so any lead name
    is a valid header). A refusal the page will not show, because htmx does
    not swap its status or there is nothing to show it on (``in_place``
    False), becomes a message too."""
    if error and not (in_place and htmx_swaps(response.status_code)):
        messages.error(request, error)
    payload = [{"level": m.level_tag or "info", "text": str(m)} for m in messages.get_messages(request)]
    response["HX-Trigger"] = json.dumps({"leadcourt:messages": payload})
    return response


@dataclass
class PageChoices:
    """What the forms of one page choose from, loaded once for all its rows."""

    reasons: ReasonChoices | None = None
    reps: tuple[tuple[int, str], ...] = ()

    @classmethod
    def for_actions(cls, names) -> PageChoices:
        """The choices the forms of these actions need (see ``ACTIONS``)."""
        specs = [ACTIONS[name] for name in names]
        reasons = any(spec.needs_reasons for spec in specs)
        reps = any(spec.needs_reps for spec in specs)
        return cls(
            reasons=ReasonChoices.from_codes(selectors.reason_codes_active()) if reasons else None,
            reps=tuple((pk, name) for pk, name, active in selectors.sales_reps_for_choice() if active)
            if reps
            else (),
        )


def _open_lead_actions(lead: Lead, user) -> list[str]:
    """The page actions that are no transitions: logging a touch (the
    assigned rep) and reassigning (managers). The services allow both on open
    leads only."""
    if lead.state not in OPEN_STATES:
        return []
    return [
        name
        for name, may in (("touch", permissions.may_log_touch), ("reassign", permissions.may_reassign))
        if may(lead, user)
    ]


def _shows_reassign(user) -> bool:
    """Whether the all-leads list has the reassign column (managers)."""
    return roles.is_manager(user) or roles.is_superuser(user)


# --- the actions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One thing a person can do to a lead from a page: its form (if it
    takes input), the service call, and the words for a success."""

    name: str
    label: str
    run: Callable[..., object]
    success: Callable[[Lead, object, dict], str]
    form: type[LeadActionForm] | None = None
    button_class: str = ""
    needs_reasons: bool = False
    needs_reps: bool = False


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "D j M H:i") if moment else ""


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            name="accept",
            button_class="ok",
            label="Accept",
            run=lambda lead, actor, data: services.lead_accept(lead=lead, actor=actor),
            success=lambda lead, result, data: (
                f"Accepted {lead}. Follow-up due {_when(result.followup_due_at)}; it is in My accepted leads."
            ),
        ),
        Action(
            name="reject",
            button_class="danger",
            label="Reject",
            form=RejectForm,
            needs_reasons=True,
            run=lambda lead, actor, data: services.lead_reject(
                lead=lead, actor=actor, reason=data["reason"], note=data["note"]
            ),
            success=lambda lead, result, data: (
                f"Rejected {lead} ({result.rejection_reason.label}). "
                f"Marketing may appeal until {_when(result.appeal_due_at)}."
            ),
        ),
        Action(
            name="touch",
            label="Log touch",
            form=TouchForm,
            run=lambda lead, actor, data: services.lead_touch_log(
                lead=lead,
                actor=actor,
                channel=data["channel"],
                outcome=data["outcome"],
                note=data["note"],
                occurred_at=data["occurred_at"],
            ),
            success=lambda lead, result, data: (
                f"Touch logged on {lead}: {result.get_channel_display()}, "
                f"{result.get_outcome_display().lower()}."
            ),
        ),
        Action(
            name="qualify_opportunity",
            button_class="ok",
            label="Qualify as opportunity",
            run=lambda lead, actor, data: services.lead_qualify_opportunity(lead=lead, actor=actor),
            success=lambda lead, result, data: f"{lead} is now an opportunity (SQL).",
        ),
        Action(
            name="return",
            button_class="danger",
            label="Return to marketing",
            form=ReturnAfterFollowupForm,
            needs_reasons=True,
            run=lambda lead, actor, data: services.lead_return_after_followup(
                lead=lead, actor=actor, reason=data["reason"], note=data["note"]
            ),
            success=lambda lead, result, data: (
                f"Returned {lead} after follow-up ({result.rejection_reason.label}). "
                f"Marketing may appeal until {_when(result.appeal_due_at)}."
            ),
        ),
        Action(
            name="close_won",
            button_class="ok",
            label="Close won",
            form=CloseWonForm,
            run=lambda lead, actor, data: services.lead_close_won(
                lead=lead, actor=actor, amount=data["amount"]
            ),
            success=lambda lead, result, data: (
                f"Closed won: {lead}, {result.won_amount:,.2f}. Congratulations!"
            ),
        ),
        Action(
            name="close_lost",
            button_class="danger",
            label="Close lost",
            form=CloseLostForm,
            needs_reasons=True,
            run=lambda lead, actor, data: services.lead_close_lost(
                lead=lead, actor=actor, reason=data["reason"], note=data["note"]
            ),
            success=lambda lead, result, data: f"Closed lost: {lead} ({result.lost_reason.label}).",
        ),
        Action(
            name="reassign",
            label="Reassign",
            form=ReassignForm,
            needs_reps=True,
            run=lambda lead, actor, data: services.lead_reassign(
                lead=lead, actor=actor, rep=data["rep_user"], note=data["note"]
            ),
            success=lambda lead, result, data: f"{lead} is now assigned to {result.assigned_rep}.",
        ),
    )
}


# Transition names whose page action is named differently.
TRANSITION_ACTIONS = {"return_after_followup": "return"}


def _action_form(action: Action, lead_id: int, choices: PageChoices, data=None) -> LeadActionForm | None:
    if action.form is None:
        return None
    kwargs = {"lead_id": lead_id}
    if action.needs_reasons:
        kwargs["reasons"] = choices.reasons
    if action.needs_reps:
        kwargs["reps"] = choices.reps
    return action.form(data, **kwargs)


# --- list rows (the pieces HTMX swaps) ----------------------------------------------------


@dataclass(frozen=True)
class RowKind:
    """A list whose rows carry actions: how to fetch one row again after an
    action, and which forms its rows show."""

    template: str
    rows: Callable[..., object]
    forms: tuple[str, ...]


ROW_KINDS = {
    "inbox": RowKind(
        template="leads/_inbox_row.html",
        rows=lambda user: selectors.rep_inbox_rows(rep=user),
        forms=("reject", "touch"),
    ),
    "worked": RowKind(
        template="leads/_worked_row.html",
        rows=lambda user: selectors.rep_worked_rows(rep=user),
        forms=("touch", "return", "close_won", "close_lost"),
    ),
    "list": RowKind(
        template="leads/_list_row.html",
        rows=lambda user: selectors.leads_visible_to(user),
        forms=("reassign",),
    ),
}


def _row_context(
    kind: str, lead: Lead, *, request, rulebook, choices, next_url, bound=None, error=None
) -> dict:
    """Everything one row's template needs; ``bound`` replaces the blank form
    of its action (to show errors) and opens it."""
    lead.grade = rulebook.grade_for(lead.criteria_count)
    if kind == "worked":
        lead.touches_required = rulebook.touches_required(lead.grade)
    forms = {
        name: _action_form(ACTIONS[name], lead.pk, choices)
        for name in ROW_KINDS[kind].forms
        if ACTIONS[name].form is not None
    }
    open_form = None
    if bound is not None:
        forms[bound.action] = bound
        open_form = bound.action
    return {
        "lead": lead,
        "forms": forms,
        "open_form": open_form,
        "row_error": error.message if error is not None and bound is None else None,
        "next_url": next_url,
        "row_kind": kind,
        "may_reassign": "reassign" in _open_lead_actions(lead, request.user),
        "show_reassign": _shows_reassign(request.user),
    }


def _htmx_row_response(
    request, kind: str, lead_id: int, *, choices, next_url, bound=None, error=None, status=200
):
    lead = ROW_KINDS[kind].rows(request.user).filter(pk=lead_id).first()
    # A lead that left this list (accepted, rejected, closed; or someone else
    # acted first) loses its row, and a refusal is said as a message.
    body = ""
    if lead is not None:
        context = _row_context(
            kind,
            lead,
            request=request,
            rulebook=selectors.rulebook_current(),
            choices=choices,
            next_url=next_url,
            bound=bound,
            error=error,
        )
        body = render_to_string(ROW_KINDS[kind].template, context, request=request)
    return htmx_with_messages(
        request,
        HttpResponse(body, status=status),
        error=error.message if error is not None else "",
        in_place=lead is not None,
    )


@login_required
@require_POST
def lead_action(request, pk: int, action: str):
    """Run one action on a lead (see ``ACTIONS``) and answer for a list row
    (HTMX) or a page (plain POST)."""
    spec = ACTIONS[action]
    lead = selectors.lead_get_visible(user=request.user, lead_id=pk)
    if lead is None:
        raise Http404("No such lead.")
    lead_url = reverse("lead-detail", args=[lead.pk])
    next_url = safe_next(request, lead_url)
    kind = request.POST.get("row") if request.POST.get("row") in ROW_KINDS else None
    # What the action's form chooses from, and what the re-rendered row shows.
    choices = PageChoices.for_actions({action, *(ROW_KINDS[kind].forms if kind else ())})
    form = _action_form(spec, lead.pk, choices, data=request.POST)

    error: ApplicationError | None = None
    status = 400
    if form is None or form.is_valid():
        data = dict(form.cleaned_data) if form is not None else {}
        if spec.needs_reps:
            data["rep_user"] = get_user_model().objects.filter(pk=data["rep"]).first()
        try:
            result = spec.run(lead, request.user, data)
        except ApplicationError as exc:
            error = exc
            status = exc.status
            if form is not None:
                form_add_service_error(form, exc)
        else:
            messages.success(request, spec.success(lead, result, data))
            if request.htmx:
                if kind:
                    return _htmx_row_response(request, kind, lead.pk, choices=choices, next_url=next_url)
                return HttpResponseClientRedirect(next_url)
            return redirect(next_url)

    # Refused: nothing was written.
    if request.htmx and kind:
        return _htmx_row_response(
            request, kind, lead.pk, choices=choices, next_url=next_url, bound=form, error=error, status=status
        )
    return _lead_page(
        request,
        lead,
        bound=form,
        action_error=(error.message if error is not None and form is None else None),
        status=status,
    )


# --- the rep's pages ---------------------------------------------------------------------


def _rows_page(request, *, kind: str, qs, size: int, template: str):
    rulebook = selectors.rulebook_current()
    page = Paginator(qs, size).get_page(request.GET.get("page"))
    choices = PageChoices.for_actions(ROW_KINDS[kind].forms)
    next_url = request.get_full_path()
    rows = [
        _row_context(kind, lead, request=request, rulebook=rulebook, choices=choices, next_url=next_url)
        for lead in page.object_list
    ]
    return render(request, template, {"page": page, "rows": rows, "rulebook": rulebook})


@login_required
def rep_inbox_page(request):
    """Leads waiting for my decision, nearest deadline first (SPEC §9)."""
    _require_rep(request)
    return _rows_page(
        request,
        kind="inbox",
        qs=selectors.rep_inbox_rows(rep=request.user),
        size=INBOX_PAGE_SIZE,
        template="leads/rep_inbox.html",
    )


@login_required
def rep_worked_page(request):
    """My accepted leads and opportunities: follow-up progress and the next step."""
    _require_rep(request)
    return _rows_page(
        request,
        kind="worked",
        qs=selectors.rep_worked_rows(rep=request.user),
        size=WORKED_PAGE_SIZE,
        template="leads/rep_worked.html",
    )


# --- all leads (managers) ----------------------------------------------------------------


@login_required
def lead_list_page(request):
    """Every lead the user may see, filtered, newest first, keyset-paginated
    (see ``leads.pagination``: fast at any depth on 100k+ leads). Managers
    reassign open leads from here."""
    user = request.user
    reps = selectors.sales_reps_for_choice()
    campaigns = tuple(Campaign.objects.order_by("name").values_list("pk", "name"))
    form = LeadListFilterForm(
        request.GET if any(k in request.GET for k in ("q", "state", "rep", "campaign", "source")) else None,
        reps=tuple((pk, name if active else f"{name} (inactive)") for pk, name, active in reps),
        campaigns=campaigns,
    )
    filters = form.filters()
    qs = selectors.leads_list(
        user=user,
        state=filters.get("state"),
        assigned_rep_id=filters.get("rep"),
        campaign_id=filters.get("campaign"),
        source=filters.get("source"),
        search=filters.get("q"),
    )
    keyset = keyset_page(
        qs, after=request.GET.get("after"), before=request.GET.get("before"), size=LEAD_LIST_PAGE_SIZE
    )
    rulebook = selectors.rulebook_current()
    choices = PageChoices(reps=tuple((pk, name) for pk, name, active in reps if active))
    next_url = request.get_full_path()
    rows = [
        _row_context("list", lead, request=request, rulebook=rulebook, choices=choices, next_url=next_url)
        for lead in keyset.rows
    ]
    return render(
        request,
        "leads/lead_list.html",
        {
            "filter_form": form,
            "filtered": bool(filters),
            "keyset": keyset,
            "rows": rows,
            "show_reassign": _shows_reassign(user),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --- the lead page -----------------------------------------------------------------------


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


# Transitions other pages run (marketing's), linked from the lead page.
LINKED_TRANSITIONS = {
    "qualify": ("Qualify", lambda lead: reverse("lead-qualify", args=[lead.pk])),
    "disqualify": ("Disqualify", lambda lead: reverse("lead-disqualify", args=[lead.pk])),
    "recycle": ("Recycle to sales", lambda lead: reverse("lead-recycle", args=[lead.pk])),
    "appeal": ("Appeal or concede", lambda lead: reverse("rejected-leads")),
    "concede": ("Appeal or concede", lambda lead: reverse("rejected-leads")),
}


def _linked_actions(lead: Lead, allowed: list[str]) -> list[tuple[str, str]]:
    links: dict[str, tuple[str, str]] = {}  # by URL: appeal and concede share a page
    for name in allowed:
        if name in LINKED_TRANSITIONS:
            label, url_for = LINKED_TRANSITIONS[name]
            url = url_for(lead)
            links[url] = (label, url)
    return list(links.values())


def _lead_page(request, lead: Lead, *, bound: LeadActionForm | None = None, action_error=None, status=200):
    user = request.user
    rulebook = selectors.rulebook_current()
    grade = rulebook.grade_for(lead.criteria_count)
    met = set(lead.criteria)
    history = list(selectors.lead_history(lead=lead))
    _event_details(history)
    touches = list(selectors.lead_touches(lead=lead))
    duplicate_of = lead.duplicate_of

    allowed = selectors.lead_allowed_transitions(lead=lead, user=user)
    # The lead's transitions this user may run, as this page's actions
    # ("return_after_followup" is the "return" action).
    as_actions = [TRANSITION_ACTIONS.get(name, name) for name in allowed]
    available = [name for name in as_actions if name in ACTIONS] + _open_lead_actions(lead, user)
    available.sort(key=lambda name: ACTIONS[name].form is not None)  # one-click actions first
    choices = PageChoices.for_actions(available)
    if bound is not None and bound.action not in available:
        # The action is no longer possible (someone else acted first): say why.
        action_error = " ".join(bound.non_field_errors()) or "This action is no longer possible."
    action_forms = []
    for name in available:
        spec = ACTIONS[name]
        form = bound if bound is not None and bound.action == name and spec.form is not None else None
        action_forms.append(
            {
                "name": name,
                "label": spec.label,
                "button_class": spec.button_class,
                "url": reverse(f"lead-{name.replace('_', '-')}", args=[lead.pk]),
                "form": form or _action_form(spec, lead.pk, choices),
                "open": form is not None,
            }
        )

    followup = None
    if lead.state == LeadState.SAL:
        followup = {
            "done": selectors.lead_followup_touch_count(lead=lead),
            "required": rulebook.touches_required(grade),
        }
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
        # Each stage's latest time, in the order they happened (a lead that was
        # rejected, then overturned and accepted reads in that order).
        "stages": sorted(
            (
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
            ),
            key=lambda stage: stage[1],
        ),
        "duplicate_of": duplicate_of,
        "duplicate_visible": duplicate_of is not None
        and selectors.lead_get_visible(user=user, lead_id=duplicate_of.pk) is not None,
        "followup": followup,
        "action_forms": action_forms,
        "action_error": action_error,
        "linked_actions": _linked_actions(lead, allowed),
        "next_url": reverse("lead-detail", args=[lead.pk]),
        # Views may join apps: the lead page links to the judicial branch's cases.
        "cases": list(cases_for_lead(lead=lead, user=user)),
    }
    return render(request, "leads/lead_detail.html", context, status=status)


@login_required
def lead_detail(request, pk: int):
    """Everything about one lead the user may see; 404 for leads they may not."""
    lead = selectors.lead_get_visible(user=request.user, lead_id=pk)
    if lead is None:
        raise Http404("No such lead.")
    return _lead_page(request, lead)


# --- the rulebook ------------------------------------------------------------------------


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
