"""HTMX in the real browser: list actions update the row in place, without
reloading the page."""

from __future__ import annotations

from django.urls import reverse
from playwright.sync_api import expect

from leads.models import LeadState
from tests.e2e.conftest import E2E
from tests.factories import mql

pytestmark = E2E


def test_accepting_from_the_inbox_removes_the_row_in_place(browser_as, marketer, rep):
    first = mql(marketer, rep, first_name="Ada", last_name="Byron", company="Engines Ltd")
    second = mql(marketer, rep, first_name="Charles", last_name="Babbage", company="Difference Co")
    page = browser_as(rep)
    page.goto(reverse("rep-inbox"))
    # Survives only if the page is not reloaded.
    page.evaluate("window.stillTheSamePage = true")

    row = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=str(first)))
    row.get_by_role("button", name="Accept").click()

    expect(row).to_have_count(0)
    expect(page.locator("#messages").get_by_text(f"Accepted {first}")).to_be_visible()
    expect(page.get_by_role("link", name=str(second))).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == LeadState.SAL
    assert second.state == LeadState.MQL
