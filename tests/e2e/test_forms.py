"""Bad input in the browser: the error appears next to the field, what the
person typed is kept, and nothing is written."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import expect

from leads.models import Lead, LeadEvent, LeadState
from tests.e2e.conftest import E2E, expect_error_beside
from tests.factories import mql

pytestmark = E2E

THREE_CRITERIA = ("Vertical known", "Firmographics known", "Business issues / pains")


def test_new_lead_with_a_bad_email_shows_the_error_by_the_field_and_creates_nothing(
    browser_as, marketer, rep
):
    page = browser_as(marketer)
    page.goto(reverse("lead-new"))
    page.get_by_label("First name").fill("Alan")
    page.get_by_label("Company").fill("Bletchley Ltd")
    page.get_by_label("Email").fill("alan-at-bletchley")
    for criterion in (*THREE_CRITERIA, "Sense of urgency"):
        page.get_by_label(criterion).check()
    page.get_by_role("button", name="Create and qualify").click()

    expect_error_beside(page.get_by_label("Email"), "Enter a valid email address.")
    # Still the form, with what was typed.
    expect(page.get_by_role("heading", name="New lead")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Alan")
    expect(page.get_by_label("Email")).to_have_value("alan-at-bletchley")
    expect(page.get_by_label("Sense of urgency")).to_be_checked()
    assert not Lead.objects.exists()
    assert not LeadEvent.objects.exists()


def test_create_and_qualify_below_the_threshold_creates_no_lead_at_all(browser_as, marketer, rep):
    page = browser_as(marketer)
    page.goto(reverse("lead-new"))
    page.get_by_label("First name").fill("Alan")
    page.get_by_label("Email").fill("alan@bletchley.example")
    for criterion in THREE_CRITERIA:
        page.get_by_label(criterion).check()
    page.get_by_role("button", name="Create and qualify").click()

    # The rulebook's threshold is named in the refusal, shown on the form.
    expect(
        page.get_by_role("alert").filter(has_text=re.compile(r"\b4\b.*criteria|criteria.*\b4\b"))
    ).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("alan@bletchley.example")
    # Creating and qualifying is one step: the inquiry was not kept either.
    assert not Lead.objects.exists()
    assert not LeadEvent.objects.exists()


def test_rejecting_for_other_without_a_note_shows_the_error_in_the_row_and_changes_nothing(
    browser_as, marketer, rep
):
    lead = mql(marketer, rep, company="Enigma plc")
    events_before = lead.events.count()
    page = browser_as(rep)
    page.goto(reverse("rep-inbox"))
    row = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=str(lead)))
    row.locator("summary", has_text="Reject").click()
    form = row.locator("form").filter(has=page.get_by_role("button", name="Reject lead"))
    form.get_by_role("combobox", name="Reason").select_option(value="other")
    form.get_by_role("button", name="Reject lead").click()

    note = form.get_by_role("textbox", name="Note")
    expect_error_beside(note, "A note is required")
    expect(note).to_have_accessible_description(re.compile("A note is required"))
    # The row stays, its reject panel open with the reason still chosen.
    expect(form.get_by_role("combobox", name="Reason")).to_have_value("other")
    lead.refresh_from_db()
    assert lead.state == LeadState.MQL
    assert lead.rejection_reason is None
    assert lead.events.count() == events_before
