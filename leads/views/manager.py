"""The managers' page: every lead, filtered, with reassignment."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from leadcourt.replica_reads import reads_from_replica
from leads import selectors
from leads.forms import (
    LeadListFilterForm,
)
from leads.models import Campaign
from leads.pagination import keyset_page
from leads.views.row_actions import (
    PageChoices,
    _row_context,
    _shows_reassign,
)

LEAD_LIST_PAGE_SIZE = 50


@login_required
@reads_from_replica
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
