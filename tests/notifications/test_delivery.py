"""Email notifications (SPEC §8): who is told what, only after the change
commits, once (at least once if a worker dies mid-send), and never a kind
the recipient turned off."""

from __future__ import annotations

import io
import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from leadcourt.accounts import roles
from leadcourt.accounts.models import Department
from leadcourt.errors import InvalidInput
from leadcourt.notifications.models import (
    Notification,
    NotificationKind,
    NotificationOptOut,
    NotificationStatus,
)
from leadcourt.notifications.services import (
    CLAIM_TIMEOUT,
    notification_deliver,
    notification_kinds_enabled,
    notification_preferences_set,
    notifications_muted,
    notifications_requeue_stale,
)
from leads import services
from leads.services import rulebook_version_create
from tests import factories
from tests.adjudication.builders import appeal_case, verdict
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

CLAIM_TIMEOUT_MINUTES = CLAIM_TIMEOUT // timedelta(minutes=1)


def mails_to(mailoutbox, user) -> list:
    return [mail for mail in mailoutbox if mail.to == [user.email]]


def test_the_rep_is_mailed_about_a_delivered_lead_only_after_commit(
    clock, marketer, rep, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        lead = factories.mql(marketer, rep, company="Analytical Engines Ltd")
        assert mailoutbox == []  # recorded, not sent: the transaction may still roll back

    for callback in callbacks:
        callback()

    (mail,) = mailoutbox
    assert mail.to == [rep.email]
    assert mail.subject == "New lead for you: Ada Lovelace (Analytical Engines Ltd)"
    assert f"http://127.0.0.1:8000/leads/{lead.pk}/" in mail.body
    assert "Accept or reject it by Mon 20 Jan 2025, 17:00 GMT" in mail.body
    assert "cannot be turned off" in mail.body
    assert Notification.objects.get().status == NotificationStatus.SENT


def test_a_refused_action_records_and_sends_nothing(
    clock, marketer, rep, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    lead = factories.mql(marketer, rep)
    before = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(InvalidInput):
        services.lead_reject(lead=lead, actor=rep, reason="not_a_reason")

    assert (Notification.objects.count(), callbacks, mailoutbox) == (before, [], [])


def test_a_rolled_back_transaction_sends_nothing(
    clock, marketer, rep, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    lead = factories.mql(marketer, rep)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        services.lead_reject(lead=lead, actor=rep, reason="no_budget")
        transaction.set_rollback(True)

    assert callbacks == []
    assert mailoutbox == []
    assert not Notification.objects.filter(kind=NotificationKind.LEAD_REJECTED).exists()


def test_the_marketer_is_mailed_the_rejection_reason_and_appeal_deadline(
    clock, marketer, rep, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    lead = factories.mql(marketer, rep)

    with django_capture_on_commit_callbacks(execute=True):
        services.lead_reject(lead=lead, actor=rep, reason="no_budget", note="Frozen until Q3.")

    (mail,) = mails_to(mailoutbox, marketer)
    assert mail.subject == "Sales rejected Ada Lovelace: No budget"
    assert "Note: Frozen until Q3." in mail.body
    assert "appeal by Fri 24 Jan 2025, 17:00 GMT" in mail.body
    assert (
        "You can turn this kind of email off: http://127.0.0.1:8000/notifications/preferences/" in mail.body
    )


def test_judges_who_may_decide_are_mailed_about_a_new_case_and_parties_are_not(
    clock, rep, judge, admin_user, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    # A marketer who is also a judge is a party to her own lead's case.
    marketing_judge = make_user(
        "marketing_judge", roles.MARKETER, roles.JUDGE, department=Department.MARKETING
    )
    sales_judge = make_user("sales_judge", roles.JUDGE, department=Department.SALES)
    rulebook_version_create(actor=admin_user, independent_judges=True)

    with django_capture_on_commit_callbacks(execute=True):
        case = appeal_case(marketing_judge, rep)

    told = {mail.to[0] for mail in mailoutbox if "New case" in mail.subject}
    assert told == {judge.email}  # not the party, not the sales judge (independence)
    (mail,) = mails_to(mailoutbox, judge)
    assert mail.subject == f"New case #{case.pk} (appeal): Ada Lovelace"
    assert f"/cases/{case.pk}/" in mail.body
    assert sales_judge.email not in {m.to[0] for m in mailoutbox}


def test_both_parties_are_mailed_the_verdict(
    clock, marketer, rep, judge, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    case = appeal_case(marketer, rep)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        verdict(case, judge, "overturn", rationale="No call was made before rejecting.")

    verdicts = [mail for mail in mailoutbox if mail.subject.startswith("Verdict")]
    assert sorted(mail.to[0] for mail in verdicts) == sorted([rep.email, marketer.email])
    assert verdicts[0].subject == f"Verdict on case #{case.pk}: Overturn (sales must follow up)"
    assert "Rationale: No call was made before rejecting." in verdicts[0].body
    assert "Rep must follow it up by" in verdicts[0].body


def test_a_reassigned_lead_is_announced_to_its_new_rep(
    clock, marketer, rep, manager, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    lead = factories.mql(marketer, rep)
    other_rep = make_user("other_rep", roles.SALES_REP, department=Department.SALES)

    with django_capture_on_commit_callbacks(execute=True):
        services.lead_reassign(lead=lead, actor=manager, rep=other_rep)

    (mail,) = mails_to(mailoutbox, other_rep)
    assert mail.subject == "Reassigned to you: Ada Lovelace"
    assert "A manager reassigned this lead to you" in mail.body


def test_a_user_who_turned_rejections_off_gets_none_but_still_gets_verdicts(
    clock, marketer, rep, judge, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    notification_preferences_set(user=marketer, disabled=[NotificationKind.LEAD_REJECTED])

    with django_capture_on_commit_callbacks(execute=True):
        case = appeal_case(marketer, rep)
        verdict(case, judge, "uphold")

    assert not Notification.objects.filter(recipient=marketer, kind=NotificationKind.LEAD_REJECTED).exists()
    assert [mail.subject.split(":")[0] for mail in mails_to(mailoutbox, marketer)] == [
        f"Verdict on case #{case.pk}"
    ]


def test_essential_kinds_cannot_be_turned_off(marketer):
    with pytest.raises(InvalidInput) as refused:
        notification_preferences_set(
            user=marketer, disabled=[NotificationKind.CASE_DECIDED, NotificationKind.LEAD_REJECTED]
        )

    assert "cannot be turned off" in refused.value.message
    assert not NotificationOptOut.objects.exists()  # the valid half was not applied either
    assert NotificationKind.CASE_DECIDED in notification_kinds_enabled(user=marketer)
    # Below the service too: the database refuses such a row.
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationOptOut.objects.create(user=marketer, kind=NotificationKind.LEAD_ASSIGNED)


def test_a_notification_is_mailed_once_however_often_delivery_runs(clock, marketer, rep, mailoutbox):
    factories.mql(marketer, rep)
    notification = Notification.objects.get()

    outcomes = [notification_deliver(notification_id=notification.pk) for _ in range(3)]

    assert outcomes == ["sent", "nothing to do", "nothing to do"]
    assert len(mailoutbox) == 1


def test_turning_a_kind_off_after_it_was_recorded_skips_its_delivery(clock, marketer, rep, mailoutbox):
    factories.rejected(marketer, rep)
    rejection = Notification.objects.get(kind=NotificationKind.LEAD_REJECTED)
    notification_preferences_set(user=marketer, disabled=[NotificationKind.LEAD_REJECTED])

    outcome = notification_deliver(notification_id=rejection.pk)

    rejection.refresh_from_db()
    assert outcome == "skipped: recipient turned this kind off"
    assert (rejection.status, mailoutbox) == (NotificationStatus.SKIPPED, [])


def test_a_recipient_without_an_email_address_is_skipped(clock, marketer, rep, mailoutbox):
    rep.email = ""
    rep.save()
    factories.mql(marketer, rep)

    outcome = notification_deliver(notification_id=Notification.objects.get().pk)

    assert outcome == "skipped: recipient has no email address"
    assert mailoutbox == []


def test_a_mail_server_failure_leaves_the_notification_pending_for_a_retry(clock, marketer, rep, mailoutbox):
    factories.mql(marketer, rep)
    notification = Notification.objects.get()

    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=smtplib.SMTPServerDisconnected("gone")),
        pytest.raises(smtplib.SMTPServerDisconnected),
    ):
        notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING

    assert notification_deliver(notification_id=notification.pk) == "sent"
    assert len(mailoutbox) == 1


def test_a_send_that_fails_hands_the_claim_back_and_the_task_retry_mails_it_once(
    clock, marketer, rep, while_sending, mailoutbox
):
    from leadcourt.notifications.tasks import notification_deliver as deliver_task

    factories.mql(marketer, rep)
    notification = Notification.objects.get()
    during_sends = []

    def fail_the_first_time() -> None:
        during_sends.append(Notification.objects.values_list("status", flat=True).get(pk=notification.pk))
        if len(during_sends) == 1:
            raise smtplib.SMTPServerDisconnected("gone")

    while_sending(fail_the_first_time)

    # In-process, as a worker would run it: apply() without propagating the
    # first error performs the task's autoretry (OSError) too, at once.
    assert deliver_task.apply(args=[[notification.pk]], throw=False).get() == {"sent": 1}

    assert during_sends == [NotificationStatus.SENDING, NotificationStatus.SENDING]  # claimed each time
    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.subject) == (
        NotificationStatus.SENT,
        "New lead for you: Ada Lovelace",
    )


def test_a_failed_send_leaves_the_notification_pending_and_unclaimed(
    clock, marketer, rep, while_sending, mailoutbox
):
    factories.mql(marketer, rep)
    notification = Notification.objects.get()
    while_sending(mock.Mock(side_effect=smtplib.SMTPRecipientsRefused({})))

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        notification_deliver(notification_id=notification.pk)

    notification.refresh_from_db()
    assert (notification.status, notification.claimed_at, mailoutbox) == (
        NotificationStatus.PENDING,
        None,
        [],
    )
    while_sending(None)
    assert notification_deliver(notification_id=notification.pk) == "sent"
    assert len(mailoutbox) == 1


def claimed_by_a_worker_that_died(notification: Notification) -> None:
    """What a worker leaves behind when it is killed mid-send: the claim,
    never released, never marked sent."""
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENDING, claimed_at=timezone.now()
    )


def test_a_claim_abandoned_past_the_timeout_is_taken_over_and_mailed(clock, marketer, rep, mailoutbox):
    factories.mql(marketer, rep)
    notification = Notification.objects.get()
    claimed_by_a_worker_that_died(notification)
    clock.advance(minutes=CLAIM_TIMEOUT_MINUTES + 1)

    assert notification_deliver(notification_id=notification.pk) == "sent"

    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.claimed_at == notification.sent_at == clock.now()  # the new claim


def test_a_fresh_claim_held_by_another_worker_is_not_taken(clock, marketer, rep, mailoutbox):
    factories.mql(marketer, rep)
    notification = Notification.objects.get()
    claimed_by_a_worker_that_died(notification)  # or one still sending: too early to tell
    claimed_at = clock.now()
    clock.advance(minutes=CLAIM_TIMEOUT_MINUTES - 1)

    assert notification_deliver(notification_id=notification.pk) == "nothing to do"

    assert mailoutbox == []
    notification.refresh_from_db()
    assert (notification.status, notification.claimed_at) == (NotificationStatus.SENDING, claimed_at)


def test_the_stale_requeue_takes_abandoned_claims_but_not_fresh_ones(
    clock, marketer, rep, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    abandoned = Notification.objects.get(lead=factories.mql(marketer, rep))
    claimed_by_a_worker_that_died(abandoned)
    clock.advance(minutes=CLAIM_TIMEOUT_MINUTES - 1)
    in_flight = Notification.objects.get(lead=factories.mql(marketer, rep))
    claimed_by_a_worker_that_died(in_flight)
    clock.advance(minutes=2)  # the first claim is now past the timeout, the second is not

    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_requeue_stale() == 1

    abandoned.refresh_from_db()
    in_flight.refresh_from_db()
    assert (abandoned.status, in_flight.status) == (NotificationStatus.SENT, NotificationStatus.SENDING)
    assert len(mailoutbox) == 1


def test_a_worker_whose_claim_was_taken_over_does_not_mark_the_new_claim_sent(
    clock, marketer, rep, while_sending, mailoutbox
):
    # At least once: a worker so slow that its claim went stale may mail the
    # same notification as the one that took it over. It must not record
    # that other worker's delivery as its own.
    factories.mql(marketer, rep)
    notification = Notification.objects.get()

    def taken_over_while_this_worker_sends() -> None:
        clock.advance(minutes=CLAIM_TIMEOUT_MINUTES + 1)
        Notification.objects.filter(pk=notification.pk).update(claimed_at=timezone.now())

    while_sending(taken_over_while_this_worker_sends)

    assert notification_deliver(notification_id=notification.pk) == "sent; claim taken over"

    notification.refresh_from_db()
    assert (notification.status, notification.claimed_at, notification.sent_at) == (
        NotificationStatus.SENDING,
        clock.now(),
        None,
    )
    assert len(mailoutbox) == 1


def test_the_database_refuses_a_sending_row_without_a_claim_time(clock, marketer, rep):
    factories.mql(marketer, rep)

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.update(status=NotificationStatus.SENDING, claimed_at=None)


def test_a_deleted_notification_is_passed_over_quietly(celery_eager):
    from leadcourt.notifications.tasks import notification_deliver as deliver_task

    assert deliver_task.delay([987654321]).get() == {"nothing to do": 1}


def test_muted_services_record_no_notifications(clock, marketer, rep):
    with notifications_muted():
        factories.rejected(marketer, rep)

    assert not Notification.objects.exists()


def test_the_demo_seed_sends_no_mail(settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.DEBUG = True  # seed_demo refuses to run in production mode

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", leads=30, stdout=io.StringIO())

    assert not Notification.objects.exists()
    assert mailoutbox == []
