"""Email notifications (SPEC §8): who is told what, only after the change
commits, at most once, and never a kind the recipient turned off."""

from __future__ import annotations

import io
import smtplib
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

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
    notification_deliver,
    notification_kinds_enabled,
    notification_preferences_set,
    notifications_muted,
)
from leads import services
from leads.services import rulebook_version_create
from tests import factories
from tests.adjudication.builders import appeal_case, verdict
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


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
