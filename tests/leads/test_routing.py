"""Who gets a delivered lead (SPEC §4), and managers reassigning leads."""

from __future__ import annotations

import pytest

from adjudication.services import lead_concede
from leadcourt.accounts.models import Department
from leadcourt.errors import ActionForbidden, GuardFailed, InvalidInput, InvalidTransition
from leads import services
from leads.models import LeadEvent, LeadState, Segment
from tests.clock import london
from tests.conftest import make_user
from tests.factories import inquiry, mql, rejected, sal
from tests.leads.assertions import nothing_written


def qualify(marketer, **fields):
    return services.lead_qualify(lead=inquiry(marketer, **fields), actor=marketer)


# --- routing --------------------------------------------------------------------------


def test_a_lead_of_a_segment_with_an_owner_goes_to_that_rep(marketer, rep, other_rep):
    segment = Segment.objects.create(code="nordics", name="Nordics", owner_rep=other_rep)
    # other_rep already carries more open leads; the segment still decides.
    qualify(marketer, segment=segment)
    qualify(marketer, segment=segment)

    lead = qualify(marketer, segment=segment)

    assert lead.assigned_rep == other_rep


def test_a_segment_whose_owner_left_falls_back_to_round_robin(marketer, rep, other_rep):
    segment = Segment.objects.create(code="nordics", name="Nordics", owner_rep=other_rep)
    other_rep.is_active = False
    other_rep.save()

    lead = qualify(marketer, segment=segment)

    assert lead.assigned_rep == rep


def test_a_segment_owned_by_someone_who_is_not_a_rep_falls_back_to_round_robin(marketer, rep, manager):
    segment = Segment.objects.create(code="dach", name="DACH", owner_rep=manager)

    lead = qualify(marketer, segment=segment)

    assert lead.assigned_rep == rep


def test_without_a_segment_owner_the_rep_with_fewest_open_leads_gets_the_lead(
    marketer, rep, other_rep, rep_segment
):
    # rep carries two open leads (their segment), other_rep none.
    qualify(marketer, segment=rep_segment)
    qualify(marketer, segment=rep_segment)

    lead = qualify(marketer)

    assert lead.assigned_rep == other_rep


def test_only_open_leads_count_towards_a_reps_load(marketer, rep, rep_segment):
    # rep was given two leads and rejected both: no open lead left.
    for lead in [qualify(marketer, segment=rep_segment), qualify(marketer, segment=rep_segment)]:
        services.lead_reject(lead=lead, actor=rep, reason="not_icp")
    busy = make_user("busy_rep", "sales_rep", department=Department.SALES)
    apac = Segment.objects.create(code="apac", name="APAC", owner_rep=busy)
    qualify(marketer, segment=apac)  # busy: one open lead

    lead = qualify(marketer)

    assert lead.assigned_rep == rep


def test_equal_reps_take_turns(clock, marketer, rep, other_rep):
    assigned = []
    for _ in range(4):
        clock.advance(minutes=5)
        assigned.append(qualify(marketer).assigned_rep)

    assert assigned == [rep, other_rep, rep, other_rep]


def test_on_a_tie_the_rep_assigned_longest_ago_goes_first(clock, marketer, rep, other_rep):
    clock.set(london(2025, 1, 13, 9, 0))
    first = qualify(marketer)  # rep
    clock.set(london(2025, 1, 13, 10, 0))
    qualify(marketer)  # other_rep
    clock.set(london(2025, 1, 13, 11, 0))
    qualify(marketer)  # rep again: 1 open lead each, rep was assigned longer ago
    assert first.assigned_rep == rep
    # rep rejects their first lead: one open lead each again, but rep's last
    # assignment (11:00) is more recent than other_rep's (10:00).
    services.lead_reject(lead=first, actor=rep, reason="not_icp")
    clock.set(london(2025, 1, 13, 12, 0))

    lead = qualify(marketer)

    assert lead.assigned_rep == other_rep


def test_a_rep_who_never_had_a_lead_goes_before_one_who_had(clock, marketer, rep, rep_segment):
    old = qualify(marketer, segment=rep_segment)
    services.lead_reject(lead=old, actor=rep, reason="not_icp")
    newcomer = make_user("new_rep", "sales_rep", department=Department.SALES)
    clock.advance(hours=1)

    # Both carry no open lead; the newcomer was never assigned one.
    lead = qualify(marketer)

    assert lead.assigned_rep == newcomer


def test_inactive_reps_are_never_chosen(marketer, rep, other_rep, rep_segment):
    qualify(marketer, segment=rep_segment)  # rep is busier...
    other_rep.is_active = False  # ...but other_rep has left.
    other_rep.save()

    leads = [qualify(marketer) for _ in range(3)]

    assert {lead.assigned_rep for lead in leads} == {rep}


def test_qualify_without_an_active_rep_is_refused_and_nothing_is_written(marketer, rep):
    rep.is_active = False
    rep.save()
    lead = inquiry(marketer)

    with nothing_written(lead), pytest.raises(GuardFailed, match="No active sales rep") as exc:
        services.lead_qualify(lead=lead, actor=marketer)

    assert exc.value.code == "no_rep_available"
    assert exc.value.status == 409
    lead.refresh_from_db()
    assert lead.state == LeadState.INQUIRY
    assert lead.assigned_rep is None


def test_recycle_without_an_active_rep_is_refused_and_nothing_is_written(marketer, rep):
    lead = lead_concede(lead=rejected(marketer, rep), actor=marketer)
    rep.is_active = False
    rep.save()

    with nothing_written(lead), pytest.raises(GuardFailed) as exc:
        services.lead_recycle(lead=lead, actor=marketer)

    assert exc.value.code == "no_rep_available"


def test_recycle_routes_the_lead_again(marketer, rep, other_rep, rep_segment):
    lead = lead_concede(lead=rejected(marketer, rep, segment=rep_segment), actor=marketer)
    rep_segment.owner_rep = other_rep
    rep_segment.save()

    services.lead_recycle(lead=lead, actor=marketer)

    lead.refresh_from_db()
    assert lead.assigned_rep == other_rep


# --- reassign ----------------------------------------------------------------------


def test_manager_reassigns_an_mql_and_the_decision_deadline_restarts(
    clock, marketer, rep, other_rep, manager, rep_segment
):
    clock.set(london(2025, 1, 13, 9, 0))
    lead = mql(marketer, rep, segment=rep_segment)
    assert lead.decision_due_at == london(2025, 1, 20, 17, 0)
    clock.set(london(2025, 1, 15, 14, 0))

    services.lead_reassign(lead=lead, actor=manager, rep=other_rep, note="  rep is on leave ")

    lead.refresh_from_db()
    assert lead.assigned_rep == other_rep
    assert lead.assigned_at == clock.now()
    assert lead.state == LeadState.MQL
    # 48 working hours from Wednesday 14:00: Wednesday 3 h, five days 40 h, 5 h → Thursday 14:00.
    assert lead.decision_due_at == london(2025, 1, 23, 14, 0)
    # The delivery itself did not change.
    assert lead.delivered_at == london(2025, 1, 13, 9, 0)
    assert lead.delivery_count == 1


def test_reassign_is_recorded_with_the_previous_and_the_new_rep(
    clock, marketer, rep, other_rep, manager, rep_segment
):
    lead = mql(marketer, rep, segment=rep_segment)
    clock.advance(hours=1)

    services.lead_reassign(lead=lead, actor=manager, rep=other_rep, note="rep is on leave")

    event = LeadEvent.objects.filter(lead=lead).latest("id")
    assert event.transition == "reassign"
    assert event.actor == manager
    assert event.from_state == event.to_state == LeadState.MQL
    assert event.data == {"from_rep": rep.pk, "to_rep": other_rep.pk}
    assert event.note == "rep is on leave"
    assert event.occurred_at == clock.now()


def test_after_reassignment_only_the_new_rep_may_decide(marketer, rep, other_rep, manager, rep_segment):
    lead = mql(marketer, rep, segment=rep_segment)
    services.lead_reassign(lead=lead, actor=manager, rep=other_rep)

    with nothing_written(lead), pytest.raises(ActionForbidden):
        services.lead_accept(lead=lead, actor=rep)

    services.lead_accept(lead=lead, actor=other_rep)
    lead.refresh_from_db()
    assert lead.state == LeadState.SAL


def test_reassigning_an_accepted_lead_keeps_its_followup_deadline(
    clock, marketer, rep, other_rep, manager, rep_segment
):
    lead = sal(marketer, rep, segment=rep_segment)
    followup_due_at = lead.followup_due_at
    clock.advance(days=2)

    services.lead_reassign(lead=lead, actor=manager, rep=other_rep)

    lead.refresh_from_db()
    assert lead.assigned_rep == other_rep
    assert lead.followup_due_at == followup_due_at
    assert lead.decision_due_at is None


@pytest.mark.parametrize("actor_name", ["rep", "other_rep", "marketer", "judge"])
def test_only_managers_may_reassign(request, marketer, rep, other_rep, rep_segment, actor_name):
    lead = mql(marketer, rep, segment=rep_segment)
    actor = request.getfixturevalue(actor_name)

    with nothing_written(lead), pytest.raises(ActionForbidden, match="Only managers"):
        services.lead_reassign(lead=lead, actor=actor, rep=other_rep)


@pytest.mark.parametrize("target_name", ["marketer", "manager", "outsider"])
def test_reassign_to_someone_who_is_not_a_rep_is_refused(request, marketer, rep, manager, target_name):
    lead = mql(marketer, rep)
    target = request.getfixturevalue(target_name)

    with nothing_written(lead), pytest.raises(InvalidInput, match="active sales rep") as exc:
        services.lead_reassign(lead=lead, actor=manager, rep=target)

    assert set(exc.value.errors) == {"rep"}


def test_reassign_to_an_inactive_rep_is_refused(marketer, rep, other_rep, manager, rep_segment):
    lead = mql(marketer, rep, segment=rep_segment)
    other_rep.is_active = False
    other_rep.save()

    with nothing_written(lead), pytest.raises(InvalidInput) as exc:
        services.lead_reassign(lead=lead, actor=manager, rep=other_rep)

    assert set(exc.value.errors) == {"rep"}


def test_reassign_to_the_same_rep_is_refused(marketer, rep, manager):
    lead = mql(marketer, rep)

    with nothing_written(lead), pytest.raises(InvalidInput, match="already assigned") as exc:
        services.lead_reassign(lead=lead, actor=manager, rep=rep)

    assert set(exc.value.errors) == {"rep"}


def test_reassign_of_a_lead_that_is_not_open_is_refused(marketer, rep, other_rep, manager, rep_segment):
    lead = rejected(marketer, rep, segment=rep_segment)

    with nothing_written(lead), pytest.raises(InvalidTransition, match="Only open leads") as exc:
        services.lead_reassign(lead=lead, actor=manager, rep=other_rep)

    assert exc.value.state == LeadState.REJECTED
