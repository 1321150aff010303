"""Escalation (SPEC §6, §8): an open case past its review deadline is
escalated once, the lead's history says so, and every judge and manager gets
one digest per run listing the cases it escalated, not one mail per case."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest

from adjudication import jobs, sweeps
from adjudication.models import Case
from adjudication.notify import DIGEST_CASES_LISTED
from leadcourt.accounts import roles
from leadcourt.notifications.models import Notification, NotificationKind, NotificationStatus
from leads.models import LeadEvent
from tests import factories
from tests.adjudication.builders import appeal_case, verdict
from tests.conftest import make_user
from tests.jobs.conftest import world

pytestmark = pytest.mark.django_db

# More than a digest lists, in several of the job's batches.
BACKLOG = DIGEST_CASES_LISTED + 10


@pytest.fixture
def cases(clock, marketer, rep, judge, manager):
    """Two appeals opened on Monday morning, one of them decided; one opened later."""
    overdue = appeal_case(marketer, rep, first_name="Overdue")
    decided = appeal_case(marketer, rep, first_name="Decided")
    verdict(decided, judge, "uphold")
    clock.advance(days=6)
    recent = appeal_case(marketer, rep, first_name="Recent")
    return overdue, decided, recent


@pytest.fixture
def backlog(clock, marketer, rep):
    """``BACKLOG`` ignored leads, flagged by the decision sweep (one case each),
    then nobody decides anything for two weeks."""
    leads = [factories.mql(marketer, rep, first_name=f"Lead{n:02}", company="Acme") for n in range(BACKLOG)]
    clock.set(leads[-1].decision_due_at + timedelta(minutes=1))
    assert sweeps.sweep_decisions().counts["cases_opened"] == BACKLOG
    clock.advance(days=14)
    return list(Case.objects.order_by("due_at", "pk"))


@pytest.fixture
def small_batches():
    with mock.patch("leadcourt.jobs.batches.DEFAULT_BATCH_SIZE", 7):
        yield


def overdue_digests():
    return Notification.objects.filter(kind=NotificationKind.CASE_OVERDUE)


def test_an_overdue_case_is_escalated_once_in_a_digest_to_judges_and_managers(
    clock, cases, judge, manager, system
):
    overdue = cases[0]
    clock.set(overdue.due_at + timedelta(minutes=1))

    report = jobs.escalate_cases()

    assert str(report) == "escalated 1 overdue case, sent 2 digests to judges and managers"
    overdue.refresh_from_db()
    assert overdue.escalated_at == clock.now()
    assert set(Case.objects.exclude(pk=overdue.pk).values_list("escalated_at", flat=True)) == {None}
    told = overdue_digests()
    assert sorted(told.values_list("recipient__username", flat=True)) == ["judge", "manager"]
    assert set(told.values_list("status", flat=True)) == {NotificationStatus.PENDING}
    digest = told.first().context
    assert (digest["count"], digest["more"]) == (1, 0)
    assert [(line["id"], line["lead"]) for line in digest["cases"]] == [(overdue.pk, str(overdue.lead))]
    event = LeadEvent.objects.filter(lead=overdue.lead).last()
    assert (event.transition, event.actor, event.data["case"]) == ("case_escalated", system, overdue.pk)


def test_a_backlog_two_weeks_overdue_sends_one_digest_per_judge_and_manager(
    clock, backlog, judge, manager, small_batches
):
    second_judge = make_user("judge_two", roles.JUDGE)
    second_manager = make_user("manager_two", roles.MANAGER)
    make_user("former_judge", roles.JUDGE, is_active=False)

    report = jobs.escalate_cases()

    assert report.counts == {"escalated": BACKLOG, "notifications": 4}
    assert set(Case.objects.values_list("escalated_at", flat=True)) == {clock.now()}
    assert LeadEvent.objects.filter(transition="case_escalated").count() == BACKLOG
    digests = overdue_digests()
    assert sorted(digests.values_list("recipient_id", flat=True)) == sorted(
        [judge.pk, manager.pk, second_judge.pk, second_manager.pk]
    )
    assert digests.values("key").distinct().count() == 1  # the same run, the same digest
    for digest in digests:
        assert digest.context["count"] == BACKLOG
        assert digest.context["more"] == BACKLOG - DIGEST_CASES_LISTED
        # The most overdue first, as many as a digest lists.
        assert [line["id"] for line in digest.context["cases"]] == [
            case.pk for case in backlog[:DIGEST_CASES_LISTED]
        ]


def test_a_second_run_at_the_same_time_sends_nothing(clock, backlog, judge, manager):
    first = jobs.escalate_cases()
    after_first = world()

    second = jobs.escalate_cases()

    assert first.counts == {"escalated": BACKLOG, "notifications": 2}
    assert second.counts == {"escalated": 0, "notifications": 0}
    assert str(second) == "escalated 0 overdue cases, sent 0 digests to judges and managers"
    assert world() == after_first


def test_the_next_run_tells_only_of_cases_overdue_since(clock, cases, judge, manager):
    overdue, _, recent = cases
    clock.set(overdue.due_at + timedelta(minutes=1))
    jobs.escalate_cases()
    clock.set(recent.due_at + timedelta(minutes=1))

    report = jobs.escalate_cases()

    assert report.counts == {"escalated": 1, "notifications": 2}
    latest = overdue_digests().get(recipient=judge, context__cases__0__id=recent.pk)
    assert latest.context["count"] == 1
    assert overdue_digests().filter(recipient=judge).count() == 2


def test_the_digest_mail_lists_the_cases_and_says_how_many_more(
    clock, backlog, judge, manager, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()  # the assignment mails of the backlog's leads

    with django_capture_on_commit_callbacks(execute=True):
        jobs.escalate_cases()

    assert sorted(mail.to[0] for mail in mailoutbox) == [judge.email, manager.email]
    mail = next(mail for mail in mailoutbox if mail.to == [judge.email])
    assert mail.subject == f"Overdue: {BACKLOG} cases have no verdict"
    first, last_listed, unlisted = backlog[0], backlog[DIGEST_CASES_LISTED - 1], backlog[DIGEST_CASES_LISTED]
    assert f"These {BACKLOG} cases have passed the review deadline without a verdict" in mail.body
    assert f"Case #{first.pk} (ignored lead) — {first.lead}, Acme" in mail.body
    assert f"/cases/{first.pk}/" in mail.body
    assert f"Case #{last_listed.pk} " in mail.body
    assert f"Case #{unlisted.pk} " not in mail.body
    assert f"…and {BACKLOG - DIGEST_CASES_LISTED} more." in mail.body
    assert "/cases/\n" in mail.body  # the review queue, for the rest
    assert mail.body.count("Case #") == DIGEST_CASES_LISTED
    assert set(overdue_digests().values_list("status", flat=True)) == {NotificationStatus.SENT}


def test_a_digest_of_one_case_says_so_in_the_singular(
    clock, cases, judge, manager, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    overdue = cases[0]
    clock.set(overdue.due_at + timedelta(minutes=1))
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        jobs.escalate_cases()

    mail = next(mail for mail in mailoutbox if mail.to == [judge.email])
    assert mail.subject == "Overdue: 1 case has no verdict"
    assert "This case has passed the review deadline without a verdict:" in mail.body
    assert "more." not in mail.body
