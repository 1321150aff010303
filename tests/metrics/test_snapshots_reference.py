"""Every column of every snapshot table, and its label, against a straightforward
computation of the same definitions, on a varied random history.

The hand-computed story (conftest.py) pins each metric to a number; this
test covers what a small story does not: several deliveries per lead,
decisions and verdicts in any order, reassignments before and after the
decision (one that names no rep), deliveries without a rep, touches before,
between and after deliveries, period edges in both time zones (a Sunday
night that is Monday in London, the clocks going forward), leads without
campaign, segment or source. The reference reads the rows one by one and
follows the docstring of ``metrics.snapshots.deliveries`` literally.

Not marked ``postgres``: both the PostgreSQL and the SQLite statements are
checked against the same reference.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from adjudication.models import Case, CaseKind, CaseStatus, Decision, Finding, Vote
from leadcourt.accounts.models import User
from leads.campaigns.models import Campaign
from leads.models import Lead, LeadEvent, Segment, Touch
from leads.selectors import rulebook_current
from metrics.models import DeliverySnapshot, FunnelSnapshot, VerdictSnapshot
from metrics.periods import period_floor
from metrics.snapshots import snapshots_recompute
from tests.clock import LONDON, london

pytestmark = pytest.mark.django_db

FIRST, LAST = date(2025, 1, 1), date(2025, 3, 31)
NOW = london(2025, 3, 15, 12, 0)
# Instants on period edges: Sunday 5 January 23:59 (still Sunday in London,
# GMT), Sunday 30 March 23:30 UTC (Monday 31 March 00:30 in London, BST),
# and days outside the recomputed months whose weeks are recomputed.
EDGES = [
    datetime(2025, 1, 5, 23, 59, tzinfo=UTC),
    datetime(2025, 3, 30, 23, 30, tzinfo=UTC),
    datetime(2024, 12, 30, 0, 30, tzinfo=UTC),
    datetime(2025, 4, 3, 12, 0, tzinfo=UTC),
    datetime(2024, 12, 29, 23, 30, tzinfo=UTC),
]
AFTER_DELIVERY = [
    "reassign",
    "reassign",
    "accept",
    "accept",
    "reject",
    "flag_ignored",
    "verdict_overturn",
    "verdict_follow_up",
    "verdict_uphold",
    "flag_unworked",
    "qualify_opportunity",
    "return_after_followup",
    "appeal",
    "concede",
]


def _instant(rng: random.Random) -> datetime:
    if rng.random() < 0.15:
        return rng.choice(EDGES)
    start = datetime(2024, 12, 20, tzinfo=UTC)
    return start + timedelta(minutes=rng.randrange(0, 115 * 24 * 60))


def build_history(seed: int) -> None:
    """Leads with random histories, touches, cases and votes, written as rows."""
    rng = random.Random(seed)
    actor = User.objects.create(username="history_actor")
    # Names as str(user) shows them: full name, last name only, username, first name only.
    names = [("Ada", "Lovelace"), ("", "Hopper"), ("", ""), ("Grace", "")]
    reps = [
        User.objects.create(username=f"rep_{n}", first_name=first, last_name=last)
        for n, (first, last) in enumerate(names)
    ]
    judges = [User.objects.create(username=f"judge_{n}") for n in range(3)]
    campaigns = [None, *(Campaign.objects.create(name=f"C{n}", marketer=actor) for n in range(2))]
    segments = [None, *(Segment.objects.create(code=f"s{n}", name=f"S{n}") for n in range(2))]
    rulebook = rulebook_current()
    events, touches = [], []

    def event(lead, transition, at, **data):
        events.append(
            LeadEvent(
                lead=lead,
                transition=transition,
                from_state="inquiry",
                to_state="inquiry",
                actor=actor,
                occurred_at=at,
                rulebook_version=rulebook,
                data=data,
            )
        )

    for n in range(90):
        created = _instant(rng)
        state = rng.choice(["inquiry", "sal", "sal", "sql", "won", "returned", "in_review"])
        rep = rng.choice(reps) if state != "inquiry" else rng.choice([None, *reps])
        lead = Lead.objects.create(
            first_name=f"L{n}",
            source=rng.choice(["Web", "Event", ""]),
            campaign=rng.choice(campaigns),
            segment=rng.choice(segments),
            assigned_rep=rep,
            state=state,
            created_at=created,
            delivered_at=rng.choice([None, created]),
            accepted_at=rng.choice([None, created]),
            sql_at=rng.choice([None, None, created]),
            followup_due_at=NOW + timedelta(days=rng.choice([-3, 2])) if state == "sal" else None,
            won_amount=Decimal(rng.randrange(100, 90000)) / 100 if state == "won" else None,
        )
        at = created
        event(lead, "create", at)
        for number in range(rng.choice([0, 1, 1, 2, 3])):
            at = rng.choice([at + timedelta(minutes=rng.randrange(1, 20000)), max(at, rng.choice(EDGES))])
            delivery = "qualify" if number == 0 else "recycle"
            event(lead, delivery, at, **({"rep": rng.choice(reps).pk} if rng.random() < 0.9 else {}))
            for transition in rng.sample(AFTER_DELIVERY, rng.randrange(0, 6)):
                at += timedelta(minutes=rng.randrange(1, 5000))
                if transition == "reassign":
                    to_rep = {"to_rep": rng.choice(reps).pk} if rng.random() < 0.8 else {}
                    event(lead, transition, at, from_rep=None, **to_rep)
                else:
                    event(lead, transition, at)
        for _ in range(rng.randrange(0, 5)):
            touched = created + timedelta(minutes=rng.randrange(-2000, 40000))
            touches.append(
                Touch(lead=lead, actor=actor, channel="call", outcome="connected", occurred_at=touched)
            )
        for _ in range(rng.choice([0, 0, 1, 2])):
            opened = _instant(rng)
            case = Case.objects.create(
                kind=rng.choice(CaseKind.values),
                lead=lead,
                rep=rng.choice([None, *reps]),
                opened_by=actor,
                opened_at=opened,
                due_at=opened + timedelta(days=3),
                status=CaseStatus.DECIDED,
                decided_at=opened + timedelta(minutes=rng.randrange(10, 9000)),
                decision=rng.choice(Decision.values),
                finding=rng.choice(Finding.values),
                rationale="Because.",
            )
            for judge in rng.sample(judges, rng.randrange(1, 3)):
                Vote.objects.create(
                    case=case,
                    judge=judge,
                    decision=rng.choice(Decision.values),
                    finding=rng.choice(Finding.values),
                    rationale="Because.",
                    cast_at=opened + timedelta(minutes=rng.randrange(1, 9000)),
                )
    # One insert: ids follow the order written, which is each lead's time order.
    LeadEvent.objects.bulk_create(events)
    Touch.objects.bulk_create(touches)


# --- the reference: row by row, in Python ------------------------------------------------


def _periods(instant: datetime) -> list[tuple[str, date]]:
    """The recomputed periods an instant counts in (none for a month outside FIRST..LAST)."""
    day = instant.astimezone(LONDON).date()
    week, month = period_floor(day, "week"), period_floor(day, "month")
    periods = []
    if period_floor(FIRST, "week") <= week <= period_floor(LAST, "week"):
        periods.append(("week", week))
    if FIRST <= month <= LAST:
        periods.append(("month", month))
    return periods


def _text(value) -> str:
    return "" if value is None else str(value)


def _lead_keys(lead: Lead, rep_id) -> dict[str, str]:
    return {
        "overall": "all",
        "rep": _text(rep_id),
        "campaign": _text(lead.campaign_id),
        "source": lead.source or "",
        "segment": _text(lead.segment_id),
    }


def _group(facts: list[tuple[datetime, dict[str, str], dict]]) -> dict[tuple, list[dict]]:
    """Facts per (period, period start, dimension, key)."""
    groups = defaultdict(list)
    for instant, keys, fact in facts:
        for period, start in _periods(instant):
            for dimension, key in keys.items():
                groups[(period, start, dimension, key)].append(fact)
    return groups


def expected_deliveries() -> dict[tuple, dict]:
    leads = {lead.pk: lead for lead in Lead.objects.all()}
    history = defaultdict(list)
    for e in LeadEvent.objects.order_by("id"):
        history[e.lead_id].append(e)
    touches = defaultdict(list)
    for t in Touch.objects.all():
        touches[t.lead_id].append(t.occurred_at)
    facts = []
    for lead_id, events in history.items():
        lead = leads[lead_id]
        positions = [i for i, e in enumerate(events) if e.transition in ("qualify", "recycle")]
        for number, i in enumerate(positions):
            delivery = events[i]
            following = positions[number + 1] if number + 1 < len(positions) else None
            window = events[i + 1 : following]
            next_at = events[following].occurred_at if following is not None else None
            first = lambda names, window=window: next((e for e in window if e.transition in names), None)  # noqa: E731
            decision = first(("accept", "reject", "flag_ignored"))
            outcome = first(("flag_unworked", "qualify_opportunity", "return_after_followup"))
            turned = any(e.transition in ("verdict_overturn", "verdict_follow_up") for e in window)
            sal_past_due = lead.state == "sal" and lead.followup_due_at < NOW and following is None
            before_decision = window[: window.index(decision)] if decision else window
            reassignments = [e for e in before_decision if e.transition == "reassign"]
            rep_event = reassignments[-1] if reassignments else delivery
            rep = rep_event.data.get("to_rep", rep_event.data.get("rep"))
            touched = [
                at
                for at in touches[lead_id]
                if at >= delivery.occurred_at and (next_at is None or at < next_at)
            ]
            decided = decision.transition if decision else None
            facts.append(
                (
                    delivery.occurred_at,
                    _lead_keys(lead, rep),
                    {
                        "accepted": decided == "accept",
                        "rejected": decided == "reject",
                        "ignored": decided == "flag_ignored",
                        "final_accepted": decided == "accept" or (decided is not None and turned),
                        "followup_due": outcome is not None or sal_past_due,
                        "followup_met": (
                            outcome.transition in ("qualify_opportunity", "return_after_followup")
                            if outcome
                            else sal_past_due
                        ),
                        "hours": (min(touched) - delivery.occurred_at).total_seconds() / 3600
                        if touched
                        else None,
                    },
                )
            )
    expected = {}
    for key, group in _group(facts).items():
        hours = [f["hours"] for f in group if f["hours"] is not None]
        expected[key] = {
            "delivered": len(group),
            **{name: sum(f[name] for f in group) for name in ("accepted", "rejected", "ignored")},
            **{
                name: sum(f[name] for f in group)
                for name in ("final_accepted", "followup_due", "followup_met")
            },
            "touched": len(hours),
            "first_touch_hours_sum": sum(hours),
            "first_touch_hours_median": statistics.median(hours) if hours else None,
        }
    return expected


def expected_funnel() -> dict[tuple, dict]:
    facts = [(lead.created_at, _lead_keys(lead, lead.assigned_rep_id), lead) for lead in Lead.objects.all()]
    return {
        key: {
            "inquiries": len(group),
            "mqls": sum(lead.delivered_at is not None for lead in group),
            "sals": sum(lead.accepted_at is not None for lead in group),
            "sqls": sum(lead.sql_at is not None for lead in group),
            "won": sum(lead.state == "won" for lead in group),
            "revenue": sum((lead.won_amount for lead in group if lead.state == "won"), Decimal("0")),
        }
        for key, group in _group(facts).items()
    }


def _verdict_measures(rows: list[tuple[str, str, str, float]]) -> dict:
    """``rows``: (decision, finding, case kind, hours) of cases or of votes."""
    rejection = (CaseKind.APPEAL, CaseKind.AUDIT)
    return {
        "verdicts": len(rows),
        **{
            f"finding_{value}": sum(finding == value for _, finding, _, _ in rows) for value in Finding.values
        },
        "rejection_verdicts": sum(kind in rejection for _, _, kind, _ in rows),
        "overturned": sum(decision == Decision.OVERTURN for decision, _, _, _ in rows),
        "ignored_verdicts": sum(kind not in rejection for _, _, kind, _ in rows),
        "followed_up": sum(decision == Decision.FOLLOW_UP for decision, _, _, _ in rows),
        "hours_to_verdict_sum": sum(hours for _, _, _, hours in rows),
    }


def expected_verdicts() -> dict[tuple, dict]:
    cases = Case.objects.select_related("lead").filter(status=CaseStatus.DECIDED)
    case_facts = [
        (
            case.decided_at,
            _lead_keys(case.lead, case.rep_id),
            (
                case.decision,
                case.finding,
                case.kind,
                (case.decided_at - case.opened_at).total_seconds() / 3600,
            ),
        )
        for case in cases
    ]
    votes = Vote.objects.select_related("case").filter(case__status=CaseStatus.DECIDED)
    vote_facts = [
        (
            vote.case.decided_at,
            {"judge": str(vote.judge_id)},
            (
                vote.decision,
                vote.finding,
                vote.case.kind,
                (vote.cast_at - vote.case.opened_at).total_seconds() / 3600,
            ),
        )
        for vote in votes
    ]
    return {key: _verdict_measures(rows) for key, rows in _group(case_facts + vote_facts).items()}


NONE_LABELS = {
    "rep": "Unassigned",
    "campaign": "No campaign",
    "source": "No source",
    "segment": "No segment",
    "judge": "Unknown judge",
}


def expected_label(dimension: str, key: str) -> str:
    if dimension == "overall":
        return "All leads"
    if key == "":
        return NONE_LABELS[dimension]
    if dimension == "source":
        return key
    if dimension in ("rep", "judge"):
        return str(User.objects.get(pk=key))  # full name, else username
    return {"campaign": Campaign, "segment": Segment}[dimension].objects.get(pk=key).name


def _stored(model) -> dict[tuple, dict]:
    """Each stored row's measures by its key; its label checked on the way."""
    measures = model.measures()
    stored = {}
    for row in model.objects.all():
        assert row.label == expected_label(row.dimension, row.key), (str(row), row.label)
        stored[(row.period, row.period_start, row.dimension, row.key)] = {
            n: getattr(row, n) for n in measures
        }
    return stored


def _assert_same(stored: dict, expected: dict) -> None:
    assert set(stored) == set(expected)
    for key, measures in expected.items():
        for name, value in measures.items():
            if isinstance(value, float):
                # SQLite's julianday() carries about a microsecond of rounding.
                assert stored[key][name] == pytest.approx(value, rel=1e-9, abs=1e-6), (key, name)
            else:
                assert stored[key][name] == value, (key, name)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_snapshot_column_matches_a_row_by_row_computation(seed):
    build_history(seed)
    snapshots_recompute(first=FIRST, last=LAST, now=NOW)

    deliveries = expected_deliveries()
    # The dataset exercises what the definitions distinguish.
    overall = [
        m
        for (period, _, dimension, _), m in deliveries.items()
        if (period, dimension) == ("month", "overall")
    ]
    for name in (
        "accepted",
        "rejected",
        "ignored",
        "final_accepted",
        "followup_due",
        "followup_met",
        "touched",
    ):
        assert sum(m[name] for m in overall) > 0, name
    assert any(key == ("month", date(2025, 3, 1), "rep", "") for key in deliveries), (
        "a delivery without a rep"
    )

    _assert_same(_stored(DeliverySnapshot), deliveries)
    _assert_same(_stored(FunnelSnapshot), expected_funnel())
    _assert_same(_stored(VerdictSnapshot), expected_verdicts())
