"""No page of the leads app answers 500 to anything a person can type, and a
refused action changes nothing.

Every form field and query parameter of the rep's and manager's pages gets
junk: non-numbers, huge numbers, unknown choices, SQL-ish and HTML strings,
NUL bytes, 10k-character text, impossible dates, negative and non-finite
amounts. A 500 would raise out of the test client. Each attempt runs in a
savepoint that is rolled back, so one accepted input does not change the
lead the next one is tried on.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import transaction
from django.urls import reverse

from leads import services
from leads.models import Lead, LeadEvent, Touch
from tests.factories import mql, sal, sql

pytestmark = pytest.mark.django_db

JUNK = [
    "",
    "abc",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e400",
    "NaN",
    "-Infinity",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "nul\x00byte",
    "x" * 10_000,
    "2024-02-30T10:00",
    "0000-00-00T00:00",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "2025-01-13 25:61",
]

REFUSED = {400, 403, 404, 409}
ACCEPTED = {200, 302}

# For each action: a valid submission, which the test then spoils one field at a time.
ACTIONS = {
    "lead-accept": ("mql", {}),
    "lead-reject": ("mql", {"reason": "no_budget", "note": "Checked with the CFO."}),
    "lead-touch": ("mql", {"channel": "call", "outcome": "connected", "note": "", "occurred_at": ""}),
    "lead-qualify-opportunity": ("sal", {}),
    "lead-return": ("sal", {"reason": "no_need", "note": ""}),
    "lead-close-won": ("sql", {"amount": "1000"}),
    "lead-close-lost": ("sql", {"reason": "competitor_won", "note": ""}),
    "lead-reassign": ("mql", {"rep": "<other_rep>", "note": ""}),
}
EXTRA_FIELDS = {
    "row": ["inbox", "worked", "list", "bogus", "x" * 10_000],
    "next": ["//evil.example", "javascript:alert(1)", "x" * 10_000],
}


def database_state(lead: Lead) -> dict:
    return {
        "row": Lead.objects.filter(pk=lead.pk).values().get(),
        "events": LeadEvent.objects.count(),
        "touches": Touch.objects.count(),
    }


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def attempt(client, url, data, lead, *, htmx: bool):
    """Post ``data``; a refusal must leave the database as it was."""
    before = database_state(lead)
    with rolled_back():
        extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.post(url, data, **extra)
        assert response.status_code in REFUSED | ACCEPTED, (url, data, response.status_code)
        if response.status_code in REFUSED:
            assert database_state(lead) == before, (url, data)
    return response.status_code


@pytest.fixture
def leads(marketer, rep):
    worked = sal(marketer, rep)
    for channel in ("call", "email", "sms"):  # enough to be returned after follow-up
        services.lead_touch_log(lead=worked, actor=rep, channel=channel, outcome="no_answer")
    return {"mql": mql(marketer, rep), "sal": worked, "sql": sql(marketer, rep)}


@pytest.mark.parametrize("url_name", sorted(ACTIONS))
def test_every_action_field_survives_junk(client, request, leads, rep, other_rep, manager, url_name):
    state, valid = ACTIONS[url_name]
    lead = leads[state]
    valid = {key: (str(other_rep.pk) if value == "<other_rep>" else value) for key, value in valid.items()}
    client.force_login(manager if url_name == "lead-reassign" else rep)
    url = reverse(url_name, args=[lead.pk])
    statuses = set()

    fields = {**dict.fromkeys(valid, JUNK), **EXTRA_FIELDS}
    for field, values in fields.items():
        omitted = {k: v for k, v in valid.items() if k != field}
        statuses.add(attempt(client, url, omitted, lead, htmx=False))
        for index, value in enumerate(values):
            # Alternately as a plain POST and as HTMX: both answers are checked, at half the cost.
            statuses.add(attempt(client, url, {**valid, field: value}, lead, htmx=bool(index % 2)))
    # The valid submission itself goes through (the test is not refusing everything).
    assert attempt(client, url, valid, lead, htmx=False) == 302
    assert statuses & REFUSED or not valid


@pytest.mark.parametrize("url_name", sorted(ACTIONS))
def test_actions_on_unknown_leads_are_404(client, rep, url_name):
    client.force_login(rep)
    for pk in (0, 999999, 2**31, 10**20):
        assert client.post(reverse(url_name, args=[pk]), {}).status_code == 404


def test_actions_refuse_get(client, rep, leads):
    client.force_login(rep)
    assert client.get(reverse("lead-accept", args=[leads["mql"].pk])).status_code == 405


@pytest.mark.parametrize(
    ("url_name", "who", "params"),
    [
        ("rep-inbox", "rep", ("page",)),
        ("rep-worked", "rep", ("page",)),
        ("lead-list", "manager", ("q", "state", "rep", "campaign", "source", "after", "before", "page")),
        ("lead-list", "rep", ("q", "state", "rep", "after")),
        ("rulebook", "rep", ("page",)),
        ("home", "manager", ("next",)),
    ],
)
def test_every_query_parameter_survives_junk(client, request, leads, url_name, who, params):
    client.force_login(request.getfixturevalue(who))
    for param in params:
        for value in [*JUNK, "-5", "1.5", "1-2", "99999999999999999-99999999999999999999"]:
            response = client.get(reverse(url_name), {param: value})
            assert response.status_code in {200, 302, 400}, (
                url_name,
                param,
                value[:40],
                response.status_code,
            )
    # Several junk filters at once.
    response = client.get(reverse(url_name), dict.fromkeys(params, "' OR 1=1 --"))
    assert response.status_code in {200, 302, 400}


@pytest.mark.parametrize("path", ["/leads/0/", "/leads/99999999999999999999/", "/leads/abc/", "/leads/-1/"])
def test_bad_lead_ids_in_the_address_are_404(client, rep, path):
    client.force_login(rep)
    assert client.get(path).status_code == 404
