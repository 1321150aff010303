"""Cases built through the real services, so each has the lead history and
snapshot a real case would have; and the "nothing was written" check."""

from __future__ import annotations

from contextlib import contextmanager

from adjudication import services as court
from adjudication.models import Case, Statement, Vote
from leadcourt.accounts import roles
from leads import services
from leads.models import Lead, LeadEvent
from tests import factories

ARGUMENT = "They have budget: the CFO confirmed it on the webinar."


def appeal_case(marketer, rep, *, reason="no_budget", argument=ARGUMENT, **fields) -> Case:
    """A rejection of ``rep``'s, appealed by ``marketer`` at the current time."""
    lead = factories.rejected(marketer, rep, reason=reason, **fields)
    return court.case_open_appeal(lead=lead, actor=marketer, argument=argument)


def ignored_case(marketer, rep, clock, **fields) -> Case:
    """An MQL left without a decision until the deadline passed (the clock moves past it)."""
    lead = factories.mql(marketer, rep, **fields)
    clock.set(lead.decision_due_at)
    clock.advance(minutes=1)
    return court.case_open_ignored(lead=lead, actor=roles.system_actor())


def unworked_case(marketer, rep, clock, *, touches=("call",), **fields) -> Case:
    """An accepted lead with too few touches when the follow-up deadline passed."""
    lead = factories.sal(marketer, rep, **fields)
    for channel in touches:
        clock.advance(minutes=5)
        services.lead_touch_log(lead=lead, actor=rep, channel=channel, outcome="no_answer")
    lead.refresh_from_db()
    clock.set(lead.followup_due_at)
    clock.advance(minutes=1)
    return court.case_open_not_followed_up(lead=lead, actor=roles.system_actor())


def verdict(case: Case, judge, decision: str, **extra) -> Vote:
    extra.setdefault("rationale", f"{judge.username} finds: {decision}.")
    extra.setdefault("finding", "sales" if decision in ("overturn", "follow_up") else "marketing")
    return court.case_verdict_render(case=case, actor=judge, decision=decision, **extra)


def _database_state(lead: Lead | None, case: Case | None) -> dict:
    state = {
        "leads": Lead.objects.count(),
        "events": LeadEvent.objects.count(),
        "cases": Case.objects.count(),
        "statements": Statement.objects.count(),
        "votes": Vote.objects.count(),
    }
    # Every column, read fresh from the database: a refusal changes none of them.
    if lead is not None:
        state["lead_row"] = Lead.objects.filter(pk=lead.pk).values().get()
    if case is not None:
        state["case_row"] = Case.objects.filter(pk=case.pk).values().get()
    return state


@contextmanager
def nothing_written(*, lead: Lead | None = None, case: Case | None = None):
    """Assert that the block leaves cases, statements, votes, history and the
    lead as it found them. Put it *outside* ``pytest.raises``."""
    before = _database_state(lead, case)
    yield
    assert _database_state(lead, case) == before
