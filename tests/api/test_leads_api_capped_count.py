"""``GET /api/v1/leads/`` counts up to ``COUNT_CAP`` (a ``search`` up to
``SEARCH_COUNT_CAP``) and says so
(``count_is_capped``): past the cap, ``next`` still leads through every
lead, once each; the schema documents the field."""

from __future__ import annotations

import pytest

from leads import pagination
from leads.models import Lead
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def cap_of_3(monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)


def test_below_the_cap_the_count_is_exact(api, marketer):
    for _ in range(3):
        factories.inquiry(marketer)

    body = api(marketer).get("/api/v1/leads/").json()

    assert (body["count"], body["count_is_capped"], body["next"]) == (3, False, None)


def test_past_the_cap_the_count_stops_and_next_reads_every_lead_once(api, marketer, cap_of_3):
    leads = [factories.inquiry(marketer, first_name=f"Lead{n}") for n in range(7)]
    client = api(marketer)

    seen, url, bodies = [], "/api/v1/leads/?page_size=2", []
    while url:
        body = client.get(url).json()
        bodies.append(body)
        seen += [item["id"] for item in body["results"]]
        url = body["next"]

    assert seen == [lead.pk for lead in reversed(leads)]
    assert len(bodies) == 4
    assert all((body["count"], body["count_is_capped"]) == (3, True) for body in bodies)
    assert bodies[0]["previous"] is None
    assert "page=" not in bodies[1]["previous"] and "page=2" in bodies[2]["previous"]


def test_a_page_past_the_rows_is_404_also_past_the_cap(api, marketer, cap_of_3):
    for _ in range(5):
        factories.inquiry(marketer)
    client = api(marketer)

    assert client.get("/api/v1/leads/?page_size=2&page=3").status_code == 200
    response = client.get("/api/v1/leads/?page_size=2&page=4")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "9" * 30, "last"])
def test_a_page_that_is_no_positive_number_is_404(api, marketer, page):
    factories.inquiry(marketer)

    response = api(marketer).get("/api/v1/leads/", {"page": page})

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_search_is_counted_up_to_its_own_lower_cap(api, marketer, rep, monkeypatch):
    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 3)
    for n in range(5):
        factories.inquiry(marketer, company=f"Initech {n}")
    factories.inquiry(marketer, company="Globex")

    body = api(marketer).get("/api/v1/leads/?search=initech").json()
    exact = api(marketer).get("/api/v1/leads/?search=globex").json()
    unsearched = api(marketer).get("/api/v1/leads/").json()

    assert (body["count"], body["count_is_capped"], len(body["results"])) == (3, True, 5)
    assert (exact["count"], exact["count_is_capped"]) == (1, False)
    # The list itself is counted up to COUNT_CAP, as before.
    assert (unsearched["count"], unsearched["count_is_capped"]) == (6, False)
    assert Lead.objects.count() == 6


def test_filters_are_counted_with_the_lists_cap(api, marketer, cap_of_3):
    for n in range(5):
        factories.inquiry(marketer, company=f"Initech {n}")

    body = api(marketer).get("/api/v1/leads/?state=inquiry").json()

    assert (body["count"], body["count_is_capped"], len(body["results"])) == (3, True, 5)
