"""The lead actions of the browser pages, in one table (``ACTIONS``), and the
one view that runs them (``lead_action``).

Views parse forms and call ``leads.services``; no rule is decided here. A
service's refusal goes back on the form (field errors next to the field,
anything else above it) with the service's status code (400, 403, 409), and
nothing was written. A plain POST (no JavaScript) redirects back with a flash
message, or on refusal renders the lead page with the form and its errors; an
HTMX POST from a list row answers through ``leadcourt.row_actions``: the row
re-rendered (or gone, when the lead left the list) and the flash messages.
The rep's and managers' lists are ``ROW_LISTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from leadcourt.accounts import roles
from leadcourt.htmx import safe_next
from leadcourt.row_actions import RowList
from leads import permissions, selectors, services
from leads.forms import (
    CloseLostForm,
    CloseWonForm,
    LeadActionForm,
    ReasonChoices,
    ReassignForm,
    RejectForm,
    ReturnAfterFollowupForm,
    TouchForm,
)
from leads.models import OPEN_STATES, Lead
from leads.templatetags.row_stamps import RowStamps

# The lead id a page renders its blank row forms with, once; each row's own id
# is then put in its place (``PageChoices.blank_form``).
_ANY_LEAD = "__lead__"


@dataclass(frozen=True)
class BlankForm:
    """A row's blank action form, already rendered: ``_action_form.html``
    shows ``fields_html`` where a form's fields would be rendered."""

    fields_html: str


@dataclass(frozen=True)
class BlankSelectField:
    """The blank rep picker of an all-leads row (``_list_row.html``): its
    id and its options, without the lead's current rep."""

    id_for_label: str
    options_html: str
    errors: tuple = ()

    @property
    def auto_id(self) -> str:
        return self.id_for_label


@dataclass(frozen=True)
class BlankReassignForm:
    rep: BlankSelectField
    non_field_errors: tuple = ()


@dataclass
class PageChoices:
    """What the forms of one page choose from, loaded once for all its rows,
    and the page's blank row forms, rendered once for all its rows.

    A list page shows the same blank forms on every row (reject, log a touch,
    …): the same fields, the same reason codes, differing only by the lead's
    id in the element ids (``LeadActionForm``'s ``auto_id``). Built and
    rendered per row, they were most of a page's time (a form, and a
    template per widget and per option, for each row); here each is rendered
    once, with a placeholder id that ``blank_form`` replaces by the row's.
    A form that comes back with errors is rendered in full, as before.
    """

    reasons: ReasonChoices | None = None
    reps: tuple[tuple[int, str], ...] = ()
    forms: tuple[str, ...] = ()
    _rep_options: tuple | None = field(default=None, repr=False)
    _stamps: RowStamps | None = field(default=None, repr=False)

    @property
    def stamps(self) -> RowStamps:
        """The page's row actions rendered once (``per_lead`` blocks)."""
        if self._stamps is None:
            self._stamps = RowStamps(lambda lead_id: {"forms": self.blank_forms(lead_id)})
        return self._stamps

    def blank_forms(self, lead_id: int) -> dict:
        """The blank forms of this page's row actions for ``lead_id``."""
        return {
            name: self.blank_form(name, lead_id)
            for name in self.forms
            if ACTIONS[name].form is not None and not ACTIONS[name].needs_reps
        }

    def blank_form(self, name: str, lead_id: int) -> BlankForm:
        """The blank form of action ``name`` for lead ``lead_id``, as
        ``_action_form_fields.html`` renders it."""
        action = ACTIONS[name]
        html = _blank_fields_html(name, self.reasons if action.needs_reasons else None)
        # Element ids are "id_<form action>_<lead id>_<field>" (LeadActionForm);
        # the rendering was escaped by the template, the id is a number.
        placeholder = f"id_{action.form.action}_{_ANY_LEAD}_"
        stamped = html.replace(placeholder, f"id_{action.form.action}_{int(lead_id)}_")
        return BlankForm(mark_safe(stamped))  # noqa: S308

    def blank_reassign(self, lead: Lead) -> BlankReassignForm:
        """The blank reassign picker of an all-leads row: every active rep but
        the lead's own (the options rendered once per page)."""
        if self._rep_options is None:
            self._rep_options = (
                ("", format_html('<option value="">{}</option>', "Choose a rep…")),
                *((pk, format_html('<option value="{}">{}</option>', pk, name)) for pk, name in self.reps),
            )
        # Each option was escaped by format_html; joined, they stay safe.
        options = "".join(html for pk, html in self._rep_options if pk != lead.assigned_rep_id)
        options_html = mark_safe(options)  # noqa: S308
        select = BlankSelectField(
            id_for_label=f"id_{ReassignForm.action}_{lead.pk}_rep", options_html=options_html
        )
        return BlankReassignForm(rep=select)

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
            forms=tuple(names),
        )


@lru_cache(maxsize=64)
def _blank_fields_html(name: str, reasons: ReasonChoices | None) -> str:
    """The fields of action ``name``'s blank form, rendered for the
    placeholder lead. The same for every page that offers the same reason
    codes (the key), so each process renders them once, not once per page."""
    page_choices = PageChoices(reasons=reasons)
    form = _action_form(ACTIONS[name], _ANY_LEAD, page_choices)
    return render_to_string("leads/_action_form_fields.html", {"form": form})


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
    """A list whose rows carry lead actions: its rows for a user, the row
    template, and which action forms its rows show."""

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
    kind: str, lead: Lead, *, request, rulebook, choices, next_url, bound=None, error: str = ""
) -> dict:
    """Everything one row's template needs; ``bound`` replaces the blank form
    of its action (to show errors) and opens it."""
    lead.grade = rulebook.grade_for(lead.criteria_count)
    if kind == "worked":
        lead.touches_required = rulebook.touches_required(lead.grade)
    may_reassign = "reassign" in _open_lead_actions(lead, request.user)
    # The blank action forms are drawn once per page (``row_stamps``, the
    # template's ``per_lead`` blocks); a row holds only its own picker and a
    # form that came back with errors.
    forms = {}
    if may_reassign and "reassign" in ROW_KINDS[kind].forms:
        forms["reassign"] = choices.blank_reassign(lead)
    open_form = None
    if bound is not None:
        forms[bound.action] = bound
        open_form = bound.action
    return {
        "lead": lead,
        "forms": forms,
        "open_form": open_form,
        # A refusal with a form shows on the form; one without (accept) on the row.
        "row_error": error if error and bound is None else None,
        "next_url": next_url,
        "row_kind": kind,
        "may_reassign": may_reassign,
        "show_reassign": _shows_reassign(request.user),
        "row_stamps": choices.stamps,
    }


def _row_list(kind: str) -> RowList:
    """The ``RowList`` of one of the ``ROW_KINDS``: the row fetched through
    the list's own selector, so a lead that left the list loses its row."""

    def fetch(request, pk):
        return ROW_KINDS[kind].rows(request.user).filter(pk=pk).first()

    def context(request, lead, *, outcome="", error="", action=None, bound=None):
        forms = {*ROW_KINDS[kind].forms, *([action] if action else [])}
        return _row_context(
            kind,
            lead,
            request=request,
            rulebook=selectors.rulebook_current(),
            choices=PageChoices.for_actions(forms),
            next_url=safe_next(request, reverse("lead-detail", args=[lead.pk])),
            bound=bound,
            error=error,
        )

    return RowList(name=kind, template=ROW_KINDS[kind].template, fetch=fetch, context=context)


ROW_LISTS = tuple(_row_list(kind) for kind in ROW_KINDS)
