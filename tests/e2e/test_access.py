"""Who may see what, checked in the browser: a rep asking for another rep's
lead gets the 404 page, not the lead."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import expect

from leadcourt.accounts import roles
from leadcourt.accounts.models import Department
from tests.conftest import make_user
from tests.e2e.conftest import E2E
from tests.factories import mql

pytestmark = E2E


def test_rep_cannot_open_another_reps_lead(browser_as, marketer, other_rep):
    theirs = mql(marketer, other_rep, company="Theirs Ltd", email="theirs@example.com")
    # Created after the delivery, so routing could not have chosen them.
    rep = make_user("rep", roles.SALES_REP, department=Department.SALES)

    page = browser_as(rep)
    response = page.goto(reverse("lead-detail", args=[theirs.pk]))

    assert response.status == 404
    expect(page.get_by_text(re.compile(r"not found|no such", re.I)).first).to_be_visible()
    expect(page.get_by_text("Theirs Ltd")).to_have_count(0)
    expect(page.get_by_text(theirs.email)).to_have_count(0)
    # The owner opens the same address and sees the lead: the 404 is about who asks.
    owner_page = browser_as(other_rep)
    owner_page.goto(reverse("lead-detail", args=[theirs.pk]))
    expect(owner_page.get_by_role("heading", level=1)).to_have_text(re.compile(theirs.first_name))
    expect(owner_page.get_by_text("Theirs Ltd").first).to_be_visible()


def test_wrong_password_shows_the_error_and_signs_nobody_in(page, rep):
    page.goto(reverse("login"))
    page.get_by_label("Username").fill(rep.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("didn't match")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    # Pages behind the login still send the visitor to the login form.
    page.goto(reverse("home"))
    expect(page).to_have_url(re.compile(re.escape(reverse("login")) + r"\?next="))
