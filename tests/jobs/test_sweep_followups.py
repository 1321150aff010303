"""The follow-up sweep (SPEC §8): accepted leads past their follow-up
deadline without the required touches become ``not_followed_up`` cases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adjudication import sweeps
from adjudication.models import Case, CaseKind
from leadcourt.notifications.models import Notification, NotificationKind
from leads import services
from leads.models import LeadEvent, LeadState
from tests import factories
from tests.jobs.conftest import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(clock, marketer, rep):
    """Two grade B leads (3 touches required) accepted on Monday morning: one
    touched once, one touched three times."""
    under, worked = factories.sal(marketer, rep, first_name="Under"), factories.sal(marketer, rep)
    for lead, touches in ((under, 1), (worked, 3)):
        for _ in range(touches):
            clock.advance(minutes=10)
            services.lead_touch_log(lead=lead, actor=rep, channel="call", outcome="no_answer")
    under.refresh_from_db()
    worked.refresh_from_db()
    return under, worked


def test_sweep_flags_the_under_worked_lead_and_leaves_the_worked_one(clock, accepted, system):
    under, worked = accepted
    clock.set(under.followup_due_at + timedelta(minutes=1))

    report = sweeps.sweep_followups()

    assert str(report).startswith("flagged 1 lead not followed up, opened 1 case")
    under.refresh_from_db()
    worked.refresh_from_db()
    assert (under.state, worked.state) == (LeadState.IN_REVIEW, LeadState.SAL)
    case = Case.objects.get()
    assert (case.lead, case.kind, case.opened_by) == (under, CaseKind.NOT_FOLLOWED_UP, system)
    assert case.snapshot["touches"]["followup_round"] == 1
    assert LeadEvent.objects.filter(lead=under).last().transition == "flag_unworked"


def test_running_the_follow_up_sweep_twice_changes_nothing_the_second_time(clock, accepted):
    clock.set(accepted[0].followup_due_at + timedelta(hours=2))
    sweeps.sweep_followups()
    after_first = world()

    report = sweeps.sweep_followups()

    assert world() == after_first
    assert report.counts == {"flagged": 0, "cases_opened": 0, "reminders": 0, "skipped": 0}


def test_rep_is_reminded_before_the_follow_up_deadline_only_for_the_under_worked_lead(clock, accepted, rep):
    under, _ = accepted
    clock.set(under.followup_due_at - timedelta(hours=2))

    first = sweeps.sweep_followups()
    second = sweeps.sweep_followups()

    assert (first.counts["reminders"], second.counts["reminders"]) == (1, 0)
    reminder = Notification.objects.get(kind=NotificationKind.FOLLOWUP_REMINDER)
    assert (reminder.lead, reminder.recipient) == (under, rep)
    assert Case.objects.count() == 0
