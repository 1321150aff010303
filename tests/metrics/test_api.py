"""GET /api/v1/metrics/acceptance/ (SPEC §9)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from metrics.snapshots import snapshots_recompute
from tests.metrics.conftest import JAN, W1

pytestmark = pytest.mark.django_db

URL = "/api/v1/metrics/acceptance/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def computed(story):
    snapshots_recompute(first=JAN, last=JAN.replace(day=31), now=story.now)
    return story


def get(api, user, **params):
    api.force_authenticate(user)
    return api.get(URL, params)


def test_weekly_series_grouped_by_rep(api, manager, computed, rep, other_rep):
    response = get(api, manager, period="week", group_by="rep", start="2025-01-13", end="2025-01-26")
    assert response.status_code == 200
    body = response.json()
    assert (body["period"], body["group_by"], body["start"], body["end"]) == (
        "week",
        "rep",
        "2025-01-13",
        "2025-01-26",
    )
    assert body["computed_at"] is not None
    by = {(r["period_start"], r["label"]): r for r in body["results"]}
    assert set(by) == {("2025-01-13", "Rep"), ("2025-01-13", "Other Rep"), ("2025-01-20", "Other Rep")}
    assert by[("2025-01-13", "Rep")] == {
        "period_start": "2025-01-13",
        "key": str(rep.pk),
        "label": "Rep",
        "delivered": 3,
        "accepted": 1,
        "rejected": 2,
        "ignored": 0,
        "pending": 0,
        "final_accepted": 2,
        "first_pass_rate": pytest.approx(1 / 3),
        "final_rate": pytest.approx(2 / 3),
    }
    assert by[("2025-01-20", "Other Rep")]["key"] == str(other_rep.pk)


def test_monthly_overall_is_the_default_grouping(api, manager, computed):
    body = get(api, manager, period="month", start="2025-01-01", end="2025-01-31").json()
    assert body["group_by"] is None
    [jan] = body["results"]
    assert (jan["period_start"], jan["key"], jan["delivered"], jan["final_accepted"]) == (
        "2025-01-01",
        "all",
        7,
        4,
    )
    assert jan["first_pass_rate"] == pytest.approx(2 / 6)


@pytest.mark.parametrize("group_by", ["campaign", "source", "segment"])
def test_every_grouping_answers(api, manager, computed, group_by):
    body = get(api, manager, period="month", group_by=group_by, start="2025-01-01", end="2025-01-31").json()
    assert sum(r["delivered"] for r in body["results"]) == 7


def test_a_start_inside_a_period_includes_the_whole_period(api, manager, computed):
    body = get(api, manager, period="week", start="2025-01-15", end="2025-01-15").json()
    assert [r["period_start"] for r in body["results"]] == [str(W1)]


def test_no_data_is_an_empty_series(api, manager, db):
    body = get(api, manager).json()
    assert body["results"] == []
    assert body["computed_at"] is None
    assert body["period"] == "month"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "day"}, "period"),
        ({"group_by": "judge"}, "group_by"),
        ({"start": "13/01/2025"}, "start"),
        ({"end": "2025-02-30"}, "end"),
        ({"start": "2025-02-01", "end": "2025-01-01"}, "start"),
        ({"start": "2000-01-01", "end": "2025-01-01"}, "end"),
    ],
)
def test_bad_parameters_answer_400_with_a_message_per_field(api, manager, params, field):
    response = get(api, manager, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert list(body["errors"]) == [field]
    assert body["errors"][field][0]


def test_several_bad_parameters_are_reported_together(api, manager):
    body = get(api, manager, period="year", group_by="planet").json()
    assert set(body["errors"]) == {"period", "group_by"}


@pytest.mark.parametrize("persona", ["rep", "marketer", "judge", "outsider"])
def test_only_managers_and_administrators_may_read_metrics(api, persona, request, admin_user):
    response = get(api, request.getfixturevalue(persona))
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert get(api, admin_user).status_code == 200


def test_anonymous_callers_must_authenticate(api, db):
    assert api.get(URL).status_code == 401


def test_the_schema_documents_the_parameters_and_the_row_shape(api, manager):
    api.force_authenticate(manager)
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/metrics/acceptance/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"period", "group_by", "start", "end"}
    assert {"200", "400", "401", "403"} <= set(operation["responses"])
    row = schema["components"]["schemas"]["AcceptanceRow"]["properties"]
    assert {"period_start", "key", "label", "delivered", "first_pass_rate", "final_rate"} <= set(row)
