"""The notification preferences page: every user's own, essential kinds
shown as always on, optional ones as checkboxes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leadcourt.notifications.models import (
    ESSENTIAL_KINDS,
    NotificationKind,
    NotificationOptOut,
)
from leadcourt.notifications.services import notification_kinds_enabled

pytestmark = pytest.mark.django_db

URL = reverse("notification-preferences")


def test_signed_out_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


REP_OPTIONAL = [NotificationKind.DECISION_REMINDER, NotificationKind.FOLLOWUP_REMINDER]
REP_ESSENTIAL = [NotificationKind.LEAD_ASSIGNED, NotificationKind.CASE_DECIDED]


def test_a_rep_is_offered_the_reps_optional_kinds_all_on_by_default(client, rep):
    client.force_login(rep)

    response = client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "rep@example.com" in page
    assert [value for value, _ in response.context["form"].fields["enabled"].choices] == REP_OPTIONAL
    assert response.context["form"].initial["enabled"] == REP_OPTIONAL
    assert response.context["essential"] == REP_ESSENTIAL
    for kind in REP_ESSENTIAL:
        assert kind.label in page
        assert f'value="{kind}"' not in page  # no checkbox: cannot be turned off
    # Marketers' and judges' emails are not offered to a rep.
    assert NotificationKind.LEAD_REJECTED.label not in page
    assert NotificationKind.CASE_OPENED.label not in page


def test_each_role_is_offered_only_the_emails_it_can_receive(client, marketer, judge, manager):
    offered = {}
    for user in (marketer, judge, manager):
        client.force_login(user)
        form = client.get(URL).context["form"]
        offered[user.username] = [value for value, _ in form.fields["enabled"].choices]

    assert offered == {
        "marketer": [NotificationKind.LEAD_REJECTED],
        "judge": [NotificationKind.CASE_OVERDUE],
        "manager": [NotificationKind.CASE_OVERDUE],
    }


def test_unticking_reminders_turns_them_off_and_nothing_else(client, rep):
    client.force_login(rep)

    response = client.post(URL, {"enabled": [NotificationKind.FOLLOWUP_REMINDER.value]}, follow=True)

    assert response.status_code == 200
    assert "Your notification preferences are saved." in response.content.decode()
    assert list(NotificationOptOut.objects.filter(user=rep).values_list("kind", flat=True)) == [
        NotificationKind.DECISION_REMINDER
    ]
    assert NotificationKind.DECISION_REMINDER not in response.context["form"].initial["enabled"]


def test_unticking_everything_still_leaves_the_essential_kinds_on(client, marketer):
    client.force_login(marketer)

    client.post(URL, {})

    enabled = notification_kinds_enabled(user=marketer)
    assert NotificationKind.LEAD_REJECTED not in enabled
    assert {str(kind) for kind in ESSENTIAL_KINDS} <= enabled


def test_ticking_them_again_turns_them_back_on(client, marketer):
    client.force_login(marketer)
    client.post(URL, {})

    client.post(URL, {"enabled": [NotificationKind.LEAD_REJECTED.value]})

    assert not NotificationOptOut.objects.filter(user=marketer).exists()


def test_an_essential_kind_posted_by_hand_is_refused_and_changes_nothing(client, rep):
    client.force_login(rep)

    response = client.post(URL, {"enabled": ["lead_assigned"]})

    assert response.status_code == 400
    assert not NotificationOptOut.objects.filter(user=rep).exists()
