"""Authentication (token and session, CSRF kept on) and the error shape
every refusal has (SPEC §9): JSON, never a 500, nothing written."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from leads.models import Lead, LeadEvent, LeadState, Touch
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


# --- POST /auth/token/ -----------------------------------------------------------------


def test_a_user_trades_username_and_password_for_a_token_that_then_authenticates(rep):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "rep", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=rep).key
    again = APIClient().post("/api/v1/auth/token/", {"username": "rep", "password": PASSWORD}, format="json")
    assert again.json()["token"] == token
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/leads/").status_code == 200


def test_wrong_credentials_get_no_token_and_a_400_in_the_error_shape(rep):
    response = APIClient().post("/api/v1/auth/token/", {"username": "rep", "password": "nope"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert body["errors"]["non_field_errors"] == ["Unable to log in with provided credentials."]
    assert not Token.objects.exists()


def test_guessing_passwords_is_throttled_per_client(rep, monkeypatch):
    # DRF reads the rates into the class once, at import: set them there.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth_token": "3/minute"})
    client = APIClient()
    guess = {"username": "rep", "password": "guess"}
    statuses = [client.post("/api/v1/auth/token/", guess, format="json").status_code for _ in range(4)]

    assert statuses == [400, 400, 400, 429]
    response = client.post(
        "/api/v1/auth/token/", {"username": "rep", "password": "correct horse battery staple"}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["error"] == "throttled"
    assert not Token.objects.exists()


def test_missing_credentials_are_named_field_by_field(db):
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"username", "password"}


def test_an_inactive_user_gets_no_token(rep):
    rep.is_active = False
    rep.save()

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "rep", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert not Token.objects.exists()


def test_no_credentials_is_401_with_a_challenge(db):
    response = APIClient().get("/api/v1/leads/")

    assert response.status_code == 401
    assert response.json() == {
        "error": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
    }
    assert response["WWW-Authenticate"] == "Token"


def test_an_unknown_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get("/api/v1/leads/")

    assert response.status_code == 401
    assert response.json()["error"] == "authentication_failed"


# --- session authentication keeps CSRF -------------------------------------------------------


@pytest.fixture
def rep_mql(marketer, rep, rep_segment):
    return factories.mql(marketer, rep, segment=rep_segment)


def test_a_browser_session_reads_the_api(rep, rep_mql):
    client = Client()
    client.force_login(rep)

    response = client.get(f"/api/v1/leads/{rep_mql.pk}/")

    assert response.status_code == 200
    assert response.json()["state"] == "mql"


def test_an_unsafe_request_on_a_session_without_the_csrf_token_is_refused(rep, rep_mql):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)

    response = client.post(f"/api/v1/leads/{rep_mql.pk}/accept/", {}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"
    rep_mql.refresh_from_db()
    assert rep_mql.state == LeadState.MQL


def test_an_unsafe_request_on_a_session_with_the_csrf_token_goes_through(rep, rep_mql):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    # What a page's form would carry: the CSRF cookie and the same secret in the header.
    csrf = "k" * 32
    client.cookies["csrftoken"] = csrf

    response = client.post(
        f"/api/v1/leads/{rep_mql.pk}/accept/", {}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )

    assert response.status_code == 200
    assert response.json()["state"] == "sal"


# --- bad input: 400 (or 404 for ids), JSON, nothing written ------------------------------------


@pytest.fixture
def sql_lead(marketer, rep, rep_segment):
    return factories.sql(marketer, rep, segment=rep_segment)


def _snapshot(lead):
    return (
        Lead.objects.filter(pk=lead.pk).values().get(),
        LeadEvent.objects.count(),
        Touch.objects.count(),
        Lead.objects.count(),
    )


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("close-won/", {"amount": "abc"}, "amount"),
        ("close-won/", {"amount": 1e30}, "amount"),
        ("close-won/", {"amount": "12.345"}, "amount"),
        ("close-won/", {"amount": None}, "amount"),
        ("close-won/", {}, "amount"),
        ("close-lost/", {"reason": ["no_budget"]}, "reason"),
        ("close-lost/", {"reason": "x" * 51}, "reason"),
        ("close-lost/", {"reason": "no_budget", "note": "n" * 10_001}, "note"),
        ("close-lost/", {"reason": "no\x00budget"}, "reason"),
        ("touches/", {"channel": 7, "outcome": "connected"}, "channel"),
        ("touches/", {"channel": "pigeon", "outcome": "connected"}, "channel"),
        ("touches/", {"channel": "call", "outcome": "connected", "occurred_at": "yesterday"}, "occurred_at"),
        (
            "touches/",
            {"channel": "call", "outcome": "connected", "occurred_at": "9999-12-31T23:59:59-14:00"},
            None,
        ),
        ("assign/", {"rep": "me"}, "rep"),
        ("assign/", {"rep": 10**30}, "rep"),
    ],
)
def test_wrong_types_and_huge_values_are_400_per_field_and_change_nothing(
    api, rep, manager, sql_lead, path, body, field
):
    actor = manager if path == "assign/" else rep
    before = _snapshot(sql_lead)

    response = api(actor).post(f"/api/v1/leads/{sql_lead.pk}/{path}", body, format="json")

    assert response.status_code == 400, response.json()
    payload = response.json()
    assert payload["error"] == "invalid"
    if field:
        assert field in payload["errors"]
    assert _snapshot(sql_lead) == before


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"amount": NaN}',
        b'{"amount": Infinity}',
        b'{"reason": "\\ud800"}',
        b"\xff\xfe",
    ],
)
def test_malformed_json_is_400_parse_error(api, rep, sql_lead, raw):
    before = _snapshot(sql_lead)

    response = api(rep).post(f"/api/v1/leads/{sql_lead.pk}/close-lost/", raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"
    assert _snapshot(sql_lead) == before


def test_a_json_array_instead_of_an_object_is_400(api, rep, sql_lead):
    response = api(rep).post(f"/api/v1/leads/{sql_lead.pk}/close-lost/", [1, 2], format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]


def test_a_form_encoded_body_is_415(api, rep, sql_lead):
    response = api(rep).post(f"/api/v1/leads/{sql_lead.pk}/close-lost/", {"reason": "no_budget"})

    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "query",
    [
        "state=bogus",
        "assigned_rep=someone",
        "assigned_rep=99999999999999999999",
        "campaign=abc",
        "campaign=99999999999999999999",
        "search=" + "s" * 201,
    ],
)
def test_unknown_filter_values_are_400(api, manager, query):
    response = api(manager).get(f"/api/v1/leads/?{query}")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


@pytest.mark.parametrize("query", ["status=closed", "kind=murder"])
def test_unknown_case_filter_values_are_400(api, judge, query):
    response = api(judge).get(f"/api/v1/cases/?{query}")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/leads/999999/",
        "/api/v1/leads/99999999999999999999999999/",
        "/api/v1/leads/-1/",
        "/api/v1/leads/abc/",
        "/api/v1/leads/999999/accept/",
        "/api/v1/cases/999999/",
        "/api/v1/cases/99999999999999999999999999/verdict/",
        "/api/v1/nothing-here/",
    ],
)
def test_unknown_ids_and_paths_are_json_404(api, manager, path):
    client = api(manager)

    response = (
        client.post(path, {}, format="json") if path.endswith(("accept/", "verdict/")) else client.get(path)
    )

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_page_past_the_end_is_404(api, manager):
    response = api(manager).get("/api/v1/leads/?page=99")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_method_the_endpoint_does_not_have_is_405(api, manager):
    response = api(manager).delete("/api/v1/leads/")

    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
