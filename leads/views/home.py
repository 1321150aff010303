"""Where each person lands, and the rulebook page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from leadcourt.accounts import roles
from leads import selectors
from leads.criteria import Criterion
from leads.rulebook_display import rulebook_rules


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
