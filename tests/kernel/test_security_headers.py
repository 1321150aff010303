"""Content-Security-Policy and Permissions-Policy on every response, pages and
API alike, and pages that keep to the policy: no inline script or <style>."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    policy = {}
    for directive in header.split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


def assert_security_headers(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    # Scripts and <style> elements only from the app's own files.
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    permissions = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions


def inline_code(html: str) -> list[str]:
    """<script> elements without src (JSON data blocks aside) and <style>
    elements: what the policy refuses."""
    found = []
    for attributes in re.findall(r"<script\b([^>]*)>", html):
        if "src=" not in attributes and 'type="application/json"' not in attributes:
            found.append(f"<script{attributes}>")
    found += re.findall(r"<style\b[^>]*>", html)
    found += re.findall(r"\son[a-z]+=", html)  # onclick=… and friends
    return found


@pytest.mark.parametrize("url", ["/login/", "/account/password/reset/"])
def test_anonymous_pages_send_both_policies_and_keep_to_them(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert_security_headers(response)
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize(
    ("persona", "url_name"),
    [
        ("rep", "home"),
        ("rep", "password_change"),
        ("manager", "dashboards"),
        ("manager", "admin:index"),
        ("manager", "admin:accounts_user_changelist"),
    ],
)
def test_signed_in_pages_send_both_policies_and_keep_to_them(client, request, persona, url_name):
    user = request.getfixturevalue(persona)
    if url_name.startswith("admin:"):
        user.is_staff = user.is_superuser = True
        user.save()
    client.force_login(user)

    response = client.get(reverse(url_name), follow=True)

    assert response.status_code == 200
    assert_security_headers(response)
    assert inline_code(response.content.decode()) == []


def test_the_api_sends_both_policies_on_answers_and_errors(client, rep):
    token = Token.objects.create(user=rep)

    answer = client.get("/api/v1/leads/", HTTP_AUTHORIZATION=f"Token {token.key}")
    refusal = client.get("/api/v1/leads/")
    unknown = client.get("/api/v1/nothing-here/")

    assert [answer.status_code, refusal.status_code, unknown.status_code] == [200, 401, 404]
    for response in (answer, refusal, unknown):
        assert_security_headers(response)


def test_the_api_docs_load_swagger_ui_from_files_only(client):
    page = client.get("/api/v1/docs/")

    assert page.status_code == 200
    assert_security_headers(page)
    html = page.content.decode()
    assert inline_code(html) == []
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
