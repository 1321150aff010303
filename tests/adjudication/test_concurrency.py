"""Two people acting on the same case at once, on real PostgreSQL row locks.

These tests commit (``transaction=True``), so each thread sees the others'
work. The test database is flushed afterwards, which also empties what the
data migrations seeded (roles, the system actor, rulebook v1, reason codes);
``serialized_rollback`` reloads it for the test, and ``migrated_data_restored``
(tests/conftest.py) once more after the module's last flush, so that later
tests and the next ``--reuse-db`` run still have it.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from unittest import mock

import pytest

from adjudication import selectors
from adjudication import services as court
from adjudication.models import Case, CaseStatus, Vote
from leadcourt.errors import ApplicationError, InvalidTransition
from leads.models import LeadEvent, LeadState
from tests import factories
from tests.adjudication.builders import appeal_case
from tests.clock import london
from tests.concurrency import run_at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_restored"),
]


def test_two_judges_deciding_the_same_case_at_once_produce_exactly_one_verdict(marketer, rep, judge, judge2):
    case = appeal_case(marketer, rep)
    real_recusal = selectors.case_recusal_reason
    first_locker_in = threading.Event()

    def recusal_held_by_the_first_locker(**kwargs):
        # Runs after the lead and case locks are taken: the first judge keeps
        # them a moment, so the second one surely arrives while they are held.
        if not first_locker_in.is_set():
            first_locker_in.set()
            time.sleep(0.3)
        return real_recusal(**kwargs)

    def vote(judge_, decision):
        return lambda: court.case_verdict_render(
            case=case,
            actor=judge_,
            decision=decision,
            finding="sales",
            rationale=f"{decision}, says {judge_}",
        )

    with mock.patch(
        "adjudication.services.verdicts.case_recusal_reason", side_effect=recusal_held_by_the_first_locker
    ):
        outcomes = run_at_once(vote(judge, "overturn"), vote(judge2, "uphold"))

    votes = [o for o in outcomes if isinstance(o, Vote)]
    refusals = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(votes) == 1 and len(refusals) == 1, outcomes
    assert isinstance(refusals[0], InvalidTransition)
    assert refusals[0].status == 409
    winner = votes[0]
    case.refresh_from_db()
    assert list(Vote.objects.filter(case=case)) == [winner]
    assert (case.status, case.decision, case.decided_by) == (
        CaseStatus.DECIDED,
        winner.decision,
        winner.judge,
    )
    events = LeadEvent.objects.filter(lead=case.lead, transition__startswith="verdict_")
    assert list(events.values_list("transition", flat=True)) == [f"verdict_{winner.decision}"]
    case.lead.refresh_from_db()
    assert case.lead.state == (LeadState.SAL if winner.decision == "overturn" else LeadState.RETURNED)


def test_two_workers_running_the_monthly_sample_at_once_audit_each_lead_once(
    clock, rules, marketer, rep, system
):
    for day in range(3, 9):
        clock.set(london(2025, 3, day, 10, 0))
        factories.rejected(marketer, rep)
    rules(sample_percent=50)
    clock.set(london(2025, 4, 1, 6, 0))
    month = date(2025, 3, 1)

    def worker():
        return court.monthly_sample_open_cases(month=month, actor=system)

    first, second = run_at_once(worker, worker)

    assert not isinstance(first, BaseException), first
    assert not isinstance(second, BaseException), second
    assert first.picked == second.picked
    assert len(first.picked) == 3
    opened = [case.lead_id for case in (*first.opened, *second.opened)]
    assert sorted(opened) == first.picked
    # Whatever one worker opened, the other skipped.
    assert sorted([*first.skipped, *second.skipped]) == first.picked
    assert sorted(Case.objects.filter(sample_month=month).values_list("lead_id", flat=True)) == first.picked


def test_a_dissent_cast_while_the_deciding_vote_is_applied_waits_and_is_refused(
    rules, marketer, rep, judge, judge2, judge3
):
    rules(panel_size=3)
    case = appeal_case(marketer, rep)
    court.case_verdict_render(
        case=case, actor=judge, decision="overturn", finding="sales", rationale="First."
    )
    real_recusal = selectors.case_recusal_reason
    deciding_judge_holds_the_locks = threading.Event()

    def recusal_holding_for_the_deciding_judge(**kwargs):
        if kwargs["judge"].pk == judge2.pk:
            deciding_judge_holds_the_locks.set()
            time.sleep(0.3)
        return real_recusal(**kwargs)

    def deciding_vote():
        return court.case_verdict_render(
            case=case, actor=judge2, decision="overturn", finding="sales", rationale="Agreed."
        )

    def dissent_arriving_meanwhile():
        assert deciding_judge_holds_the_locks.wait(timeout=5)
        return court.case_verdict_render(
            case=case, actor=judge3, decision="uphold", finding="marketing", rationale="I disagree."
        )

    with mock.patch(
        "adjudication.services.verdicts.case_recusal_reason",
        side_effect=recusal_holding_for_the_deciding_judge,
    ):
        deciding, dissent = run_at_once(deciding_vote, dissent_arriving_meanwhile)

    assert isinstance(deciding, Vote), deciding
    # The dissent waited for the locks, then found the case decided: refused,
    # not recorded as a vote cast after the verdict.
    assert isinstance(dissent, InvalidTransition), dissent
    case.refresh_from_db()
    assert (case.status, case.decision, case.decided_by) == (CaseStatus.DECIDED, "overturn", judge2)
    assert list(Vote.objects.filter(case=case).values_list("judge", flat=True)) == [judge.pk, judge2.pk]
    event = LeadEvent.objects.get(lead=case.lead, transition="verdict_overturn")
    assert (event.data["votes"], event.data["dissent"]) == (2, 0)
