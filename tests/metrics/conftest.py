"""A small history built through the real services, whose metrics are
computed by hand below (``EXPECTED_*`` in the tests).

The clock starts on Monday 13 January 2025, 09:00 London (week W1); W2 is
the week of Monday 20 January. Leads of segment EMEA route to ``rep``, of
APAC to ``other_rep``. All leads meet four criteria: grade B, three touches
required.

    L1  EMEA, campaign Webinar, source Webinar   delivered W1, accepted, touched +2h;
        follow-up missed (flagged on 3 March)
    L2  EMEA, campaign Webinar, source Webinar   delivered W1, rejected, appealed,
        OVERTURNED (W1 verdict, 22 h): final acceptance; touched +26h, three
        touches, opportunity, won 5000
    L3  APAC, no campaign, source Website        delivered W1, rejected, conceded;
        RECYCLED on 22 Jan (W2): a new delivery, accepted, touched +2h (three
        touches, still SAL past its deadline: followed up)
    L4  APAC, no campaign, source Website        delivered W1, IGNORED (flagged in W2),
        follow_up verdict (1 h): final acceptance; follow-up missed
    L5  EMEA → reassigned to other_rep, source Website   delivered W2, no decision
    L6  campaign Webinar                         an inquiry, never qualified
    L7  EMEA, source Trade show                  delivered W1, rejected, appealed, UPHELD
        (W1 verdict, 22.5 h, finding marketing)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from adjudication import services as court
from adjudication.services import lead_concede
from leadcourt.accounts import roles
from leads import services
from leads.models import Campaign, CampaignStatus, Lead, Segment
from tests.clock import london
from tests.factories import FOUR_CRITERIA

W1 = date(2025, 1, 13)
W2 = date(2025, 1, 20)
JAN = date(2025, 1, 1)
END_OF_STORY = london(2025, 3, 3, 9, 0)


@dataclass
class Story:
    leads: dict[str, Lead]
    webinar: Campaign
    emea: Segment
    apac: Segment
    now: object


def _lead(marketer, name: str, *, segment, campaign=None, source: str) -> Lead:
    lead, _ = services.lead_create(
        actor=marketer,
        criteria=FOUR_CRITERIA,
        first_name=name,
        last_name="Lead",
        source=source,
        campaign=campaign,
        segment=segment,
    )
    return lead


def build_story(*, clock, rep, other_rep, marketer, judge, manager) -> Story:
    system = roles.system_actor()
    emea = Segment.objects.create(code="emea", name="EMEA", owner_rep=rep)
    apac = Segment.objects.create(code="apac", name="APAC", owner_rep=other_rep)
    webinar = Campaign.objects.create(
        name="Webinar",
        source="Webinar",
        marketer=marketer,
        status=CampaignStatus.LIVE,
        forecast_leads=10,
        forecast_mqls=5,
        forecast_revenue=Decimal("20000"),
        budget=Decimal("4000"),
    )

    # Monday 13 January, 09:00: five deliveries and one inquiry.
    clock.set(london(2025, 1, 13, 9, 0))
    l1 = _lead(marketer, "L1", segment=emea, campaign=webinar, source="Webinar")
    l2 = _lead(marketer, "L2", segment=emea, campaign=webinar, source="Webinar")
    l3 = _lead(marketer, "L3", segment=apac, source="Website")
    l4 = _lead(marketer, "L4", segment=apac, source="Website")
    l6 = _lead(marketer, "L6", segment=emea, campaign=webinar, source="Webinar")
    l7 = _lead(marketer, "L7", segment=emea, source="Trade show")
    for lead in (l1, l2, l3, l4, l7):
        services.lead_qualify(lead=lead, actor=marketer)

    clock.set(london(2025, 1, 13, 10, 0))
    services.lead_accept(lead=l1, actor=rep)
    services.lead_reject(lead=l2, actor=rep, reason="no_budget")
    services.lead_reject(lead=l3, actor=other_rep, reason="not_icp")
    services.lead_reject(lead=l7, actor=rep, reason="no_need")

    clock.set(london(2025, 1, 13, 11, 0))
    services.lead_touch_log(lead=l1, actor=rep, channel="call", outcome="no_answer")

    clock.set(london(2025, 1, 13, 12, 0))
    appeal_l2 = court.case_open_appeal(lead=l2, actor=marketer, argument="They have budget.")
    appeal_l7 = court.case_open_appeal(lead=l7, actor=marketer, argument="They need it.")
    lead_concede(lead=l3, actor=marketer)

    # Tuesday 14 January: verdicts on the appeals, and L2 worked to a win.
    clock.set(london(2025, 1, 14, 10, 0))
    court.case_verdict_render(
        case=appeal_l2, actor=judge, decision="overturn", finding="sales", rationale="Budget confirmed."
    )
    clock.set(london(2025, 1, 14, 10, 30))
    court.case_verdict_render(
        case=appeal_l7, actor=judge, decision="uphold", finding="marketing", rationale="No need indeed."
    )
    for hour in (11, 12, 13):
        clock.set(london(2025, 1, 14, hour, 0))
        services.lead_touch_log(lead=l2, actor=rep, channel="email", outcome="replied")
    clock.set(london(2025, 1, 14, 14, 0))
    services.lead_qualify_opportunity(lead=l2, actor=rep)
    clock.set(london(2025, 1, 14, 15, 0))
    services.lead_close_won(lead=l2, actor=rep, amount="5000")

    # L4's decision deadline passes in W2: ignored, then sent to follow-up.
    l4.refresh_from_db()
    assert london(2025, 1, 20) <= l4.decision_due_at < london(2025, 1, 22)
    clock.set(l4.decision_due_at)
    clock.advance(minutes=1)
    ignored_l4 = court.case_open_ignored(lead=l4, actor=system)
    clock.advance(hours=1)
    court.case_verdict_render(
        case=ignored_l4, actor=judge, decision="follow_up", finding="sales", rationale="Nobody called."
    )

    # Wednesday 22 January: L3 recycled (a new delivery), L5 delivered and reassigned.
    clock.set(london(2025, 1, 22, 9, 0))
    services.lead_recycle(lead=l3, actor=marketer)
    clock.set(london(2025, 1, 22, 9, 15))
    l5 = _lead(marketer, "L5", segment=emea, source="Website")
    services.lead_qualify(lead=l5, actor=marketer)
    clock.set(london(2025, 1, 22, 9, 30))
    services.lead_reassign(lead=l5, actor=manager, rep=other_rep)
    clock.set(london(2025, 1, 22, 10, 0))
    services.lead_accept(lead=l3, actor=other_rep)
    for hour in (11, 12, 13):
        clock.set(london(2025, 1, 22, hour, 0))
        services.lead_touch_log(lead=l3, actor=other_rep, channel="call", outcome="connected")

    # 3 March: the follow-up sweep flags L1 and L4 (too few touches); L3 had its three.
    clock.set(END_OF_STORY)
    court.case_open_not_followed_up(lead=l1, actor=system)
    court.case_open_not_followed_up(lead=l4, actor=system)

    leads = {lead.first_name: Lead.objects.get(pk=lead.pk) for lead in (l1, l2, l3, l4, l5, l6, l7)}
    return Story(leads=leads, webinar=webinar, emea=emea, apac=apac, now=clock.now())


@pytest.fixture
def story(clock, rep, other_rep, marketer, judge, manager) -> Story:
    return build_story(
        clock=clock, rep=rep, other_rep=other_rep, marketer=marketer, judge=judge, manager=manager
    )
