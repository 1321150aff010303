"""The decision sweep (SPEC §8): MQLs past their decision deadline become
ignored cases, one each, acted by the system; reps are reminded before."""

from __future__ import annotations

import pytest

from adjudication import sweeps
from adjudication.models import Case, CaseKind, CaseStatus
from leadcourt.notifications.models import Notification, NotificationKind
from leads import services
from leads.models import LeadEvent, LeadState
from tests import factories
from tests.clock import london
from tests.jobs.conftest import world

pytestmark = pytest.mark.django_db

# Delivered Monday 13 January 2025 09:00: 48 working hours later is
# Monday 20 January 17:00.
DUE = london(2025, 1, 20, 17, 0)


@pytest.fixture
def delivered(clock, marketer, rep):
    """Three leads delivered to ``rep`` on Monday morning; one accepted at once."""
    leads = [factories.mql(marketer, rep, first_name=f"Lead{n}") for n in range(3)]
    services.lead_accept(lead=leads[2], actor=rep)
    return leads


def test_sweep_flags_each_overdue_mql_as_ignored_with_one_case_by_the_system(clock, delivered, rep, system):
    assert delivered[0].decision_due_at == DUE
    clock.set(london(2025, 1, 20, 17, 1))

    report = sweeps.sweep_decisions()

    assert str(report).startswith("flagged 2 ignored leads, opened 2 cases")
    for lead in delivered[:2]:
        lead.refresh_from_db()
        assert lead.state == LeadState.IN_REVIEW
        case = Case.objects.get(lead=lead)
        assert (case.kind, case.status, case.opened_by, case.rep) == (
            CaseKind.IGNORED,
            CaseStatus.OPEN,
            system,
            rep,
        )
        event = LeadEvent.objects.filter(lead=lead).last()
        assert (event.transition, event.actor, event.from_state) == ("flag_ignored", system, LeadState.MQL)
    accepted = delivered[2]
    accepted.refresh_from_db()
    assert accepted.state == LeadState.SAL
    assert not Case.objects.filter(lead=accepted).exists()


def test_sweep_leaves_leads_whose_deadline_has_not_passed(clock, delivered):
    clock.set(london(2025, 1, 20, 16, 59))

    report = sweeps.sweep_decisions()

    assert report.counts["flagged"] == 0
    assert Case.objects.count() == 0
    assert {lead.state for lead in [*delivered[:2]]} == {LeadState.MQL}


def test_running_the_sweep_twice_changes_nothing_the_second_time(clock, delivered):
    clock.set(london(2025, 1, 20, 17, 30))
    sweeps.sweep_decisions()
    after_first = world()

    report = sweeps.sweep_decisions()

    assert world() == after_first
    assert str(report) == "flagged 0 ignored leads, opened 0 cases, sent 0 deadline reminders"


def test_rep_is_reminded_once_when_less_than_a_working_day_is_left(clock, delivered, rep):
    # Monday 20 January 09:30: 7.5 working hours left on the two undecided leads.
    clock.set(london(2025, 1, 20, 9, 30))

    first = sweeps.sweep_decisions()
    clock.advance(minutes=5)
    second = sweeps.sweep_decisions()

    assert first.counts["reminders"] == 2
    assert second.counts["reminders"] == 0
    reminders = Notification.objects.filter(kind=NotificationKind.DECISION_REMINDER)
    assert sorted(reminders.values_list("lead_id", "recipient_id")) == [
        (delivered[0].pk, rep.pk),
        (delivered[1].pk, rep.pk),
    ]
    assert Case.objects.count() == 0


def test_no_reminder_while_more_than_a_working_day_is_left(clock, delivered):
    # Friday 17 January 16:00: one working hour on Friday, eight on Monday.
    clock.set(london(2025, 1, 17, 16, 0))

    report = sweeps.sweep_decisions()

    assert report.counts["reminders"] == 0


def test_a_reassigned_lead_earns_its_new_rep_a_reminder_of_the_new_deadline(
    clock, delivered, rep, other_rep, manager
):
    clock.set(london(2025, 1, 20, 9, 30))
    sweeps.sweep_decisions()
    # Reassigned at 09:40: a fresh 48-hour deadline; reminded again when it nears.
    clock.set(london(2025, 1, 20, 9, 40))
    services.lead_reassign(lead=delivered[0], actor=manager, rep=other_rep)
    clock.set(london(2025, 1, 27, 10, 0))

    sweeps.sweep_decisions()

    reminded = Notification.objects.filter(kind=NotificationKind.DECISION_REMINDER, lead=delivered[0])
    assert sorted(reminded.values_list("recipient__username", flat=True)) == ["other_rep", "rep"]
