"""POST /api/v1/auth/token/ against password guessing: the login lockout and
the throttle count per real client address, so a new X-Forwarded-For on each
guess changes nothing; behind trusted proxies the address the outermost proxy
saw is the client."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ATTACKER = "198.51.100.7"


def token_attempt(client, password: str, *, address: str = ATTACKER, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(
        "/api/v1/auth/token/", {"username": "rep", "password": password}, format="json", **extra
    )


def test_rotating_x_forwarded_for_is_locked_out_at_the_limit_even_with_the_right_password(rep, settings):
    settings.AXES_FAILURE_LIMIT = 5
    client = APIClient()

    guesses = [token_attempt(client, f"guess-{n}", forwarded=f"203.0.113.{n}") for n in range(8)]
    right = token_attempt(client, PASSWORD, forwarded="203.0.113.250")

    assert [response.status_code for response in guesses] == [400] * 4 + [429] * 4
    assert right.status_code == 429
    assert right.json()["error"] == "locked_out"
    assert "Too many failed logins" in right.json()["detail"]
    assert not Token.objects.exists()


def test_rotating_x_forwarded_for_is_throttled_at_the_configured_rate(rep, settings, monkeypatch):
    settings.AXES_FAILURE_LIMIT = 1000  # only the throttle here
    # DRF reads the rates into the class once, at import: set them there.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth_token": "3/minute"})
    client = APIClient()

    statuses = [token_attempt(client, "guess", forwarded=f"203.0.113.{n}").status_code for n in range(6)]

    assert statuses == [400, 400, 400, 429, 429, 429]
    response = token_attempt(client, "guess", forwarded="203.0.113.99")
    assert response.json()["error"] == "throttled"


def test_behind_a_trusted_proxy_each_client_is_counted_on_its_own(rep, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    client = APIClient()
    for n in range(3):
        # Whatever the attacker writes first, the proxy appends the address it saw.
        token_attempt(client, f"guess-{n}", address=proxy, forwarded=f"203.0.113.{n}, {ATTACKER}")

    attacker = token_attempt(client, PASSWORD, address=proxy, forwarded=f"203.0.113.9, {ATTACKER}")
    colleague = token_attempt(client, PASSWORD, address=proxy, forwarded="192.0.2.44")

    assert attacker.status_code == 429
    assert attacker.json()["error"] == "locked_out"
    assert colleague.status_code == 200
    assert colleague.json()["token"] == Token.objects.get(user=rep).key


def test_failures_on_the_login_page_count_for_the_token_endpoint_too(client, rep, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(3):
        client.post("/login/", {"username": "rep", "password": f"guess-{n}"}, REMOTE_ADDR=ATTACKER)

    response = token_attempt(APIClient(), PASSWORD)

    assert response.status_code == 429
    assert response.json()["error"] == "locked_out"
