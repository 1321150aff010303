"""Requests built to break the API's parsing: answered in the API's JSON
error shape with a 4xx, never a 500 or an HTML page, and nothing written."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from leads.models import Lead, LeadEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def sql_lead(marketer, rep, rep_segment):
    return factories.sql(marketer, rep, segment=rep_segment)


def _snapshot() -> tuple:
    return (list(Lead.objects.order_by("pk").values()), LeadEvent.objects.count())


@pytest.mark.parametrize("depth", [1000, 50_000, 33])
def test_deeply_nested_json_is_a_400_even_before_authentication(depth):
    """Python's decoder raises RecursionError at about a thousand levels;
    33 levels decodes but is past the limit of 32."""
    response = APIClient().post(
        "/api/v1/auth/token/", "[" * depth + "]" * depth, content_type="application/json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "parse_error"
    assert "nested" in response.json()["detail"]


def test_deep_json_on_an_action_changes_nothing(api, rep, sql_lead):
    before = _snapshot()
    body = {"reason": "no_budget", "note": json.loads("[" * 40 + "]" * 40)}

    response = api(rep).post(f"/api/v1/leads/{sql_lead.pk}/close-lost/", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"
    assert _snapshot() == before


def test_ordinary_nesting_still_parses(api, rep, sql_lead):
    """A body of the API's own shape (an object holding a list) is not refused."""
    response = api(rep).post(
        f"/api/v1/leads/{sql_lead.pk}/close-lost/",
        {"reason": "no_budget", "extra": [[{"a": [1]}]]},
        format="json",
    )

    assert response.status_code != 400 or response.json()["error"] != "parse_error"


@pytest.mark.parametrize("authenticated", [False, True])
def test_a_body_over_the_upload_limit_is_a_json_413(api, rep, sql_lead, authenticated):
    before = _snapshot()
    client = api(rep) if authenticated else APIClient()
    path = f"/api/v1/leads/{sql_lead.pk}/close-lost/" if authenticated else "/api/v1/auth/token/"
    body = json.dumps({"reason": "no_budget", "note": "x" * 3_000_000})

    response = client.post(path, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {"error": "too_large", "detail": "The request body is larger than 2.5 MB."}
    assert _snapshot() == before


@pytest.mark.parametrize(
    "path",
    ["/api/v1/leads/%0A", "/api/v1/leads/1/%0Aaccept/", "/api/v1/%0D%0A", "/api/v2/leads/", "/api", "/api/"],
)
def test_odd_paths_under_api_are_json_404s(api, manager, path):
    response = api(manager).get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "not_found"
