"""Escalation (SPEC §6, §8): an open case past its review deadline is
escalated once, to every judge and manager, and the lead's history says so."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adjudication import jobs
from adjudication.models import Case
from leadcourt.notifications.models import Notification, NotificationKind, NotificationStatus
from leads.models import LeadEvent
from tests.adjudication.builders import appeal_case, verdict
from tests.jobs.conftest import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(clock, marketer, rep, judge, manager):
    """Two appeals opened on Monday morning, one of them decided; one opened later."""
    overdue = appeal_case(marketer, rep, first_name="Overdue")
    decided = appeal_case(marketer, rep, first_name="Decided")
    verdict(decided, judge, "uphold")
    clock.advance(days=6)
    recent = appeal_case(marketer, rep, first_name="Recent")
    return overdue, decided, recent


def test_overdue_open_cases_are_escalated_once_to_judges_and_managers(clock, cases, judge, manager, system):
    overdue = cases[0]
    clock.set(overdue.due_at + timedelta(minutes=1))

    report = jobs.escalate_cases()

    assert str(report).startswith("escalated 1 overdue case, sent 2 notifications to judges and managers")
    overdue.refresh_from_db()
    assert overdue.escalated_at is not None
    assert set(Case.objects.exclude(pk=overdue.pk).values_list("escalated_at", flat=True)) == {None}
    told = Notification.objects.filter(kind=NotificationKind.CASE_OVERDUE)
    assert sorted(told.values_list("recipient__username", "case_id")) == [
        ("judge", overdue.pk),
        ("manager", overdue.pk),
    ]
    assert set(told.values_list("status", flat=True)) == {NotificationStatus.PENDING}
    event = LeadEvent.objects.filter(lead=overdue.lead).last()
    assert (event.transition, event.actor, event.data["case"]) == ("case_escalated", system, overdue.pk)


def test_escalating_twice_changes_nothing_the_second_time(clock, cases):
    clock.set(cases[2].due_at + timedelta(days=1))
    first = jobs.escalate_cases()
    after_first = world()

    second = jobs.escalate_cases()

    assert first.counts["escalated"] == 2
    assert second.counts["escalated"] == 0
    assert world() == after_first


def test_notifications_whose_delivery_never_ran_are_queued_again(
    clock, cases, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    # The appeals' and the verdict's notifications were recorded but (no
    # commit in this test) never handed to a worker, as in a broker outage.
    stale = set(Notification.objects.filter(status=NotificationStatus.PENDING).values_list("pk", flat=True))
    assert stale
    clock.advance(minutes=30)

    with django_capture_on_commit_callbacks(execute=True):
        report = jobs.escalate_cases()

    assert report.counts["requeued"] == len(stale)
    assert str(report).endswith(f"re-queued {len(stale)} undelivered notifications")
    assert set(Notification.objects.filter(pk__in=stale).values_list("status", flat=True)) == {
        NotificationStatus.SENT
    }
    assert len(mailoutbox) >= len(stale)
