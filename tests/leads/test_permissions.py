"""Who may move a lead (SPEC §1, §2): each transition refuses the wrong user
and the wrong role with ``ActionForbidden`` (403) and writes nothing."""

from __future__ import annotations

import pytest

from adjudication.services import lead_concede
from leadcourt.accounts import roles
from leadcourt.errors import ActionForbidden
from leads import services
from leads.models import LeadState
from leads.selectors import lead_allowed_transitions
from tests.factories import FOUR_CRITERIA, inquiry, mql, rejected, sal, sql
from tests.leads.assertions import nothing_written

# The lead each action needs, built through the services for ``rep`` (who
# owns the segment, so routing picks them even when other reps exist).
BUILD = {
    "inquiry": lambda marketer, rep, segment: inquiry(marketer, segment=segment),
    "mql": lambda marketer, rep, segment: mql(marketer, rep, segment=segment),
    "sal": lambda marketer, rep, segment: sal(marketer, rep, segment=segment),
    "sql": lambda marketer, rep, segment: sql(marketer, rep, segment=segment),
    "rejected": lambda marketer, rep, segment: rejected(marketer, rep, segment=segment),
    "returned": lambda marketer, rep, segment: lead_concede(
        lead=rejected(marketer, rep, segment=segment), actor=marketer
    ),
}

ACTIONS = {
    "qualify": lambda lead, actor: services.lead_qualify(lead=lead, actor=actor),
    "disqualify": lambda lead, actor: services.lead_disqualify(lead=lead, actor=actor, reason="Spam"),
    "accept": lambda lead, actor: services.lead_accept(lead=lead, actor=actor),
    "reject": lambda lead, actor: services.lead_reject(lead=lead, actor=actor, reason="no_budget"),
    "concede": lambda lead, actor: lead_concede(lead=lead, actor=actor),
    "expire_appeal": lambda lead, actor: services.lead_expire_appeal(lead=lead, actor=actor),
    "return_after_followup": lambda lead, actor: services.lead_return_after_followup(
        lead=lead, actor=actor, reason="unreachable"
    ),
    "qualify_opportunity": lambda lead, actor: services.lead_qualify_opportunity(lead=lead, actor=actor),
    "close_won": lambda lead, actor: services.lead_close_won(lead=lead, actor=actor, amount="100"),
    "close_lost": lambda lead, actor: services.lead_close_lost(lead=lead, actor=actor, reason="no_need"),
    "recycle": lambda lead, actor: services.lead_recycle(lead=lead, actor=actor),
    "touch_log": lambda lead, actor: services.lead_touch_log(
        lead=lead, actor=actor, channel="call", outcome="connected"
    ),
}

MARKETERS_ONLY = "Only marketers may do this."
ASSIGNED_REP_ONLY = "Only the sales rep assigned to this lead may do this."
OWNING_MARKETER_ONLY = "Only the marketer who owns this lead may do this."
SYSTEM_ONLY = "Only the system (a scheduled job) may do this."

REFUSED = [
    # action, state the lead is in, who tries, what they are told
    ("qualify", "inquiry", "rep", MARKETERS_ONLY),
    ("qualify", "inquiry", "manager", MARKETERS_ONLY),
    ("qualify", "inquiry", "outsider", MARKETERS_ONLY),
    ("disqualify", "inquiry", "rep", MARKETERS_ONLY),
    ("disqualify", "inquiry", "judge", MARKETERS_ONLY),
    ("accept", "mql", "other_rep", ASSIGNED_REP_ONLY),
    ("accept", "mql", "marketer", ASSIGNED_REP_ONLY),
    ("accept", "mql", "manager", ASSIGNED_REP_ONLY),
    ("reject", "mql", "other_rep", ASSIGNED_REP_ONLY),
    ("reject", "mql", "marketer", ASSIGNED_REP_ONLY),
    ("concede", "rejected", "other_marketer", OWNING_MARKETER_ONLY),
    ("concede", "rejected", "rep", OWNING_MARKETER_ONLY),
    ("concede", "rejected", "manager", OWNING_MARKETER_ONLY),
    ("expire_appeal", "rejected", "rep", SYSTEM_ONLY),
    ("expire_appeal", "rejected", "marketer", SYSTEM_ONLY),
    ("expire_appeal", "rejected", "manager", SYSTEM_ONLY),
    ("return_after_followup", "sal", "other_rep", ASSIGNED_REP_ONLY),
    ("return_after_followup", "sal", "marketer", ASSIGNED_REP_ONLY),
    ("qualify_opportunity", "sal", "other_rep", ASSIGNED_REP_ONLY),
    ("qualify_opportunity", "sal", "manager", ASSIGNED_REP_ONLY),
    ("close_won", "sql", "other_rep", ASSIGNED_REP_ONLY),
    ("close_won", "sql", "marketer", ASSIGNED_REP_ONLY),
    ("close_lost", "sql", "other_rep", ASSIGNED_REP_ONLY),
    ("recycle", "returned", "rep", MARKETERS_ONLY),
    ("recycle", "returned", "judge", MARKETERS_ONLY),
    ("touch_log", "sal", "other_rep", ASSIGNED_REP_ONLY),
    ("touch_log", "sal", "marketer", ASSIGNED_REP_ONLY),
]


@pytest.mark.parametrize(
    ("action", "state", "actor_name", "message"),
    REFUSED,
    ids=[f"{actor}-may-not-{action}" for action, _, actor, _ in REFUSED],
)
def test_the_wrong_user_or_role_is_refused_and_nothing_is_written(
    request, marketer, rep, rep_segment, action, state, actor_name, message
):
    lead = BUILD[state](marketer, rep, rep_segment)
    actor = request.getfixturevalue(actor_name)

    with nothing_written(lead), pytest.raises(ActionForbidden) as exc:
        ACTIONS[action](lead, actor)

    assert exc.value.message == message
    assert exc.value.status == 403
    lead.refresh_from_db()
    assert lead.state == state


def test_rep_cannot_accept_a_lead_assigned_to_someone_else(marketer, rep, other_rep, rep_segment):
    lead = mql(marketer, rep, segment=rep_segment)

    with nothing_written(lead), pytest.raises(ActionForbidden, match="assigned to this lead"):
        services.lead_accept(lead=lead, actor=other_rep)

    lead.refresh_from_db()
    assert lead.state == LeadState.MQL
    assert lead.assigned_rep == rep


def test_marketer_cannot_accept_a_lead_for_sales(marketer, rep):
    lead = mql(marketer, rep)

    with nothing_written(lead), pytest.raises(ActionForbidden):
        services.lead_accept(lead=lead, actor=marketer)


def test_rep_cannot_qualify_an_inquiry(marketer, rep):
    lead = inquiry(marketer)

    with nothing_written(lead), pytest.raises(ActionForbidden, match="Only marketers"):
        services.lead_qualify(lead=lead, actor=rep)


def test_only_the_owning_marketer_may_concede_a_rejection(marketer, other_marketer, rep):
    lead = rejected(marketer, rep)

    with nothing_written(lead), pytest.raises(ActionForbidden, match="owns this lead"):
        lead_concede(lead=lead, actor=other_marketer)

    lead_concede(lead=lead, actor=marketer)
    lead.refresh_from_db()
    assert lead.state == LeadState.RETURNED


def test_a_rep_who_lost_the_sales_role_can_no_longer_act_on_their_leads(marketer, rep):
    lead = mql(marketer, rep)
    rep.groups.clear()
    roles.forget_cached_roles(rep)

    with nothing_written(lead), pytest.raises(ActionForbidden):
        services.lead_accept(lead=lead, actor=rep)


def test_permission_is_checked_before_the_state_so_strangers_learn_nothing(
    marketer, rep, other_rep, rep_segment
):
    lead = sal(marketer, rep, segment=rep_segment)

    # accept is not possible on a SAL lead either, but a stranger is told 403, not 409.
    with nothing_written(lead), pytest.raises(ActionForbidden):
        services.lead_accept(lead=lead, actor=other_rep)


def test_superuser_may_act_for_any_role(marketer, rep, admin_user, other_marketer):
    lead = inquiry(other_marketer, criteria=FOUR_CRITERIA)

    services.lead_qualify(lead=lead, actor=admin_user)
    services.lead_reject(lead=lead, actor=admin_user, reason="no_need")
    lead_concede(lead=lead, actor=admin_user)

    lead.refresh_from_db()
    assert lead.state == LeadState.RETURNED
    assert list(lead.events.values_list("actor__username", flat=True)) == ["other_marketer"] + ["admin"] * 3


def test_allowed_transitions_for_the_caller_follow_the_same_rules(
    marketer, other_marketer, rep, other_rep, rep_segment
):
    lead = rejected(marketer, rep, segment=rep_segment)

    assert "concede" in lead_allowed_transitions(lead=lead, user=marketer)
    assert "concede" not in lead_allowed_transitions(lead=lead, user=other_marketer)
    assert "expire_appeal" not in lead_allowed_transitions(lead=lead, user=marketer)
    assert lead_allowed_transitions(lead=lead, user=other_rep) == []
