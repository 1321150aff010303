"""The browser login is locked after too many failures from one client
address (django-axes): even the right password is refused, and the login page
says why instead of a bare error page."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ATTACKER = "198.51.100.7"


def login(client, password: str, *, address: str = ATTACKER, **extra):
    return client.post(
        reverse("login"), {"username": "rep", "password": password}, REMOTE_ADDR=address, **extra
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_after_the_failure_limit_even_the_right_password_is_refused_with_a_clear_message(
    client, rep, settings
):
    settings.AXES_FAILURE_LIMIT = 5

    statuses = [login(client, f"guess-{n}").status_code for n in range(5)]
    response = login(client, PASSWORD)

    assert statuses == [200, 200, 200, 200, 429]
    assert response.status_code == 429
    assert not logged_in(client)
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "paused for 15 minutes" in page
    assert "even with the right password" in page
    assert reverse("password_reset") in page
    # Still the login page, with its form, not a bare error.
    assert 'name="password"' in page
    assert "csrfmiddlewaretoken" in page


def test_the_limit_is_counted_per_client_address(client, rep, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(3):
        login(client, f"guess-{n}")

    assert login(client, PASSWORD).status_code == 429
    response = login(client, PASSWORD, address="192.0.2.44")

    assert response.status_code == 302
    assert logged_in(client)


def test_x_forwarded_for_is_ignored_without_trusted_proxies(client, rep, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(3):
        login(client, f"guess-{n}", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    response = login(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.200")

    assert response.status_code == 429
    assert not logged_in(client)


def test_behind_a_trusted_proxy_the_address_the_proxy_saw_is_locked_not_the_proxy(client, rep, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for n in range(3):
        # The attacker writes its own X-Forwarded-For; the proxy appends what it saw.
        login(client, f"guess-{n}", address=proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, {ATTACKER}")

    locked = login(client, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.99, {ATTACKER}")
    colleague = login(client, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="192.0.2.44")

    assert locked.status_code == 429
    assert colleague.status_code == 302


def test_a_few_mistakes_below_the_limit_do_not_stop_a_login(client, rep, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for n in range(4):
        assert login(client, f"typo-{n}").status_code == 200

    response = login(client, PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_the_admin_login_shares_the_lockout(client, admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for n in range(2):
        client.post(
            reverse("admin:login"), {"username": "admin", "password": f"guess-{n}"}, REMOTE_ADDR=ATTACKER
        )

    response = client.post(
        reverse("login"), {"username": "admin", "password": PASSWORD}, REMOTE_ADDR=ATTACKER
    )

    assert response.status_code == 429
    assert not logged_in(client)
