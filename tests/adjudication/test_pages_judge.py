"""The case page's vote status on panels, and what a recused judge sees."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.adjudication.builders import appeal_case, verdict

pytestmark = pytest.mark.django_db


def test_panel_case_shows_who_voted_and_how_many_votes_decide(client, rules, marketer, rep, judge, judge2):
    rules(panel_size=3)
    case = appeal_case(marketer, rep)
    verdict(case, judge, "overturn")

    client.force_login(judge2)
    body = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert "1 of a panel of 3" in body
    assert "2 agreeing votes decide" in body
    assert "Voted so far: Judge." in body
    assert "Cast vote" in body

    client.force_login(judge)
    mine = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert "You voted <strong>Overturn" in mine
    assert "Cast vote" not in mine


def test_recused_judge_is_told_why_and_gets_no_form(client, rules, marketer, rep, admin_user):
    from leadcourt.accounts import roles
    from leadcourt.accounts.models import Department
    from tests.conftest import make_user

    rules(independent_judges=True)
    sales_judge = make_user("sales_judge", roles.JUDGE, department=Department.SALES)
    case = appeal_case(marketer, rep)

    client.force_login(sales_judge)
    body = client.get(reverse("case-detail", args=[case.pk])).content.decode()

    assert "You are recused: the rulebook requires independent judges" in body
    assert "the verdict is for other judges" in body
    assert 'action="/cases/' not in body.split('id="verdict"')[1]
