"""The rep's pages: the inbox of leads waiting for a decision, and the
accepted leads being worked."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from leadcourt.accounts import roles
from leadcourt.replica_reads import reads_from_replica
from leads import selectors
from leads.pagination import offset_page
from leads.views.row_actions import (
    ROW_KINDS,
    PageChoices,
    _row_context,
)

INBOX_PAGE_SIZE = 25
WORKED_PAGE_SIZE = 25


def _require_rep(request) -> None:
    if not (roles.is_sales_rep(request.user) or roles.is_superuser(request.user)):
        raise Http404("Only sales reps have an inbox.")


def _rows_page(request, *, kind: str, qs, annotate, size: int, template: str):
    """A page of the rep's rows: chosen from the list's index, counted up to
    ``COUNT_CAP``, and only then given their touch counts (``annotate``)."""
    rulebook = selectors.rulebook_current()
    page = offset_page(qs, number=request.GET.get("page"), size=size, annotate=annotate)
    choices = PageChoices.for_actions(ROW_KINDS[kind].forms)
    next_url = request.get_full_path()
    rows = [
        _row_context(kind, lead, request=request, rulebook=rulebook, choices=choices, next_url=next_url)
        for lead in page.rows
    ]
    return render(request, template, {"page": page, "rows": rows, "rulebook": rulebook})


@login_required
@reads_from_replica
def rep_inbox_page(request):
    """Leads waiting for my decision, nearest deadline first (SPEC §9)."""
    _require_rep(request)
    return _rows_page(
        request,
        kind="inbox",
        qs=selectors.rep_inbox(rep=request.user),
        annotate=selectors.with_touch_count,
        size=INBOX_PAGE_SIZE,
        template="leads/rep_inbox.html",
    )


@login_required
@reads_from_replica
def rep_worked_page(request):
    """My accepted leads and opportunities: follow-up progress and the next step."""
    _require_rep(request)
    return _rows_page(
        request,
        kind="worked",
        qs=selectors.rep_worked_leads(rep=request.user),
        annotate=selectors.with_followup_touch_counts,
        size=WORKED_PAGE_SIZE,
        template="leads/rep_worked.html",
    )
