"""Two people acting on the same lead at once (SPEC §2): exactly one
transition wins, the other gets a clear conflict, nothing is lost.

These tests need PostgreSQL's row locks and real commits: each thread has
its own connection and transaction, as two web requests would. A barrier
releases both threads together; the first to lock the lead then holds the
lock a moment (``slow_lock``) so the other is certain to arrive while the
winner is still deciding.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from unittest import mock

import pytest
from django.db import connection

from leadcourt.errors import Conflict, InvalidTransition
from leads import history, locks, services
from leads.models import Lead, LeadEvent, LeadState
from tests.factories import FOUR_CRITERIA, inquiry, mql

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_restored"),
]

HOLD = 0.3  # seconds the winner keeps the row locked; long against a thread start, short for CI


def run_together(*calls: Callable[[], object]) -> list[tuple[str, object]]:
    """Run the calls in threads released at the same instant; return
    ``("ok", result)`` or ``("error", exception)`` for each, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[str, object] | None] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=5)
            outcomes[index] = ("ok", call())
        except Exception as exc:
            outcomes[index] = ("error", exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return outcomes  # type: ignore[return-value]


def slow_lock(lead_id: int) -> Lead:
    """The real row lock, then a pause while holding it."""
    lead = locks.lead_lock(lead_id)
    time.sleep(HOLD)
    return lead


def slow_read_without_lock(lead_id: int) -> Lead:
    """What a service would do if it forgot the row lock: a plain read."""
    lead = Lead.objects.get(pk=lead_id)
    time.sleep(HOLD)
    return lead


def decisions(lead) -> list[str]:
    return list(
        LeadEvent.objects.filter(lead=lead, transition__in=["accept", "reject"]).values_list(
            "transition", flat=True
        )
    )


def test_accept_and_reject_at_the_same_moment_one_wins_and_the_other_gets_a_conflict(marketer, rep):
    lead = mql(marketer, rep)
    started = time.monotonic()

    with mock.patch("leads.services.transition_step.lead_lock", side_effect=slow_lock):
        outcomes = run_together(
            lambda: services.lead_accept(lead=lead, actor=rep),
            lambda: services.lead_reject(lead=lead, actor=rep, reason="no_budget"),
        )

    elapsed = time.monotonic() - started
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"], outcomes
    winner = next(value for kind, value in outcomes if kind == "ok")
    loser = next(value for kind, value in outcomes if kind == "error")
    lead.refresh_from_db()
    assert lead.state == winner.state
    assert lead.state in (LeadState.SAL, LeadState.REJECTED)
    # The loser waited for the winner's commit, then saw the new state.
    assert isinstance(loser, InvalidTransition)
    assert loser.status == 409
    assert loser.state == lead.state
    assert decisions(lead) == ["accept" if lead.state == LeadState.SAL else "reject"]
    # Serialised, not parallel: the second waited out the first one's hold.
    assert elapsed >= 2 * HOLD
    assert elapsed < 5


def test_two_accepts_at_the_same_moment_record_one_acceptance(marketer, rep):
    lead = mql(marketer, rep)

    with mock.patch("leads.services.transition_step.lead_lock", side_effect=slow_lock):
        outcomes = run_together(
            lambda: services.lead_accept(lead=lead, actor=rep),
            lambda: services.lead_accept(lead=lead, actor=rep),
        )

    errors = [value for kind, value in outcomes if kind == "error"]
    assert len(errors) == 1, outcomes
    assert isinstance(errors[0], InvalidTransition)
    assert errors[0].state == LeadState.SAL
    assert "accept" not in errors[0].allowed
    lead.refresh_from_db()
    assert lead.state == LeadState.SAL
    assert decisions(lead) == ["accept"]


def test_without_the_row_lock_the_stale_write_is_still_refused(marketer, rep):
    # The second line of defence: if a service ever read the lead without
    # locking it, both would pass their checks, and django-fsm's
    # ConcurrentTransitionMixin must refuse the stale save (409, Conflict).
    lead = mql(marketer, rep)

    with mock.patch("leads.services.transition_step.lead_lock", side_effect=slow_read_without_lock):
        outcomes = run_together(
            lambda: services.lead_accept(lead=lead, actor=rep),
            lambda: services.lead_reject(lead=lead, actor=rep, reason="no_budget"),
        )

    errors = [value for kind, value in outcomes if kind == "error"]
    assert len(errors) == 1, outcomes
    assert isinstance(errors[0], Conflict)
    assert errors[0].status == 409
    lead.refresh_from_db()
    assert len(decisions(lead)) == 1
    assert decisions(lead) == ["accept" if lead.state == LeadState.SAL else "reject"]


def test_two_marketers_qualifying_the_same_inquiry_deliver_it_once(marketer, other_marketer, rep):
    lead = inquiry(marketer, criteria=FOUR_CRITERIA)

    with mock.patch("leads.services.transition_step.lead_lock", side_effect=slow_lock):
        outcomes = run_together(
            lambda: services.lead_qualify(lead=lead, actor=marketer),
            lambda: services.lead_qualify(lead=lead, actor=other_marketer),
        )

    errors = [value for kind, value in outcomes if kind == "error"]
    assert len(errors) == 1, outcomes
    assert isinstance(errors[0], InvalidTransition)
    lead.refresh_from_db()
    assert lead.state == LeadState.MQL
    assert lead.delivery_count == 1
    assert LeadEvent.objects.filter(lead=lead, transition="qualify").count() == 1


def test_two_intakes_with_the_same_external_id_at_once_create_one_lead(marketer):
    real_record = history.lead_event_record

    def slow_record(**kwargs):
        # Hold the first intake's uncommitted row so the second one inserts
        # into the unique index behind it and loses.
        time.sleep(HOLD)
        return real_record(**kwargs)

    with mock.patch("leads.services.intake.lead_event_record", side_effect=slow_record):
        outcomes = run_together(
            lambda: services.lead_create(actor=marketer, external_id="crm-7", email="a@example.com"),
            lambda: services.lead_create(actor=marketer, external_id="crm-7", email="a@example.com"),
        )

    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    (lead_a, created_a), (lead_b, created_b) = (value for _, value in outcomes)
    assert lead_a.pk == lead_b.pk
    assert sorted([created_a, created_b]) == [False, True]
    assert Lead.objects.filter(external_id="crm-7").count() == 1
    assert LeadEvent.objects.filter(lead=lead_a).count() == 1
