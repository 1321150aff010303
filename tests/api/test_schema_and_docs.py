"""The OpenAPI schema validates with no warnings, and the interactive docs
load from the app's own static files (no CDN)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

API_OPERATIONS = {
    ("post", "/api/v1/auth/token/"),
    ("get", "/api/v1/leads/"),
    ("post", "/api/v1/leads/"),
    ("get", "/api/v1/leads/{id}/"),
    *(
        ("post", f"/api/v1/leads/{{id}}/{action}/")
        for action in (
            "qualify",
            "disqualify",
            "accept",
            "reject",
            "appeal",
            "concede",
            "return-after-followup",
            "qualify-opportunity",
            "close-won",
            "close-lost",
            "recycle",
            "assign",
            "touches",
        )
    ),
    ("get", "/api/v1/cases/"),
    ("get", "/api/v1/cases/{id}/"),
    ("post", "/api/v1/cases/{id}/statements/"),
    ("post", "/api/v1/cases/{id}/verdict/"),
    ("get", "/api/v1/rulebook/"),
}


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_the_schema_documents_every_operation_with_its_error_responses():
    schema = APIClient().get("/api/v1/schema/?format=json").json()

    operations = {
        (method, path): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    assert set(operations) >= API_OPERATIONS
    for key in API_OPERATIONS:
        responses = operations[key]["responses"]
        assert any(code.startswith("2") for code in responses), key
        if key != ("post", "/api/v1/auth/token/"):
            assert "401" in responses, key
        if "{id}" in key[1]:
            assert "404" in responses, key
        if key[0] == "post":
            assert "400" in responses, key
            # accept and qualify-opportunity take no fields: no body documented.
            assert ("requestBody" in operations[key]) != key[1].endswith(
                ("/accept/", "/qualify-opportunity/")
            ), key
    transition = operations[("post", "/api/v1/leads/{id}/accept/")]["responses"]
    assert transition["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ConflictError"
    }
    conflict = schema["components"]["schemas"]["ConflictError"]["properties"]
    assert {"error", "detail", "state", "allowed"} <= set(conflict)


def test_the_docs_page_loads_swagger_ui_from_local_static_files():
    response = APIClient().get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"https?://(cdn|unpkg|cdnjs|fonts\.)", html)
    scripts = re.findall(r'src="([^"]+\.js)"', html)
    assert scripts
    for src in scripts:
        assert src.startswith("/static/"), src
        assert finders.find(src.removeprefix("/static/")), src
