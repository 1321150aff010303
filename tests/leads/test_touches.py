"""Follow-up touches (SPEC §5) and the rule they feed: a worked lead goes back
only once the rep logged the touches its grade requires, since acceptance."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadcourt.errors import ActionForbidden, GuardFailed, InvalidInput, InvalidTransition
from leads import services
from leads.models import LeadEvent, LeadState, Touch
from leads.selectors import lead_followup_touch_count
from tests.factories import FOUR_CRITERIA, SEVEN_CRITERIA, mql, rejected, sal
from tests.leads.assertions import nothing_written


def log(lead, rep, count: int = 1, channel: str = "call", **kwargs) -> None:
    for _ in range(count):
        services.lead_touch_log(lead=lead, actor=rep, channel=channel, outcome="no_answer", **kwargs)


# --- logging touches ------------------------------------------------------------------


def test_assigned_rep_logs_a_touch_on_an_accepted_lead(clock, marketer, rep):
    lead = sal(marketer, rep)
    clock.advance(hours=2)

    touch = services.lead_touch_log(
        lead=lead, actor=rep, channel="meeting", outcome="meeting_booked", note="  Demo on Tuesday "
    )

    touch = Touch.objects.get(pk=touch.pk)
    assert touch.lead_id == lead.pk
    assert touch.actor == rep
    assert (touch.channel, touch.outcome) == ("meeting", "meeting_booked")
    assert touch.note == "Demo on Tuesday"
    assert touch.occurred_at == clock.now()
    # Touches are their own record, not transitions: the lead and its history are unchanged.
    lead.refresh_from_db()
    assert lead.state == LeadState.SAL
    assert list(LeadEvent.objects.filter(lead=lead).values_list("transition", flat=True)) == [
        "create",
        "qualify",
        "accept",
    ]


def test_a_touch_may_be_logged_for_an_earlier_time(clock, marketer, rep):
    lead = sal(marketer, rep)
    clock.advance(days=1)
    earlier = clock.now() - timedelta(hours=3)

    touch = services.lead_touch_log(
        lead=lead, actor=rep, channel="call", outcome="connected", occurred_at=earlier
    )

    assert Touch.objects.get(pk=touch.pk).occurred_at == earlier


def test_a_touch_a_few_minutes_ahead_is_accepted_as_clock_skew(clock, marketer, rep):
    lead = sal(marketer, rep)

    services.lead_touch_log(
        lead=lead, actor=rep, channel="sms", outcome="replied", occurred_at=clock.now() + timedelta(minutes=4)
    )

    assert lead.touches.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"channel": "pigeon"}, "channel", "Choose one of"),
        ({"channel": ""}, "channel", "Choose one of"),
        ({"outcome": "maybe"}, "outcome", "Choose one of"),
        ({"occurred_at": "future"}, "occurred_at", "cannot be in the future"),
        ({"occurred_at": "naive"}, "occurred_at", "time zone"),
        ({"occurred_at": "before_delivery"}, "occurred_at", "before the lead was delivered"),
    ],
    ids=[
        "unknown-channel",
        "blank-channel",
        "unknown-outcome",
        "in-the-future",
        "naive-time",
        "before-delivery",
    ],
)
def test_touch_with_bad_input_is_refused_and_nothing_is_written(clock, marketer, rep, kwargs, field, message):
    lead = sal(marketer, rep)
    clock.advance(days=1)
    times = {
        "future": clock.now() + timedelta(hours=1),
        "naive": clock.now().replace(tzinfo=None),
        "before_delivery": lead.delivered_at - timedelta(minutes=1),
    }
    values = {"channel": "call", "outcome": "connected"} | kwargs
    if "occurred_at" in values:
        values["occurred_at"] = times[values["occurred_at"]]

    with nothing_written(lead), pytest.raises(InvalidInput, match=message) as exc:
        services.lead_touch_log(lead=lead, actor=rep, **values)

    assert set(exc.value.errors) == {field}


def test_touches_are_refused_on_a_lead_that_is_no_longer_open(marketer, rep):
    lead = rejected(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidTransition, match="open leads only") as exc:
        log(lead, rep)

    assert exc.value.state == LeadState.REJECTED


def test_another_rep_cannot_log_touches_on_my_lead(marketer, rep, other_rep, rep_segment):
    lead = sal(marketer, rep, segment=rep_segment)

    with nothing_written(lead), pytest.raises(ActionForbidden):
        log(lead, other_rep)


# --- touches required before a worked lead goes back ---------------------------------------------


def test_a_grade_b_lead_needs_three_touches_before_it_can_be_returned(marketer, rep):
    lead = sal(marketer, rep, criteria=FOUR_CRITERIA)
    log(lead, rep, 2, channel="email")

    with nothing_written(lead), pytest.raises(GuardFailed, match="grade B lead needs 3") as exc:
        services.lead_return_after_followup(lead=lead, actor=rep, reason="unreachable")

    assert exc.value.code == "too_few_touches"
    assert exc.value.extra == {"touches_done": 2, "touches_required": 3}

    log(lead, rep, 1)
    services.lead_return_after_followup(lead=lead, actor=rep, reason="unreachable")
    lead.refresh_from_db()
    assert lead.state == LeadState.REJECTED


def test_a_grade_a_lead_needs_six_touches_before_it_can_be_returned(marketer, rep):
    lead = sal(marketer, rep, criteria=SEVEN_CRITERIA)
    log(lead, rep, 5)

    with nothing_written(lead), pytest.raises(GuardFailed, match="grade A lead needs 6") as exc:
        services.lead_return_after_followup(lead=lead, actor=rep, reason="no_need")

    assert exc.value.extra == {"touches_done": 5, "touches_required": 6}

    log(lead, rep, 1)
    services.lead_return_after_followup(lead=lead, actor=rep, reason="no_need")
    event = LeadEvent.objects.filter(lead=lead).latest("id")
    assert event.data == {"touches": 6, "grade": "A"}


def test_only_touches_since_acceptance_count(clock, marketer, rep):
    lead = mql(marketer, rep)
    clock.advance(hours=1)
    log(lead, rep, 2)  # before accepting: calls to decide whether to accept
    clock.advance(hours=1)
    services.lead_accept(lead=lead, actor=rep)
    clock.advance(hours=1)
    log(lead, rep, 2)
    lead.refresh_from_db()
    assert lead.touches.count() == 4
    assert lead_followup_touch_count(lead=lead) == 2

    with nothing_written(lead), pytest.raises(GuardFailed) as exc:
        services.lead_return_after_followup(lead=lead, actor=rep, reason="unreachable")

    assert exc.value.extra == {"touches_done": 2, "touches_required": 3}


def test_the_touches_required_follow_the_rulebook_in_force(marketer, rep, admin_user):
    lead = sal(marketer, rep)
    log(lead, rep, 3)
    services.rulebook_version_create(actor=admin_user, touches_grade_b=4)

    with nothing_written(lead), pytest.raises(GuardFailed, match="needs 4"):
        services.lead_return_after_followup(lead=lead, actor=rep, reason="unreachable")


def test_the_grade_follows_the_rulebook_in_force(marketer, rep, admin_user):
    # Four criteria are grade B by default (threshold 7); with a threshold of 4
    # the same lead is grade A and needs six touches.
    lead = sal(marketer, rep, criteria=FOUR_CRITERIA)
    log(lead, rep, 3)
    services.rulebook_version_create(actor=admin_user, grade_a_min_criteria=4)

    with nothing_written(lead), pytest.raises(GuardFailed, match="grade A lead needs 6"):
        services.lead_return_after_followup(lead=lead, actor=rep, reason="unreachable")
