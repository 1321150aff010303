"""The whole story of one lead, through the pages only, in real Chromium.

A marketer creates and qualifies a lead; the rep it is routed to rejects it
from the inbox with a reason; the marketer appeals; a judge overturns; the
rep finds it back among the accepted leads with a follow-up deadline, logs
the touches the rulebook asks for, qualifies it as an opportunity and
closes it won. Four people, four browsers, each signed in through the login
form. The test reads the database only to check what the pages claim; every
change is made by clicking.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from adjudication.models import Case, CaseKind, CaseStatus, Decision
from leads.models import Lead, LeadState
from tests.e2e.conftest import E2E

pytestmark = E2E

NAME = "Grace Hopper"
EMAIL = "grace.hopper@compilers.example"
CRITERIA = (  # four: exactly the default threshold, grade B (3 follow-up touches)
    "Vertical known",
    "Firmographics known",
    "Decision makers / influencers",
    "Business issues / pains",
)


def flash(page: Page, text: str):
    """A confirmation in the page's message list (rendered, or added by HTMX)."""
    return page.locator("#messages").get_by_text(text)


def lead_row(page: Page):
    return page.get_by_role("listitem").filter(has=page.get_by_role("link", name=NAME))


def open_panel(row, summary: str):
    """Open one of a row's disclosure panels (Reject…, Log touch, Close won…)
    and return the form inside it."""
    panel = row.locator("details").filter(has=row.page.locator("summary", has_text=summary))
    panel.locator("summary").click()
    return panel.locator("form")


def test_a_lead_from_creation_through_appeal_and_verdict_to_won(browser_as, marketer, rep, judge):
    # --- 1. The marketer creates the lead and qualifies it in one step. ---------------------
    mkt = browser_as(marketer)
    mkt.get_by_role("navigation", name="Main").get_by_role("link", name="My leads").click()
    mkt.get_by_role("link", name="New lead").click()
    mkt.get_by_label("First name").fill("Grace")
    mkt.get_by_label("Last name").fill("Hopper")
    mkt.get_by_label("Email").fill(EMAIL)
    mkt.get_by_label("Company").fill("Compiler Corp")
    for criterion in CRITERIA:
        mkt.get_by_label(criterion).check()
    mkt.get_by_role("button", name="Create and qualify").click()

    expect(flash(mkt, "Lead created and qualified")).to_be_visible()
    expect(mkt.get_by_role("heading", level=1)).to_contain_text(NAME)
    lead = Lead.objects.get(email=EMAIL)
    assert lead.state == LeadState.MQL
    assert lead.assigned_rep == rep  # the only rep: routing had no one else

    # --- 2. The rep finds it in the inbox and rejects it with a reason. -----------------------
    rp = browser_as(rep)
    rp.get_by_role("link", name="Inbox").click()
    row = lead_row(rp)
    expect(row).to_contain_text("Decide within")
    reject = open_panel(row, "Reject")
    reject.get_by_role("combobox", name="Reason").select_option(label="No budget")
    reject.get_by_role("textbox", name="Note").fill("No budget until next fiscal year.")
    reject.get_by_role("button", name="Reject lead").click()

    expect(row).to_have_count(0)  # decided leads leave the inbox
    expect(flash(rp, f"Rejected {NAME}")).to_be_visible()
    lead.refresh_from_db()
    assert lead.state == LeadState.REJECTED
    assert lead.rejection_reason.code == "no_budget"

    # --- 3. The marketer appeals from the rejected leads page. ----------------------------------
    mkt.get_by_role("link", name="Rejected", exact=True).click()
    card = mkt.get_by_role("region", name=NAME)
    expect(card).to_contain_text("No budget")
    expect(card).to_contain_text("No budget until next fiscal year.")
    card.get_by_label("Why sales should not have rejected this lead").fill(
        "Their CFO confirmed a budget for Q3 in writing; see the email of 12 May."
    )
    card.get_by_role("button", name="Appeal").click()
    expect(card.get_by_role("status")).to_contain_text("Appeal")
    case = Case.objects.get(lead=lead)
    assert case.kind == CaseKind.APPEAL
    assert case.status == CaseStatus.OPEN

    # --- 4. A judge finds the case in the review queue and overturns. --------------------------
    jdg = browser_as(judge)
    jdg.get_by_role("link", name="Review queue").click()
    jdg.get_by_role("row").filter(has_text=NAME).get_by_role("link", name=f"#{case.pk}").click()
    expect(jdg.get_by_text("Their CFO confirmed a budget for Q3")).to_be_visible()
    jdg.get_by_role("radio", name="Overturn").check()
    jdg.get_by_role("radio", name=re.compile(r"^Sales")).check()
    jdg.get_by_label("Rationale").fill("The budget was confirmed in writing before the rejection.")
    jdg.get_by_role("button", name="Render verdict").click()

    expect(jdg.get_by_role("heading", name=re.compile(r"Verdict: Overturn"))).to_be_visible()
    case.refresh_from_db()
    lead.refresh_from_db()
    assert case.status == CaseStatus.DECIDED
    assert case.decision == Decision.OVERTURN
    assert lead.state == LeadState.SAL
    assert lead.assigned_rep == rep
    assert lead.followup_due_at > timezone.now()

    # --- 5. The rep sees it back with a follow-up deadline, works it and wins it. --------------
    rp.get_by_role("link", name="My accepted leads").click()
    row = lead_row(rp)
    expect(row).to_contain_text("Follow-up due")
    expect(row).to_contain_text("0 of 3")
    for number, (channel, outcome) in enumerate(
        (("Call", "No answer"), ("Email", "Replied"), ("Meeting", "Meeting booked")), start=1
    ):
        touch = open_panel(row, "Log touch")
        touch.get_by_role("combobox", name="Channel").select_option(label=channel)
        touch.get_by_role("combobox", name="Outcome").select_option(label=outcome)
        touch.get_by_role("button", name="Log touch").click()
        expect(row).to_contain_text(f"{number} of 3")
    assert lead.touches.count() == 3

    row.get_by_role("button", name="Qualify as opportunity").click()
    expect(row).to_contain_text("Opportunity")
    won = open_panel(row, "Close won")
    won.get_by_label("Amount won").fill("48000")
    won.get_by_role("button", name="Close won").click()
    expect(flash(rp, f"Closed won: {NAME}")).to_be_visible()

    expect(row).to_have_count(0)  # closed: no longer among the leads to work

    rp.goto(reverse("lead-detail", args=[lead.pk]))
    expect(rp.get_by_role("heading", level=1)).to_contain_text("Won")
    lead.refresh_from_db()
    assert lead.state == LeadState.WON
    assert lead.won_amount == Decimal("48000")
    # The history tells the same story, one row per step.
    assert list(lead.events.order_by("occurred_at", "pk").values_list("transition", "to_state")) == [
        ("create", LeadState.INQUIRY),
        ("qualify", LeadState.MQL),
        ("reject", LeadState.REJECTED),
        ("appeal", LeadState.IN_REVIEW),
        ("verdict_overturn", LeadState.SAL),
        ("qualify_opportunity", LeadState.SQL),
        ("close_won", LeadState.WON),
    ]
