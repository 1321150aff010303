"""Deadlines in working time (SPEC §5 ``business_hours_only``): Monday to
Friday, 09:00–17:00 on the organisation's wall clock (Europe/London), and
plain elapsed time when the rulebook turns business hours off.

Expected values are written out by hand (not recomputed with the code under
test), with the count in a comment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from leads import services
from leads.deadlines import add_working_time, deadline_after_days, deadline_after_hours
from tests.clock import london
from tests.factories import inquiry, mql


def test_the_organisation_time_zone_is_london():
    assert settings.TIME_ZONE == "Europe/London"


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Friday 16:00 + 2 working hours: 1 on Friday, 1 on Monday.
        (london(2025, 1, 10, 16, 0), 2, london(2025, 1, 13, 10, 0)),
        # 48 working hours from Monday 09:00 are six full working days.
        (london(2025, 1, 13, 9, 0), 48, london(2025, 1, 20, 17, 0)),
        # Delivered on Saturday: the clock starts on Monday at 09:00.
        (london(2025, 1, 11, 12, 0), 2, london(2025, 1, 13, 11, 0)),
        # Delivered on Sunday evening: same.
        (london(2025, 1, 12, 22, 30), 8, london(2025, 1, 13, 17, 0)),
        # Before opening: counted from 09:00 that day.
        (london(2025, 1, 14, 7, 15), 1, london(2025, 1, 14, 10, 0)),
        # After closing: counted from 09:00 the next working day.
        (london(2025, 1, 14, 18, 0), 1, london(2025, 1, 15, 10, 0)),
        # A deadline that fills the day ends at 17:00 that day, not 09:00 the next.
        (london(2025, 1, 14, 9, 0), 8, london(2025, 1, 14, 17, 0)),
        # Exactly at closing on Friday: nothing left that day.
        (london(2025, 1, 10, 17, 0), 3, london(2025, 1, 13, 12, 0)),
        # Minutes carry over: Thursday 16:30 + 1 h = Friday 09:30.
        (london(2025, 1, 9, 16, 30), 1, london(2025, 1, 10, 9, 30)),
    ],
    ids=[
        "friday-16h-plus-2h-is-monday-10h",
        "48h-from-monday-9h-is-next-monday-17h",
        "saturday-counts-from-monday-9h",
        "sunday-night-counts-from-monday-9h",
        "before-opening",
        "after-closing",
        "full-day-ends-at-17h",
        "friday-closing",
        "minutes-carry-over",
    ],
)
def test_working_hours_deadline(start, hours, due):
    assert deadline_after_hours(start, hours, business_hours_only=True) == due


def test_a_utc_start_is_read_on_the_london_wall_clock():
    # 15:00 UTC on Friday 4 July is 16:00 in London (BST): 1 h left on Friday,
    # 1 h on Monday → Monday 10:00 BST, which is 09:00 UTC.
    start = datetime(2025, 7, 4, 15, 0, tzinfo=UTC)

    due = deadline_after_hours(start, 2, business_hours_only=True)

    assert due == datetime(2025, 7, 7, 9, 0, tzinfo=UTC)
    assert due.astimezone(london(2025, 7, 7).tzinfo).hour == 10


def test_working_days_are_eight_working_hours_each():
    # 14 working days from Monday 13 January 10:00: the 14th working day after
    # it is Friday 31 January, same time of day.
    due = deadline_after_days(london(2025, 1, 13, 10, 0), 14, business_hours_only=True)

    assert due == london(2025, 1, 31, 10, 0)


def test_without_business_hours_deadlines_are_plain_elapsed_time():
    start = london(2025, 1, 10, 16, 0)

    assert deadline_after_hours(start, 2, business_hours_only=False) == london(2025, 1, 10, 18, 0)
    assert deadline_after_hours(start, 48, business_hours_only=False) == london(2025, 1, 12, 16, 0)
    assert deadline_after_days(start, 14, business_hours_only=False) == start + timedelta(days=14)


def test_spring_forward_weekend_keeps_the_0900_to_1700_wall_clock():
    # Clocks go forward on Sunday 30 March 2025. Friday 16:00 GMT + 2 working
    # hours is Monday 10:00 BST: the lost hour falls on the weekend and does
    # not count, and the deadline is 09:00 UTC, not 10:00 UTC.
    due = add_working_time(london(2025, 3, 28, 16, 0), timedelta(hours=2))

    assert due == london(2025, 3, 31, 10, 0)
    assert due.astimezone(UTC) == datetime(2025, 3, 31, 9, 0, tzinfo=UTC)


def test_fall_back_weekend_keeps_the_0900_to_1700_wall_clock():
    # Clocks go back on Sunday 26 October 2025. Friday 16:00 BST (15:00 UTC)
    # + 2 working hours is Monday 10:00 GMT (10:00 UTC).
    due = add_working_time(london(2025, 10, 24, 16, 0), timedelta(hours=2))

    assert due == london(2025, 10, 27, 10, 0)
    assert due.astimezone(UTC) == datetime(2025, 10, 27, 10, 0, tzinfo=UTC)


def test_a_multi_day_deadline_across_the_clock_change_ends_at_1700_local():
    # Thursday 27 March 09:00 GMT + 24 working hours: Thursday, Friday, Monday
    # → Monday 31 March 17:00 BST (16:00 UTC).
    due = deadline_after_hours(london(2025, 3, 27, 9, 0), 24, business_hours_only=True)

    assert due == london(2025, 3, 31, 17, 0)
    assert due.astimezone(UTC) == datetime(2025, 3, 31, 16, 0, tzinfo=UTC)


def test_plain_elapsed_time_across_the_clock_change_is_real_hours():
    # Business hours off: 48 h from Friday 28 March 16:00 GMT are 48 real
    # hours, which is Sunday 30 March 17:00 BST on the wall clock.
    due = deadline_after_hours(london(2025, 3, 28, 16, 0), 48, business_hours_only=False)

    assert due.astimezone(UTC) == datetime(2025, 3, 30, 16, 0, tzinfo=UTC)
    # Days are 24 real hours each, too: 10 days later is 17:00 BST on the wall clock.
    due = deadline_after_days(london(2025, 3, 28, 16, 0), 10, business_hours_only=False)
    assert due.astimezone(UTC) == datetime(2025, 4, 7, 16, 0, tzinfo=UTC)


# --- through the services ------------------------------------------------------------


def test_qualify_on_friday_afternoon_sets_the_decision_deadline_in_working_hours(clock, marketer, rep):
    lead = inquiry(marketer)
    clock.set(london(2025, 1, 10, 16, 0))

    services.lead_qualify(lead=lead, actor=marketer)

    lead.refresh_from_db()
    # 48 working hours: 1 on Friday, 40 next week, 7 on Monday 20th → 16:00.
    assert lead.decision_due_at == london(2025, 1, 20, 16, 0)


def test_qualify_uses_the_decision_hours_of_the_rulebook_in_force(clock, marketer, rep, admin_user):
    services.rulebook_version_create(actor=admin_user, decision_hours=2)
    lead = inquiry(marketer)
    clock.set(london(2025, 1, 10, 16, 0))

    services.lead_qualify(lead=lead, actor=marketer)

    lead.refresh_from_db()
    assert lead.decision_due_at == london(2025, 1, 13, 10, 0)


def test_accept_sets_the_followup_deadline_in_working_days(clock, marketer, rep):
    lead = mql(marketer, rep)
    clock.set(london(2025, 1, 13, 10, 0))

    services.lead_accept(lead=lead, actor=rep)

    lead.refresh_from_db()
    assert lead.followup_due_at == london(2025, 1, 31, 10, 0)


def test_reject_on_a_saturday_opens_an_appeal_window_counted_from_monday(clock, marketer, rep):
    lead = mql(marketer, rep)
    clock.set(london(2025, 1, 18, 11, 0))

    services.lead_reject(lead=lead, actor=rep, reason="not_icp")

    lead.refresh_from_db()
    # 10 working days from Monday 20 January 09:00 end on Friday 31 January 17:00.
    assert lead.appeal_due_at == london(2025, 1, 31, 17, 0)


def test_with_business_hours_off_the_services_use_plain_elapsed_time(clock, marketer, rep, admin_user):
    services.rulebook_version_create(actor=admin_user, business_hours_only=False)
    first = inquiry(marketer, email="first@example.com")
    second = inquiry(marketer, email="second@example.com")
    friday = clock.set(london(2025, 1, 10, 16, 0))

    services.lead_qualify(lead=first, actor=marketer)
    services.lead_qualify(lead=second, actor=marketer)
    services.lead_accept(lead=first, actor=rep)
    services.lead_reject(lead=second, actor=rep, reason="not_icp")

    first.refresh_from_db()
    second.refresh_from_db()
    assert second.rejected_at == friday
    assert first.followup_due_at == friday + timedelta(days=14)
    assert second.appeal_due_at == friday + timedelta(days=10)


def test_with_business_hours_off_the_decision_deadline_is_48_elapsed_hours(clock, marketer, rep, admin_user):
    services.rulebook_version_create(actor=admin_user, business_hours_only=False)
    lead = inquiry(marketer)
    clock.set(london(2025, 1, 10, 16, 0))

    services.lead_qualify(lead=lead, actor=marketer)

    lead.refresh_from_db()
    assert lead.decision_due_at == london(2025, 1, 12, 16, 0)
