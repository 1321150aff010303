"""The set-based form of opening cases (``cases_open_ignored``,
``cases_open_not_followed_up``, what the sweeps run) writes exactly what the
per-lead services write (STYLE.md habit 15), re-checks every lead in its
``UPDATE`` and hands each batch's notifications to one delivery task.

The equality tests build the same scenario twice, each time in a transaction
rolled back afterwards, on the frozen clock: once the per-lead service is
applied to every lead (it refuses the ones not due), once the sweep runs.
Everything either wrote is then compared, with ids replaced by what they
stand for (lead 3, lead 3's first case, ...); timestamps come from the same
frozen clock in both runs, so they are compared as they are. Nothing here
needs row locks, so these run on SQLite too (the embedded setup); the races
on PostgreSQL's locks are in test_opening_in_bulk_concurrency.py.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from adjudication import services as court
from adjudication import sweeps
from adjudication.models import Case, CaseKind
from leadcourt.accounts import roles
from leadcourt.accounts.models import Department
from leadcourt.errors import ActionForbidden, ApplicationError
from leadcourt.notifications.models import Notification, NotificationKind
from leads import services
from leads.models import Lead, LeadEvent, LeadState
from leads.selectors import rulebook_current
from tests import factories
from tests.adjudication.builders import verdict
from tests.clock import london
from tests.conftest import make_user
from tests.jobs.conftest import world

pytestmark = pytest.mark.django_db

MONDAY = london(2025, 1, 13, 9, 0)
# Past the decision deadline (48 working hours: Tuesday 21 January at the
# same time) of every lead delivered on Monday morning.
AFTER_DECISION_DEADLINES = london(2025, 1, 21, 12, 0)


# --- the people -----------------------------------------------------------------------


@pytest.fixture
def court_people(rules, marketer, rep, other_rep, manager, judge, judge2):
    """Two reps (routing alternates between them), judges of every sort, and
    a rulebook with independent judges: a sales judge and an inactive judge
    are never told, a judge who is also a lead's marketer not about that lead."""
    rules(independent_judges=True)
    return {
        "marketer": marketer,
        "judging_marketer": make_user(
            "judging_marketer", roles.MARKETER, roles.JUDGE, department=Department.EXECUTIVE
        ),
        "rep": rep,
        "other_rep": other_rep,
        "manager": manager,
        "judge": judge,
        "judge2": judge2,
        "sales_judge": make_user("sales_judge", roles.JUDGE, department=Department.SALES),
        "retired_judge": make_user("retired_judge", roles.JUDGE, is_active=False),
    }


def _fresh(lead: Lead) -> Lead:
    return Lead.objects.get(pk=lead.pk)


def _touch(clock, lead: Lead, channel: str) -> None:
    clock.advance(minutes=7)
    lead = _fresh(lead)
    services.lead_touch_log(lead=lead, actor=lead.assigned_rep, channel=channel, outcome="no_answer")


def _delivered(clock, marketer, *, criteria=factories.FOUR_CRITERIA, name: str) -> Lead:
    clock.advance(minutes=3)
    lead = factories.inquiry(marketer, criteria=criteria, first_name=name)
    return services.lead_qualify(lead=lead, actor=marketer)


# --- the scenarios --------------------------------------------------------------------


def decision_scenario(clock, people) -> list[Lead]:
    """Leads delivered on Monday 13 January, some still waiting for a decision
    a week later, some not; returned in creation order."""
    clock.set(MONDAY)
    marketer = people["marketer"]
    plain = _delivered(clock, marketer, name="Plain")
    grade_a = _delivered(clock, people["judging_marketer"], criteria=factories.SEVEN_CRITERIA, name="GradeA")
    touched = _delivered(clock, marketer, name="Touched")
    for channel in ("call", "email", "call"):
        _touch(clock, touched, channel)
    # A second delivery: the first round's touches happened before it, so the
    # snapshot's "since delivery" and "follow-up round" counts differ.
    recycled = _delivered(clock, marketer, name="Recycled")
    services.lead_accept(lead=recycled, actor=_fresh(recycled).assigned_rep)
    for channel in ("call", "meeting", "email"):
        _touch(clock, recycled, channel)
    services.lead_return_after_followup(
        lead=recycled, actor=_fresh(recycled).assigned_rep, reason="no_budget"
    )
    clock.advance(minutes=5)
    court.lead_concede(lead=recycled, actor=marketer)
    clock.advance(minutes=5)
    services.lead_recycle(lead=recycled, actor=marketer)
    _touch(clock, recycled, "social")
    reassigned = _delivered(clock, marketer, name="Reassigned")
    current = _fresh(reassigned).assigned_rep
    services.lead_reassign(
        lead=reassigned,
        actor=people["manager"],
        rep=people["other_rep"] if current == people["rep"] else people["rep"],
    )
    accepted = _delivered(clock, marketer, name="Accepted")
    services.lead_accept(lead=accepted, actor=_fresh(accepted).assigned_rep)
    rejected = _delivered(clock, marketer, name="Rejected")
    services.lead_reject(lead=rejected, actor=_fresh(rejected).assigned_rep, reason="no_budget")
    # Delivered on Wednesday: its deadline is days after the sweep.
    clock.set(london(2025, 1, 15, 9, 0))
    later = _delivered(clock, marketer, name="Later")
    return [plain, grade_a, touched, recycled, reassigned, accepted, rejected, later]


def followup_scenario(clock, people) -> list[Lead]:
    """Leads accepted on Monday 13 January and worked more or less; one sent
    back to sales by a verdict, whose new round ignores the older touches."""
    clock.set(MONDAY)
    marketer = people["marketer"]

    def accepted(name, criteria=factories.FOUR_CRITERIA, touches=()):
        lead = _delivered(clock, marketer, criteria=criteria, name=name)
        services.lead_accept(lead=lead, actor=_fresh(lead).assigned_rep)
        for channel in touches:
            _touch(clock, lead, channel)
        return lead

    once = accepted("Once", touches=["call"])
    worked = accepted("Worked", touches=["call", "email", "call"])
    grade_a = accepted("GradeA", criteria=factories.SEVEN_CRITERIA, touches=["call", "email", "call", "sms"])
    untouched = accepted("Untouched")
    opportunity = accepted("Opportunity", touches=["call"])
    services.lead_qualify_opportunity(lead=opportunity, actor=_fresh(opportunity).assigned_rep)
    # Ignored, then sent back to sales by a verdict: a new follow-up round.
    second_round = _delivered(clock, marketer, name="SecondRound")
    _touch(clock, second_round, "call")
    _touch(clock, second_round, "email")
    clock.set(AFTER_DECISION_DEADLINES)
    case = court.case_open_ignored(lead=second_round, actor=roles.system_actor())
    clock.advance(minutes=30)
    verdict(case, people["judge"], "follow_up", rationale="A fit lead; work it.")
    _touch(clock, second_round, "meeting")
    # Past every follow-up deadline of the scenario.
    clock.set(max(_fresh(lead).followup_due_at for lead in (once, second_round)) + timedelta(minutes=1))
    return [once, worked, grade_a, untouched, opportunity, second_round]


# --- running one path and reading what it wrote ---------------------------------------


def _each_lead_through_the_service(service) -> Callable[[list[Lead]], None]:
    def run(leads: list[Lead]) -> None:
        system = roles.system_actor()
        for lead in sorted(leads, key=lambda lead: lead.pk):
            # A lead that is not due: the service's own guard refuses it.
            with contextlib.suppress(ApplicationError):
                service(lead=Lead(pk=lead.pk), actor=system)

    return run


def _labels(lead_ids: list[int]) -> dict[str, dict[int, str]]:
    """What each id stands for, the same in both runs."""
    leads = {pk: f"lead{n}" for n, pk in enumerate(lead_ids)}
    cases, events = {}, {}
    for model, into in ((Case, cases), (LeadEvent, events)):
        seen: dict[int, int] = {}
        rows = model.objects.filter(lead_id__in=lead_ids).order_by("pk").values_list("pk", "lead_id")
        for pk, lead_id in rows:
            seen[lead_id] = seen.get(lead_id, 0) + 1
            into[pk] = f"{leads[lead_id]}.{model.__name__.lower()}{seen[lead_id]}"
    return {"lead": leads, "case": cases, "event": events}


def _relabel_key(key: str, labels) -> str:
    return re.sub(r"(lead|case|event)(\d+)", lambda m: labels[m[1]][int(m[2])], key)


def written(lead_ids: list[int]) -> dict:
    """Every row about these leads, ids replaced by labels."""
    labels = _labels(lead_ids)
    lead_label, case_label = labels["lead"], labels["case"]
    leads = [
        {**{k: v for k, v in row.items() if k not in ("id", "public_id")}, "label": lead_label[row["id"]]}
        for row in Lead.objects.filter(pk__in=lead_ids).order_by("pk").values()
    ]
    cases = [
        {
            **{k: v for k, v in row.items() if k != "id"},
            "label": case_label[row["id"]],
            "lead_id": lead_label[row["lead_id"]],
        }
        for row in Case.objects.filter(lead_id__in=lead_ids).order_by("pk").values()
    ]
    events = []
    for row in LeadEvent.objects.filter(lead_id__in=lead_ids).order_by("pk").values():
        data = dict(row["data"])
        if "case" in data:
            data["case"] = case_label[data["case"]]
        events.append(
            {
                **{k: v for k, v in row.items() if k != "id"},
                "label": labels["event"][row["id"]],
                "lead_id": lead_label[row["lead_id"]],
                "data": data,
            }
        )
    notifications = sorted(
        (
            {
                **{k: v for k, v in row.items() if k != "id"},
                "lead_id": lead_label.get(row["lead_id"]),
                "case_id": case_label.get(row["case_id"]),
                "key": _relabel_key(row["key"], labels),
            }
            for row in Notification.objects.filter(lead_id__in=lead_ids).values()
        ),
        key=lambda row: (row["key"], row["recipient_id"]),
    )
    return {
        "leads": sorted(leads, key=lambda row: row["label"]),
        "cases": sorted(cases, key=lambda row: row["label"]),
        "events": sorted(events, key=lambda row: row["label"]),
        "notifications": notifications,
    }


def _rolled_back(build, clock, people, run) -> tuple[dict, list[str]]:
    """Build the scenario, run one path over it, read what is there; then undo it all."""
    with transaction.atomic():
        leads = build(clock, people)
        before = {lead.pk: _fresh(lead).state for lead in leads}
        run(leads)
        result = written([lead.pk for lead in leads])
        flagged = [f"lead{n}" for n, lead in enumerate(leads) if _fresh(lead).state != before[lead.pk]]
        transaction.set_rollback(True)
    return result, flagged


# --- both paths write the same rows -----------------------------------------------------


def test_the_decision_sweep_writes_what_the_per_lead_service_writes(clock, court_people):
    def sweep(leads):
        clock.set(AFTER_DECISION_DEADLINES)
        sweeps.sweep_decisions()

    def per_lead(leads):
        clock.set(AFTER_DECISION_DEADLINES)
        _each_lead_through_the_service(court.case_open_ignored)(leads)

    one_by_one, flagged_one_by_one = _rolled_back(decision_scenario, clock, court_people, per_lead)
    in_bulk, flagged_in_bulk = _rolled_back(decision_scenario, clock, court_people, sweep)

    # The scenario flags what it should: the five leads still waiting.
    assert flagged_one_by_one == ["lead0", "lead1", "lead2", "lead3", "lead4"]
    assert flagged_in_bulk == flagged_one_by_one
    assert in_bulk["leads"] == one_by_one["leads"]
    assert in_bulk["cases"] == one_by_one["cases"]
    assert in_bulk["events"] == one_by_one["events"]
    assert in_bulk["notifications"] == one_by_one["notifications"]
    # What the comparison covered (so that equal does not mean "both empty").
    recycled = next(case for case in in_bulk["cases"] if case["lead_id"] == "lead3")
    assert recycled["snapshot"]["touches"] == {
        "count": 1,
        "by_channel": {"social": 1},
        "channels": 1,
        "followup_round": 4,
        "required": 3,
    }
    told = [n for n in in_bulk["notifications"] if n["kind"] == NotificationKind.CASE_OPENED]
    judges = court_people["judge"].pk, court_people["judge2"].pk, court_people["judging_marketer"].pk
    assert sorted((n["case_id"], n["recipient_id"]) for n in told) == sorted(
        (f"lead{n}.case1", judge_id)
        for n in range(5)
        for judge_id in judges
        # The marketer of lead 1 judges, but not their own lead's case.
        if not (n == 1 and judge_id == court_people["judging_marketer"].pk)
    )


def test_the_follow_up_sweep_writes_what_the_per_lead_service_writes(clock, court_people):
    def sweep(leads):
        sweeps.sweep_followups()

    one_by_one, flagged_one_by_one = _rolled_back(
        followup_scenario,
        clock,
        court_people,
        _each_lead_through_the_service(court.case_open_not_followed_up),
    )
    in_bulk, flagged_in_bulk = _rolled_back(followup_scenario, clock, court_people, sweep)

    # Once (1 of 3 touches), GradeA (4 of 6), Untouched, SecondRound (1 of 3 this round).
    assert flagged_one_by_one == ["lead0", "lead2", "lead3", "lead5"]
    assert flagged_in_bulk == flagged_one_by_one
    assert in_bulk["leads"] == one_by_one["leads"]
    assert in_bulk["cases"] == one_by_one["cases"]
    assert in_bulk["events"] == one_by_one["events"]
    assert in_bulk["notifications"] == one_by_one["notifications"]
    second_round = next(case for case in in_bulk["cases"] if case["label"] == "lead5.case2")
    assert second_round["kind"] == CaseKind.NOT_FOLLOWED_UP
    assert second_round["snapshot"]["touches"] == {
        "count": 3,
        "by_channel": {"call": 1, "email": 1, "meeting": 1},
        "channels": 3,
        "followup_round": 1,
        "required": 3,
    }


# --- the compare-and-set ------------------------------------------------------------------


def test_a_lead_decided_between_selection_and_update_gets_no_case(clock, marketer, rep, judge, system):
    leads = [factories.mql(marketer, rep, first_name=f"Lead{n}") for n in range(3)]
    clock.set(AFTER_DECISION_DEADLINES)
    selected = list(court.leads_overdue_for_decision(clock.now()).values_list("pk", flat=True))
    # The rep accepts one of them after the sweep chose it, before the sweep moves it.
    services.lead_accept(lead=leads[1], actor=rep)

    opened = court.cases_open_ignored(lead_ids=selected, actor=system)

    assert [case.lead_id for case in opened] == [leads[0].pk, leads[2].pk]
    accepted = _fresh(leads[1])
    assert accepted.state == LeadState.SAL
    assert not Case.objects.filter(lead=accepted).exists()
    assert not LeadEvent.objects.filter(lead=accepted, transition="flag_ignored").exists()
    assert not Notification.objects.filter(lead=accepted, kind=NotificationKind.CASE_OPENED).exists()


def test_a_lead_touched_enough_between_selection_and_update_gets_no_case(clock, marketer, rep, system):
    lead = factories.sal(marketer, rep)
    for _ in range(2):
        _touch(clock, lead, "call")
    clock.set(_fresh(lead).followup_due_at + timedelta(minutes=1))
    selected = list(
        court.leads_overdue_for_followup(clock.now(), rulebook_current()).values_list("pk", flat=True)
    )
    assert selected == [lead.pk]
    # The third touch lands (back-dated to before the deadline) after the selection.
    services.lead_touch_log(
        lead=lead, actor=rep, channel="email", outcome="replied", occurred_at=clock.now() - timedelta(hours=2)
    )

    assert court.cases_open_not_followed_up(lead_ids=selected, actor=system) == []
    assert _fresh(lead).state == LeadState.SAL
    assert not Case.objects.filter(lead=lead).exists()


def test_opening_the_same_leads_again_writes_nothing(clock, marketer, rep, judge, system):
    leads = [factories.mql(marketer, rep) for _ in range(3)]
    clock.set(AFTER_DECISION_DEADLINES)
    ids = [lead.pk for lead in leads]
    assert len(court.cases_open_ignored(lead_ids=ids, actor=system)) == 3
    after_first = world()

    clock.advance(minutes=5)
    assert court.cases_open_ignored(lead_ids=ids, actor=system) == []
    assert sweeps.sweep_decisions().counts == {"flagged": 0, "cases_opened": 0, "reminders": 0, "skipped": 0}

    assert world() == after_first


def test_only_the_system_may_open_cases_in_bulk(clock, marketer, rep, manager):
    lead = factories.mql(marketer, rep)
    clock.set(AFTER_DECISION_DEADLINES)

    with pytest.raises(ActionForbidden):
        court.cases_open_ignored(lead_ids=[lead.pk], actor=manager)

    assert _fresh(lead).state == LeadState.MQL
    assert not Case.objects.exists()


# --- one delivery task per batch ------------------------------------------------------------


def test_each_batch_of_the_sweep_sends_one_delivery_message(
    clock, marketer, rep, judge, judge2, django_capture_on_commit_callbacks
):
    leads = [factories.mql(marketer, rep) for _ in range(7)]
    clock.set(AFTER_DECISION_DEADLINES)

    with (
        mock.patch("adjudication.sweeps.SWEEP_BATCH_SIZE", 3),
        mock.patch("leadcourt.notifications.tasks.notification_deliver.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = sweeps.sweep_decisions()

    assert report.counts["cases_opened"] == 7
    # Batches of 3, 3 and 1 leads; two judges told about each case.
    messages = [call.args[0] for call in delay.call_args_list]
    assert [len(ids) for ids in messages] == [6, 6, 2]
    told = Notification.objects.filter(kind=NotificationKind.CASE_OPENED)
    assert sorted(id_ for ids in messages for id_ in ids) == sorted(told.values_list("pk", flat=True))
    leads_by_message = [
        sorted(set(Notification.objects.filter(pk__in=ids).values_list("lead_id", flat=True)))
        for ids in messages
    ]
    ids = sorted(lead.pk for lead in leads)
    assert leads_by_message == [ids[0:3], ids[3:6], ids[6:7]]


def test_opening_cases_in_bulk_costs_the_same_statements_for_3_leads_as_for_12(
    clock, marketer, rep, judge, judge2, system
):
    leads = [factories.mql(marketer, rep) for _ in range(15)]
    for lead in leads[:3]:
        services.lead_touch_log(lead=lead, actor=rep, channel="call", outcome="no_answer")
    clock.set(AFTER_DECISION_DEADLINES)

    with CaptureQueriesContext(connection) as few:
        court.cases_open_ignored(lead_ids=[lead.pk for lead in leads[:3]], actor=system)
    with CaptureQueriesContext(connection) as many:
        court.cases_open_ignored(lead_ids=[lead.pk for lead in leads[3:]], actor=system)

    assert len(many) == len(few) <= 12
    assert Case.objects.count() == 15
