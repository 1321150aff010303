"""Every lead transition through its service: the allowed path, and each
refusal (wrong state, guard, bad input) with a clear error and nothing written.

Who may act (wrong user / wrong role) is in ``test_permissions.py``; touch
counting in ``test_touches.py``; routing in ``test_routing.py``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from adjudication.services import lead_concede
from leadcourt.errors import GuardFailed, InvalidInput, InvalidTransition
from leads import services
from leads.models import LeadEvent, LeadState, ReasonCode
from tests.clock import london
from tests.factories import FOUR_CRITERIA, inquiry, mql, rejected, sal, sql
from tests.leads.assertions import nothing_written


def log_touches(lead, rep, count: int, channel: str = "call") -> None:
    for _ in range(count):
        services.lead_touch_log(lead=lead, actor=rep, channel=channel, outcome="no_answer")


def returned(marketer, rep, **fields):
    return lead_concede(lead=rejected(marketer, rep, **fields), actor=marketer)


# --- qualify ---------------------------------------------------------------------


def test_marketer_qualifies_an_inquiry_and_it_is_delivered_to_a_rep_with_a_decision_deadline(
    clock, marketer, rep
):
    lead = inquiry(marketer)
    clock.set(london(2025, 1, 13, 10, 0))

    services.lead_qualify(lead=lead, actor=marketer)

    lead.refresh_from_db()
    assert lead.state == LeadState.MQL
    assert lead.assigned_rep == rep
    assert lead.assigned_at == lead.delivered_at == clock.now()
    assert lead.delivery_count == 1
    # 48 working hours from Monday 10:00 are six working days: Tuesday next week, 10:00.
    assert lead.decision_due_at == london(2025, 1, 21, 10, 0)
    assert lead.followup_due_at is None
    assert lead.appeal_due_at is None


def test_qualify_with_criteria_replaces_the_leads_criteria(marketer, rep):
    lead = inquiry(marketer, criteria=["vertical"])

    services.lead_qualify(lead=lead, actor=marketer, criteria=[*FOUR_CRITERIA, "urgency"])

    lead.refresh_from_db()
    assert lead.state == LeadState.MQL
    assert sorted(lead.criteria) == sorted([*FOUR_CRITERIA, "urgency"])
    assert lead.criteria_count == 5


def test_qualify_refuses_a_lead_meeting_too_few_criteria(marketer, rep):
    lead = inquiry(marketer, criteria=["vertical", "budget", "pains"])

    with nothing_written(lead), pytest.raises(GuardFailed, match="meets 3 of the 4") as exc:
        services.lead_qualify(lead=lead, actor=marketer)

    assert exc.value.code == "too_few_criteria"
    assert exc.value.extra == {"criteria_met": 3, "criteria_required": 4}
    lead.refresh_from_db()
    assert lead.state == LeadState.INQUIRY
    assert lead.assigned_rep is None


def test_qualify_refuses_new_criteria_that_are_too_few_and_keeps_the_old_ones(marketer, rep):
    lead = inquiry(marketer, criteria=FOUR_CRITERIA)

    with nothing_written(lead), pytest.raises(GuardFailed) as exc:
        services.lead_qualify(lead=lead, actor=marketer, criteria=["vertical"])

    assert exc.value.code == "too_few_criteria"
    lead.refresh_from_db()
    assert lead.criteria_count == 4


def test_qualify_follows_the_threshold_of_the_rulebook_in_force(marketer, rep, admin_user):
    lead = inquiry(marketer, criteria=FOUR_CRITERIA)
    services.rulebook_version_create(actor=admin_user, mql_min_criteria=5)

    with nothing_written(lead), pytest.raises(GuardFailed, match="meets 4 of the 5"):
        services.lead_qualify(lead=lead, actor=marketer)


def test_qualify_refuses_an_unknown_criterion(marketer, rep):
    lead = inquiry(marketer)

    with nothing_written(lead), pytest.raises(InvalidInput, match="telepathy") as exc:
        services.lead_qualify(lead=lead, actor=marketer, criteria=[*FOUR_CRITERIA, "telepathy"])

    assert set(exc.value.errors) == {"criteria"}


def test_qualify_makes_the_qualifying_marketer_the_owner_of_an_unowned_lead(marketer, rep, system):
    lead, _ = services.lead_create(actor=system, criteria=FOUR_CRITERIA, email="web@example.com")
    assert lead.marketer is None

    services.lead_qualify(lead=lead, actor=marketer)

    lead.refresh_from_db()
    assert lead.marketer == marketer


# --- disqualify --------------------------------------------------------------------


def test_marketer_disqualifies_an_inquiry_with_a_reason(clock, marketer):
    lead = inquiry(marketer)
    clock.advance(hours=1)

    services.lead_disqualify(lead=lead, actor=marketer, reason="  Spam sign-up  ")

    lead.refresh_from_db()
    assert lead.state == LeadState.DISQUALIFIED
    assert lead.disqualify_reason == "Spam sign-up"
    assert lead.disqualified_at == clock.now()


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_disqualify_refuses_a_blank_reason(marketer, reason):
    lead = inquiry(marketer)

    with nothing_written(lead), pytest.raises(InvalidInput, match="disqualified") as exc:
        services.lead_disqualify(lead=lead, actor=marketer, reason=reason)

    assert set(exc.value.errors) == {"reason"}


# --- accept ---------------------------------------------------------------------------


def test_assigned_rep_accepts_an_mql_and_the_followup_deadline_starts(clock, marketer, rep):
    lead = mql(marketer, rep)
    clock.set(london(2025, 1, 13, 10, 0))

    services.lead_accept(lead=lead, actor=rep)

    lead.refresh_from_db()
    assert lead.state == LeadState.SAL
    assert lead.accepted_at == clock.now()
    assert lead.decision_due_at is None
    # 14 follow-up days are 14 working days: Friday 31 January, same time of day.
    assert lead.followup_due_at == london(2025, 1, 31, 10, 0)


def test_accept_refuses_a_lead_already_accepted_and_says_what_is_possible(marketer, rep):
    lead = sal(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidTransition, match="'accept' is not possible") as exc:
        services.lead_accept(lead=lead, actor=rep)

    assert exc.value.status == 409
    assert exc.value.state == LeadState.SAL
    assert "accept" not in exc.value.allowed
    assert {"qualify_opportunity", "return_after_followup"} <= set(exc.value.allowed)
    assert exc.value.extra["state"] == "sal"


# --- reject ------------------------------------------------------------------------------


def test_assigned_rep_rejects_an_mql_with_a_reason_and_the_appeal_window_opens(clock, marketer, rep):
    lead = mql(marketer, rep)
    clock.set(london(2025, 1, 14, 11, 0))

    services.lead_reject(lead=lead, actor=rep, reason="no_budget", note="  Budget frozen until Q3 ")

    lead.refresh_from_db()
    assert lead.state == LeadState.REJECTED
    assert lead.rejection_reason_id == "no_budget"
    assert lead.rejection_note == "Budget frozen until Q3"
    assert lead.rejected_at == clock.now()
    assert lead.decision_due_at is None
    # 10 appeal days are 10 working days.
    assert lead.appeal_due_at == london(2025, 1, 28, 11, 0)


def test_reject_with_other_is_accepted_when_a_note_says_why(marketer, rep):
    lead = mql(marketer, rep)

    services.lead_reject(lead=lead, actor=rep, reason="other", note="Asked us never to call")

    lead.refresh_from_db()
    assert lead.state == LeadState.REJECTED
    assert lead.rejection_reason_id == "other"


@pytest.mark.parametrize(
    ("reason", "note", "field", "message"),
    [
        ("", "", "reason", "reason code is required"),
        (None, "", "reason", "reason code is required"),
        ("bored", "", "reason", "Unknown reason code 'bored'"),
        ("other", "", "note", "note is required"),
        ("other", "   ", "note", "note is required"),
    ],
)
def test_reject_refuses_a_missing_or_unknown_reason_or_other_without_a_note(
    marketer, rep, reason, note, field, message
):
    lead = mql(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidInput, match=message) as exc:
        services.lead_reject(lead=lead, actor=rep, reason=reason, note=note)

    assert set(exc.value.errors) == {field}


def test_a_note_longer_than_the_limit_is_refused_whichever_interface_sends_it(marketer, rep):
    lead = mql(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidInput, match="At most 2000 characters") as exc:
        services.lead_reject(
            lead=lead, actor=rep, reason="no_budget", note="n" * (services.NOTE_MAX_LENGTH + 1)
        )

    assert set(exc.value.errors) == {"note"}


def test_reject_refuses_a_reason_code_an_admin_retired(marketer, rep):
    ReasonCode.objects.filter(pk="no_need").update(is_active=False)
    lead = mql(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidInput, match="Unknown reason code 'no_need'"):
        services.lead_reject(lead=lead, actor=rep, reason="no_need")


def test_reject_refuses_a_lead_that_was_accepted(marketer, rep):
    lead = sal(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidTransition) as exc:
        services.lead_reject(lead=lead, actor=rep, reason="no_budget")

    assert exc.value.state == LeadState.SAL


# --- concede --------------------------------------------------------------------------


def test_owning_marketer_concedes_a_rejection_and_the_lead_returns_to_marketing(clock, marketer, rep):
    lead = rejected(marketer, rep)
    clock.advance(days=1)

    lead_concede(lead=lead, actor=marketer, note="Fair point")

    lead.refresh_from_db()
    assert lead.state == LeadState.RETURNED
    assert lead.returned_at == clock.now()
    assert lead.appeal_due_at is None
    # The rejection stays on record until the lead is delivered again.
    assert lead.rejection_reason_id == "no_budget"


def test_concede_refuses_a_lead_that_is_not_rejected(marketer, rep):
    lead = mql(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidTransition) as exc:
        lead_concede(lead=lead, actor=marketer)

    assert exc.value.state == LeadState.MQL


# --- expire_appeal -------------------------------------------------------------------------


def test_system_returns_a_rejected_lead_once_the_appeal_window_closed(clock, marketer, rep, system):
    lead = rejected(marketer, rep)
    clock.set(lead.appeal_due_at)
    clock.advance(minutes=1)

    services.lead_expire_appeal(lead=lead, actor=system)

    lead.refresh_from_db()
    assert lead.state == LeadState.RETURNED
    assert lead.returned_at == clock.now()
    assert lead.appeal_due_at is None


def test_expire_appeal_is_refused_while_the_appeal_window_is_open(clock, marketer, rep, system):
    lead = rejected(marketer, rep)
    clock.set(lead.appeal_due_at)
    clock.advance(minutes=-1)

    with nothing_written(lead), pytest.raises(GuardFailed, match="appeal window is open until") as exc:
        services.lead_expire_appeal(lead=lead, actor=system)

    assert exc.value.code == "appeal_window_open"
    lead.refresh_from_db()
    assert lead.state == LeadState.REJECTED


def test_expire_appeal_refuses_a_lead_that_is_not_rejected(marketer, rep, system):
    lead = mql(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidTransition):
        services.lead_expire_appeal(lead=lead, actor=system)


# --- return_after_followup ------------------------------------------------------------------


def test_rep_returns_a_worked_lead_with_a_reason_and_it_becomes_an_appealable_rejection(clock, marketer, rep):
    lead = sal(marketer, rep)
    log_touches(lead, rep, 3)
    clock.set(london(2025, 1, 20, 9, 0))

    services.lead_return_after_followup(lead=lead, actor=rep, reason="unreachable", note="No answer")

    lead.refresh_from_db()
    assert lead.state == LeadState.REJECTED
    assert lead.rejection_reason_id == "unreachable"
    assert lead.rejection_note == "No answer"
    assert lead.rejected_at == clock.now()
    assert lead.followup_due_at is None
    # Ten working days counted from Monday 09:00 end on Friday of the next week at 17:00.
    assert lead.appeal_due_at == london(2025, 1, 31, 17, 0)


@pytest.mark.parametrize(
    ("reason", "note", "field"),
    [("", "", "reason"), ("not_a_code", "", "reason"), ("other", "", "note")],
)
def test_return_after_followup_refuses_a_bad_reason(marketer, rep, reason, note, field):
    lead = sal(marketer, rep)
    log_touches(lead, rep, 3)

    with nothing_written(lead), pytest.raises(InvalidInput) as exc:
        services.lead_return_after_followup(lead=lead, actor=rep, reason=reason, note=note)

    assert set(exc.value.errors) == {field}


def test_return_after_followup_refuses_a_lead_not_yet_accepted(marketer, rep):
    lead = mql(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidTransition) as exc:
        services.lead_return_after_followup(lead=lead, actor=rep, reason="unreachable")

    assert exc.value.state == LeadState.MQL
    assert {"accept", "reject"} <= set(exc.value.allowed)


# --- qualify_opportunity -----------------------------------------------------------------------


def test_rep_qualifies_an_accepted_lead_as_an_opportunity(clock, marketer, rep):
    lead = sal(marketer, rep)
    clock.advance(days=2)

    services.lead_qualify_opportunity(lead=lead, actor=rep)

    lead.refresh_from_db()
    assert lead.state == LeadState.SQL
    assert lead.sql_at == clock.now()
    assert lead.followup_due_at is None


def test_qualify_opportunity_refuses_a_lead_not_yet_accepted(marketer, rep):
    lead = mql(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidTransition):
        services.lead_qualify_opportunity(lead=lead, actor=rep)


# --- close_won / close_lost -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "stored"),
    [
        ("12500.50", Decimal("12500.50")),
        (Decimal("99"), Decimal("99")),
        (7, Decimal("7")),
        (" 10 ", Decimal("10")),
    ],
)
def test_rep_closes_an_opportunity_as_won_with_the_amount(clock, marketer, rep, amount, stored):
    lead = sql(marketer, rep)
    clock.advance(days=3)

    services.lead_close_won(lead=lead, actor=rep, amount=amount)

    lead.refresh_from_db()
    assert lead.state == LeadState.WON
    assert lead.won_amount == stored
    assert lead.closed_at == clock.now()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "greater than zero"),
        ("-5", "greater than zero"),
        ("abc", "as a number"),
        ("", "as a number"),
        (None, "as a number"),
        ("NaN", "greater than zero"),
        ("Infinity", "greater than zero"),
        ("10.005", "at most 2 decimals"),
        ("1e12", "less than 10\\^12"),
    ],
)
def test_close_won_refuses_an_amount_that_is_not_a_positive_number(marketer, rep, amount, message):
    lead = sql(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidInput, match=message) as exc:
        services.lead_close_won(lead=lead, actor=rep, amount=amount)

    assert set(exc.value.errors) == {"amount"}


def test_close_won_refuses_a_lead_that_is_not_an_opportunity(marketer, rep):
    lead = sal(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidTransition) as exc:
        services.lead_close_won(lead=lead, actor=rep, amount="100")

    assert exc.value.state == LeadState.SAL


def test_rep_closes_an_opportunity_as_lost_with_a_reason(clock, marketer, rep):
    lead = sql(marketer, rep)
    clock.advance(days=3)

    services.lead_close_lost(lead=lead, actor=rep, reason="competitor_won")

    lead.refresh_from_db()
    assert lead.state == LeadState.LOST
    assert lead.lost_reason_id == "competitor_won"
    assert lead.closed_at == clock.now()


@pytest.mark.parametrize(
    ("reason", "note", "field"),
    [("", "", "reason"), ("lunar_eclipse", "", "reason"), ("other", "", "note")],
)
def test_close_lost_refuses_a_missing_or_unknown_reason(marketer, rep, reason, note, field):
    lead = sql(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidInput) as exc:
        services.lead_close_lost(lead=lead, actor=rep, reason=reason, note=note)

    assert set(exc.value.errors) == {field}


def test_a_closed_lead_cannot_be_closed_again(marketer, rep):
    lead = sql(marketer, rep)
    services.lead_close_won(lead=lead, actor=rep, amount="100")

    with nothing_written(lead), pytest.raises(InvalidTransition) as exc:
        services.lead_close_lost(lead=lead, actor=rep, reason="competitor_won")

    assert exc.value.state == LeadState.WON
    assert exc.value.allowed == []


# --- recycle -----------------------------------------------------------------------------------------


def test_marketer_recycles_a_returned_lead_as_a_new_delivery_to_sales(clock, marketer, rep):
    lead = returned(marketer, rep)
    clock.set(london(2025, 1, 20, 9, 0))

    services.lead_recycle(lead=lead, actor=marketer)

    lead.refresh_from_db()
    assert lead.state == LeadState.MQL
    assert lead.assigned_rep == rep
    assert lead.delivery_count == 2
    assert lead.delivered_at == lead.assigned_at == clock.now()
    assert lead.decision_due_at == london(2025, 1, 27, 17, 0)
    # The old rejection is cleared: this is a fresh delivery.
    assert lead.rejection_reason is None
    assert lead.rejection_note == ""
    assert lead.appeal_due_at is None


def test_recycle_refuses_a_lead_meeting_too_few_criteria(marketer, rep):
    lead = returned(marketer, rep)

    with nothing_written(lead), pytest.raises(GuardFailed, match="meets 2 of the 4") as exc:
        services.lead_recycle(lead=lead, actor=marketer, criteria=["vertical", "budget"])

    assert exc.value.code == "too_few_criteria"
    lead.refresh_from_db()
    assert lead.state == LeadState.RETURNED


def test_recycle_refuses_a_lead_that_was_not_returned(marketer, rep):
    lead = rejected(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidTransition) as exc:
        services.lead_recycle(lead=lead, actor=marketer)

    assert exc.value.state == LeadState.REJECTED


def test_a_refused_transition_leaves_only_the_history_of_what_happened(marketer, rep):
    lead = mql(marketer, rep)

    with pytest.raises(InvalidTransition):
        services.lead_qualify(lead=lead, actor=marketer)

    assert list(LeadEvent.objects.filter(lead=lead).values_list("transition", flat=True)) == [
        "create",
        "qualify",
    ]
