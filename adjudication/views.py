"""Browser pages of the judicial branch: the review queue, the case page
(statements, verdicts), and the marketer's rejected leads (appeal, concede).

Views parse forms and call services; a service's refusal is shown on the form
(400) and nothing is written. Unknown or invisible objects are 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_POST

from adjudication import selectors
from adjudication.forms import AppealForm, StatementForm, VerdictForm
from adjudication.models import CaseKind, CaseStatus
from adjudication.services import case_open_appeal, case_statement_add, case_verdict_render, lead_concede
from leadcourt import clock
from leadcourt.accounts import roles
from leadcourt.errors import ApplicationError
from leadcourt.form_errors import form_add_service_error
from leadcourt.replica_reads import reads_from_replica
from leadcourt.row_actions import RowList, row_answer, row_list_posting
from leads.criteria import Criterion
from leads.deadlines import WORKING_HOURS_PER_DAY, working_time_between
from leads.models import Lead, LeadState, RulebookVersion
from leads.pagination import offset_page
from leads.rulebook_display import rulebook_rules
from leads.selectors import lead_allowed_transitions, lead_get_visible, lead_touches, rulebook_current
from leads.templatetags.row_stamps import RowStamps

PAGE_SIZE = 25

# The rules a judge needs beside each kind of case (SPEC §6: "the rulebook
# excerpt that applies").
RULES_BY_KIND = {
    CaseKind.APPEAL: ("appeal_days", "review_days", "panel_size", "independent_judges"),
    CaseKind.IGNORED: ("decision_hours", "business_hours_only", "review_days", "panel_size"),
    CaseKind.NOT_FOLLOWED_UP: (
        "followup_days",
        "touches_grade_a",
        "touches_grade_b",
        "review_days",
        "panel_size",
    ),
    CaseKind.AUDIT: ("review_mode", "sample_percent", "review_days", "panel_size"),
}


@login_required
@reads_from_replica
def review_queue_page(request):
    """Judges: the open cases they may decide. Everyone else: their cases."""
    user = request.user
    rulebook = rulebook_current()
    is_judge = roles.is_judge(user)
    number = request.GET.get("page")
    if is_judge:
        page = selectors.review_queue_page(judge=user, number=number, size=PAGE_SIZE)
        heading = "Review queue"
    else:
        # An unknown status (typed into the address) lists every case rather than failing.
        status = request.GET.get("status")
        page = selectors.cases_list_page(
            user=user, number=number, size=PAGE_SIZE, status=status if status in CaseStatus.values else None
        )
        heading = "My cases"
    return render(
        request,
        "adjudication/review_queue.html",
        {
            "heading": heading,
            "queue": is_judge,  # the judge's queue, rather than the cases about my leads
            "page": page,
            "rulebook": rulebook,
            "independent_recusal": is_judge and selectors.judge_barred_by_independence(user, rulebook),
        },
    )


def _case_or_404(request, pk: int):
    case = selectors.case_get_visible(user=request.user, case_id=pk)
    if case is None:
        raise Http404("No such case.")
    return case


def _case_page(request, case, *, verdict_form=None, statement_form=None, status=200):
    user = request.user
    rulebook = rulebook_current()
    lead = case.lead
    votes = list(selectors.case_votes(case=case))
    is_judge = roles.is_judge(user) or roles.is_superuser(user)
    recusal = None
    may_vote = False
    if case.status == CaseStatus.OPEN and is_judge:
        recusal = selectors.case_recusal_reason(case=case, judge=user, rulebook=rulebook)
        may_vote = recusal is None and all(vote.judge_id != user.pk for vote in votes)
    is_party = user.pk in selectors.case_party_ids(case)
    met = set(lead.criteria)
    # A panel decides by majority (SPEC §6): show who voted and how many more it takes.
    majority = rulebook.votes_to_decide
    my_vote = next((vote for vote in votes if vote.judge_id == user.pk), None)
    return render(
        request,
        "adjudication/case_detail.html",
        {
            "case": case,
            "lead": lead,
            "criteria": [(c.value, c.label, c.value in met) for c in Criterion],
            "statements": selectors.case_statements(case=case),
            "votes": votes,
            "majority": majority,
            "my_vote": my_vote,
            "is_judge": is_judge,
            "touches": lead_touches(lead=lead),
            "precedents": selectors.case_precedents(case=case),
            "rules": rulebook_rules(rulebook, RULES_BY_KIND[case.kind]),
            "state_before": LeadState(case.snapshot.get("state_before", lead.state)).label,
            "rulebook": rulebook,
            "recusal": recusal,
            "may_vote": may_vote,
            "is_party": is_party and case.status == CaseStatus.OPEN,
            "verdict_form": verdict_form or (VerdictForm(case=case) if may_vote else None),
            "statement_form": statement_form or StatementForm(),
        },
        status=status,
    )


@login_required
def case_detail_page(request, pk: int):
    return _case_page(request, _case_or_404(request, pk))


@login_required
@require_POST
def case_verdict_submit(request, pk: int):
    case = _case_or_404(request, pk)
    form = VerdictForm(request.POST, case=case)
    if form.is_valid():
        data = form.cleaned_data
        try:
            case_verdict_render(
                case=case,
                actor=request.user,
                decision=data["decision"],
                finding=data["finding"],
                rationale=data["rationale"],
                cause=data["cause"],
                reassign_to=data["reassign_to"],
            )
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            case.refresh_from_db()
            if case.status == CaseStatus.DECIDED:
                messages.success(request, f"Verdict rendered: {case.get_decision_display()}.")
            else:
                messages.success(request, "Your vote is recorded; the panel has not reached a majority yet.")
            return redirect("case-detail", pk=case.pk)
    return _case_page(request, case, verdict_form=form, status=400)


@login_required
@require_POST
def case_statement_submit(request, pk: int):
    case = _case_or_404(request, pk)
    form = StatementForm(request.POST)
    if form.is_valid():
        try:
            case_statement_add(case=case, actor=request.user, text=form.cleaned_data["text"])
        except ApplicationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, "Statement added.")
            return redirect("case-detail", pk=case.pk)
    return _case_page(request, case, statement_form=form, status=400)


# --- the marketer's rejected leads ----------------------------------------------------------


def _appeal_window(lead: Lead, *, rulebook: RulebookVersion, now) -> dict:
    """How much of the appeal window is left, in the rulebook's terms: in
    working days and hours when deadlines count working time (the window was
    set that way), in plain days and hours otherwise."""
    due = lead.appeal_due_at
    if due is None:
        return {"expired": False, "urgent": False, "text": "No appeal window"}
    if due <= now:
        return {"expired": True, "urgent": True, "text": "Appeal window expired"}
    if rulebook.business_hours_only:
        left, day_hours, kind = working_time_between(now, due), WORKING_HOURS_PER_DAY, "working "
    else:
        left, day_hours, kind = due - now, 24, ""
    seconds = left.total_seconds()
    if seconds < 3600:
        minutes = max(1, int(seconds // 60))
        text = f"{minutes} {kind}minute{pluralize(minutes)} left"
    else:
        hours = round(seconds / 3600)
        days, hours = divmod(hours, day_hours)
        parts = []
        if days:
            parts.append(f"{days} {kind}day{pluralize(days)}")
        if hours:
            parts.append(f"{hours} {'' if days else kind}hour{pluralize(hours)}")
        text = " ".join(parts) + " left"
    return {"expired": False, "urgent": seconds < day_hours * 3600, "text": text}


def _appeal_form(lead: Lead, data=None) -> AppealForm:
    # Prefixed: the page holds one form per rejected lead.
    return AppealForm(data, prefix=f"lead-{lead.pk}")


def _rejected_card_context(request, lead: Lead, *, outcome="", error="", form=None, case=None) -> dict:
    if form is not None and not error:
        error = " ".join(form.non_field_errors())
    return {
        "lead": lead,
        "form": form or _appeal_form(lead),
        "window": _appeal_window(lead, rulebook=rulebook_current(), now=clock.now()),
        "outcome": outcome,
        "case": case,
        "error": error,
        "recycle": "recycle" in lead_allowed_transitions(lead=lead, user=request.user),
    }


# The cards of "Rejected leads". An appealed or conceded lead keeps its card
# for this answer (the page drops it on the next load), so the card can say
# what happened and link the case or the recycling.
REJECTED_CARDS = RowList(
    name="rejected",
    template="adjudication/_rejected_card.html",
    fetch=lambda request, pk: lead_get_visible(user=request.user, lead_id=pk),
    context=_rejected_card_context,
    says_outcome=True,
)


@login_required
@reads_from_replica
def rejected_leads_page(request, *, forms_by_lead=None, status=200):
    """The marketer's rejected leads, window closing soonest first: the reason,
    the rep's note, the appeal window left, and Appeal / Concede in place
    (HTMX swaps the card; without JavaScript the forms post normally).
    Other roles have no such page (403). A fixed number of queries per page."""
    if not (roles.is_marketer(request.user) or roles.is_superuser(request.user)):
        raise PermissionDenied("Only marketers have rejected leads to appeal.")
    leads = selectors.marketer_rejected_leads(marketer=request.user)
    page = offset_page(leads, number=request.GET.get("page"), size=PAGE_SIZE)
    rulebook, now = rulebook_current(), clock.now()
    forms_by_lead = forms_by_lead or {}
    rows = [
        {
            "lead": lead,
            # A card's own form only when it came back with errors; the blank
            # appeal form is drawn once for the page (``row_stamps``).
            "form": forms_by_lead.get(lead.pk),
            "open_form": "appeal" if lead.pk in forms_by_lead else None,
            "window": _appeal_window(lead, rulebook=rulebook, now=now),
        }
        for lead in page
    ]
    # The stand-in lead's blank appeal form, its ids stamped per card.
    stamps = RowStamps(lambda lead_id: {"form": AppealForm(prefix=f"lead-{lead_id}")})
    return render(
        request,
        "adjudication/rejected_leads.html",
        {"page": page, "rows": rows, "row_stamps": stamps},
        status=status,
    )


def _visible_lead_or_404(request, pk: int):
    lead = lead_get_visible(user=request.user, lead_id=pk)
    if lead is None:
        raise Http404("No such lead.")
    return lead


@login_required
@require_POST
def lead_appeal_submit(request, pk: int):
    """Appeal a rejection (the argument is required). HTMX gets the card back:
    the case it opened, or the form with the reason it was refused."""
    lead = _visible_lead_or_404(request, pk)
    card = row_list_posting(request, REJECTED_CARDS)
    form = _appeal_form(lead, request.POST)
    status = 400
    if form.is_valid():
        try:
            case = case_open_appeal(lead=lead, actor=request.user, argument=form.cleaned_data["argument"])
        except ApplicationError as error:
            form_add_service_error(form, error)
            status = error.status
        else:
            if card is not None:
                return row_answer(
                    request,
                    card,
                    lead.pk,
                    outcome=f"Appealed: case #{case.pk} is before the judges.",
                    case=case,
                )
            messages.success(request, f"Appeal filed: case #{case.pk} is before the judges.")
            return redirect("case-detail", pk=case.pk)
    if card is not None:
        return row_answer(request, card, lead.pk, form=form, status=status)
    return rejected_leads_page(request, forms_by_lead={lead.pk: form}, status=status)


@login_required
@require_POST
def lead_concede_submit(request, pk: int):
    """Concede a rejection: the lead goes back to marketing (and may be recycled)."""
    lead = _visible_lead_or_404(request, pk)
    card = row_list_posting(request, REJECTED_CARDS)
    try:
        lead_concede(lead=lead, actor=request.user)
    except ApplicationError as error:
        if card is not None:
            return row_answer(request, card, lead.pk, error=error.message, status=error.status)
        messages.error(request, error.message)
    else:
        if card is not None:
            return row_answer(request, card, lead.pk, outcome="Conceded: the lead is back with marketing.")
        messages.success(request, f"Conceded: {lead} is back with marketing.")
    return redirect("rejected-leads")
