"""The set-based opening of cases racing people and other workers, on real
PostgreSQL row locks (these tests commit: see test_concurrency.py for why the
module also restores the migrated data afterwards)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.db.models import Count

from adjudication import services as court
from adjudication import sweeps
from adjudication.models import Case, CaseKind
from leadcourt.notifications.models import Notification, NotificationKind
from leads import services
from leads.locks import lead_lock
from leads.models import Lead, LeadEvent, LeadState
from tests import factories
from tests.concurrency import run_at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_restored"),
]


def _wait_for_a_backend_waiting_on_a_lock(timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


def test_a_rep_accepting_while_the_update_waits_for_the_lead_wins_and_the_lead_gets_no_case(
    clock, marketer, rep, judge, system
):
    waiting, accepted = factories.mql(marketer, rep), factories.mql(marketer, rep)
    clock.set(accepted.decision_due_at + timedelta(minutes=1))
    lock_held = threading.Event()
    outcome: dict[str, object] = {}

    def rep_accepts_holding_the_row() -> None:
        try:
            with transaction.atomic():
                lead_lock(accepted.pk)
                lock_held.set()
                # Only once the bulk UPDATE is blocked on this row does the rep's accept go ahead.
                outcome["update_waited"] = _wait_for_a_backend_waiting_on_a_lock()
                services.lead_accept(lead=accepted, actor=rep)
        except BaseException as exc:  # reported to the test
            outcome["error"] = exc
        finally:
            connection.close()

    rep_thread = threading.Thread(target=rep_accepts_holding_the_row)
    rep_thread.start()
    assert lock_held.wait(timeout=10)

    opened = court.cases_open_ignored(lead_ids=[waiting.pk, accepted.pk], actor=system)
    rep_thread.join(timeout=30)

    assert "error" not in outcome, outcome
    assert outcome["update_waited"] is True
    # PostgreSQL re-checked the guard on the committed row: no longer an MQL.
    assert [case.lead_id for case in opened] == [waiting.pk]
    accepted.refresh_from_db()
    assert accepted.state == LeadState.SAL
    assert not Case.objects.filter(lead=accepted).exists()
    assert not LeadEvent.objects.filter(lead=accepted, transition="flag_ignored").exists()
    assert Lead.objects.get(pk=waiting.pk).state == LeadState.IN_REVIEW


def test_two_decision_sweeps_in_small_batches_open_one_case_per_overdue_lead(clock, marketer, rep, judge):
    leads = [factories.mql(marketer, rep) for _ in range(24)]
    clock.set(leads[-1].decision_due_at + timedelta(minutes=1))

    # Small batches, so that the two sweeps claim alternate batches of the same rows.
    with mock.patch("adjudication.sweeps.SWEEP_BATCH_SIZE", 4):
        reports = run_at_once(sweeps.sweep_decisions, sweeps.sweep_decisions)

    assert not [r for r in reports if isinstance(r, BaseException)], reports
    assert sum(report.counts["flagged"] for report in reports) == len(leads)
    per_lead = Case.objects.values("lead").annotate(n=Count("pk"))
    assert sorted(row["lead"] for row in per_lead) == sorted(lead.pk for lead in leads)
    assert {row["n"] for row in per_lead} == {1}
    assert set(Case.objects.values_list("kind", flat=True)) == {CaseKind.IGNORED}
    assert LeadEvent.objects.filter(transition="flag_ignored").count() == len(leads)
    told = Notification.objects.filter(kind=NotificationKind.CASE_OPENED, recipient=judge)
    assert told.count() == len(leads)
