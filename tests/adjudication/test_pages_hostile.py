"""No judges' page answers 500 to anything a person can type, and a refused
verdict or statement changes nothing (see tests/leads/test_pages_hostile.py)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from tests.adjudication.builders import _database_state, appeal_case
from tests.leads.test_pages_hostile import JUNK

pytestmark = pytest.mark.django_db

VALID_VERDICT = {
    "decision": "overturn",
    "finding": "sales",
    "rationale": "Budget confirmed in writing.",
    "cause": "",
}


@pytest.fixture
def case(marketer, rep):
    return appeal_case(marketer, rep)


def attempt(client, url, data, case):
    before = _database_state(case.lead, case)
    with transaction.atomic():
        response = client.post(url, data)
        assert response.status_code in {200, 302, 400, 403, 404, 409}, (data, response.status_code)
        if response.status_code >= 400:
            assert _database_state(case.lead, case) == before, data
        transaction.set_rollback(True)
    return response.status_code


def test_every_verdict_field_survives_junk(client, judge, case):
    client.force_login(judge)
    url = reverse("case-verdict", args=[case.pk])
    statuses = []
    for field in (*VALID_VERDICT, "reassign_to"):
        statuses.append(attempt(client, url, {k: v for k, v in VALID_VERDICT.items() if k != field}, case))
        for value in JUNK:
            statuses.append(attempt(client, url, {**VALID_VERDICT, field: value}, case))
    assert 400 in statuses
    assert attempt(client, url, VALID_VERDICT, case) == 302


def test_statement_text_survives_junk_and_oversized_text_is_refused(client, rep, case):
    client.force_login(rep)
    url = reverse("case-statement", args=[case.pk])
    for value in [*JUNK, "y" * 10_001]:
        attempt(client, url, {"text": value}, case)
    assert attempt(client, url, {"text": "y" * 10_001}, case) == 400


def test_review_queue_parameters_survive_junk(client, judge, rep, case):
    for user in (judge, rep):
        client.force_login(user)
        for param in ("page", "status"):
            for value in JUNK:
                assert client.get(reverse("review-queue"), {param: value}).status_code == 200


@pytest.mark.parametrize("path", ["/cases/0/", "/cases/99999999999999999999/", "/cases/abc/"])
def test_bad_case_ids_are_404(client, judge, path):
    client.force_login(judge)
    assert client.get(path).status_code == 404
    if path[7:-1].isdigit():
        assert client.post(path + "verdict/", VALID_VERDICT).status_code == 404


def test_a_statement_of_zero_width_spaces_is_refused(client, rep, case):
    client.force_login(rep)

    status = attempt(client, reverse("case-statement", args=[case.pk]), {"text": "\u200b" * 20}, case)

    assert status == 400


def test_a_right_to_left_override_is_removed_and_the_statement_is_shown_isolated(client, rep, judge, case):
    """The override would reverse everything after it on the line; the
    statement is stored without it, and shown in an element that keeps any
    direction change inside itself."""
    client.force_login(rep)
    client.post(reverse("case-statement", args=[case.pk]), {"text": "Called twice \u202eno answer"})

    statement = case.statements.get(author=rep)
    assert statement.text == "Called twice no answer"
    client.force_login(judge)
    content = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert '<p class="user-text">Called twice no answer</p>' in content
