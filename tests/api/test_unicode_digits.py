"""Query parameters made of characters that Python calls digits but int()
refuses ("³", found by make fuzz): a JSON refusal, never a server error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["³", "1²", "٣"])
def test_an_assigned_rep_of_odd_digits_is_a_400(api, manager, value):
    response = api(manager).get("/api/v1/leads/", {"assigned_rep": value})

    assert response.status_code == 400
    assert response.json()["errors"]["assigned_rep"]


@pytest.mark.parametrize("value", ["³", "1²", "٣"])
def test_a_page_of_odd_digits_is_a_404(api, manager, value):
    response = api(manager).get("/api/v1/leads/", {"page": value})

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
