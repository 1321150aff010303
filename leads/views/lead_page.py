"""The lead page: everything about one lead the user may see, and the actions
they may take on it."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from leads import selectors
from leads.criteria import Criterion
from leads.forms import (
    LeadActionForm,
)
from leads.models import Lead, LeadEvent, LeadState
from leads.views.row_actions import (
    ACTIONS,
    TRANSITION_ACTIONS,
    PageChoices,
    _action_form,
    _open_lead_actions,
)


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


def lead_page_render(
    request, lead: Lead, *, bound: LeadActionForm | None = None, action_error=None, status=200
):
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
    }
    return render(request, "leads/lead_detail.html", context, status=status)


@login_required
def lead_detail(request, pk: int):
    """Everything about one lead the user may see; 404 for leads they may not."""
    lead = selectors.lead_get_visible(user=request.user, lead_id=pk)
    if lead is None:
        raise Http404("No such lead.")
    return lead_page_render(request, lead)


# --- the rulebook ------------------------------------------------------------------------
