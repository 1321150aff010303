"""Each metric of SPEC §7 against the hand-computed story in conftest.py.

Not marked ``postgres``: the aggregation is meant to give the same numbers
on SQLite (``make run``), so a SQLite run checks that path too.
"""

from __future__ import annotations

from datetime import date

import pytest

from leads.models import Lead
from metrics import jobs, selectors, tasks
from metrics.models import DeliverySnapshot, FunnelSnapshot, VerdictSnapshot
from metrics.selectors import MetricFilters
from metrics.snapshots import snapshots_recompute
from tests.clock import london
from tests.metrics.conftest import JAN, W1, W2

pytestmark = pytest.mark.django_db

ACCEPTANCE = ("delivered", "accepted", "rejected", "ignored", "final_accepted")
JAN_31 = date(2025, 1, 31)


def recompute(story, first=JAN, last=JAN_31):
    return snapshots_recompute(first=first, last=last, now=story.now)


def row(model, period, start, dimension="overall", key="all"):
    return model.objects.get(period=period, period_start=start, dimension=dimension, key=key)


def values(obj, names):
    return tuple(getattr(obj, name) for name in names)


def keyed(model, period, start, dimension, names):
    """{label: counts} of every key of a dimension in one period."""
    return {
        snap.label: values(snap, names)
        for snap in model.objects.filter(period=period, period_start=start, dimension=dimension)
    }


def test_weekly_acceptance_counts_each_delivery_in_the_week_it_was_delivered(story):
    recompute(story)
    # W1: L1 accepted; L2, L3, L7 rejected; L4 ignored (flagged in W2, counted in W1).
    # Finally accepted: L1, L2 (overturned), L4 (follow_up verdict).
    assert values(row(DeliverySnapshot, "week", W1), ACCEPTANCE) == (5, 1, 3, 1, 3)
    # W2: L3's second delivery (accepted) and L5 (no decision yet).
    assert values(row(DeliverySnapshot, "week", W2), ACCEPTANCE) == (2, 1, 0, 0, 1)

    rates = {r["period_start"]: r for r in selectors.acceptance_series(filters=MetricFilters("week", W1, W2))}
    assert rates[W1]["first_pass_rate"] == pytest.approx(1 / 5)
    assert rates[W1]["final_rate"] == pytest.approx(3 / 5)
    assert rates[W2]["pending"] == 1
    # The undecided delivery is not in the denominator.
    assert rates[W2]["first_pass_rate"] == 1.0
    assert rates[W2]["final_rate"] == 1.0


def test_monthly_acceptance_adds_up_the_weeks(story):
    recompute(story)
    jan = row(DeliverySnapshot, "month", JAN)
    assert values(jan, ACCEPTANCE) == (7, 2, 3, 1, 4)
    [series] = selectors.acceptance_series(filters=MetricFilters("month", JAN, JAN_31))
    assert series["first_pass_rate"] == pytest.approx(2 / 6)
    assert series["final_rate"] == pytest.approx(4 / 6)


def test_an_overturn_turns_a_rejection_into_a_final_acceptance(story):
    recompute(story)
    # Source Webinar: L1 accepted, L2 rejected then overturned on appeal.
    webinar = row(DeliverySnapshot, "week", W1, "source", "Webinar")
    assert values(webinar, ACCEPTANCE) == (2, 1, 1, 0, 2)
    # Source Trade show: L7 rejected and the rejection upheld: no final acceptance.
    trade_show = row(DeliverySnapshot, "week", W1, "source", "Trade show")
    assert values(trade_show, ACCEPTANCE) == (1, 0, 1, 0, 0)


def test_a_recycled_lead_counts_as_a_new_delivery(story):
    recompute(story)
    l3 = story.leads["L3"]
    assert l3.delivery_count == 2
    apac = str(story.apac.pk)
    # W1: L3 rejected (and conceded), L4 ignored. W2: L3 again, accepted this time.
    assert values(row(DeliverySnapshot, "week", W1, "segment", apac), ACCEPTANCE) == (2, 0, 1, 1, 1)
    assert values(row(DeliverySnapshot, "week", W2, "segment", apac), ACCEPTANCE) == (1, 1, 0, 0, 1)
    # Two leads, three deliveries in January; the first rejection stays a rejection.
    assert values(row(DeliverySnapshot, "month", JAN, "segment", apac), ACCEPTANCE) == (3, 1, 1, 1, 2)


def test_each_dimension_by_month(story):
    recompute(story)
    assert keyed(DeliverySnapshot, "month", JAN, "rep", ACCEPTANCE) == {
        "Rep": (3, 1, 2, 0, 2),  # L1, L2, L7
        "Other Rep": (4, 1, 1, 1, 2),  # L3 twice, L4, L5 (reassigned to them before any decision)
    }
    assert keyed(DeliverySnapshot, "month", JAN, "campaign", ACCEPTANCE) == {
        "Webinar": (2, 1, 1, 0, 2),
        "No campaign": (5, 1, 2, 1, 2),
    }
    assert keyed(DeliverySnapshot, "month", JAN, "source", ACCEPTANCE) == {
        "Webinar": (2, 1, 1, 0, 2),
        "Website": (4, 1, 1, 1, 2),
        "Trade show": (1, 0, 1, 0, 0),
    }
    assert keyed(DeliverySnapshot, "month", JAN, "segment", ACCEPTANCE) == {
        "EMEA": (4, 1, 2, 0, 2),
        "APAC": (3, 1, 1, 1, 2),
    }


def test_a_reassigned_delivery_counts_for_the_rep_who_had_it_at_the_decision(story):
    recompute(story)
    # L5 was delivered to rep (EMEA) and reassigned to other_rep before any decision.
    assert keyed(DeliverySnapshot, "week", W2, "rep", ACCEPTANCE) == {"Other Rep": (2, 1, 0, 0, 1)}
    assert keyed(DeliverySnapshot, "week", W1, "rep", ACCEPTANCE) == {
        "Rep": (3, 1, 2, 0, 2),
        "Other Rep": (2, 0, 1, 1, 1),
    }


def test_follow_up_compliance(story):
    recompute(story)
    due_met = ("followup_due", "followup_met")
    # W1: L1 flagged (missed), L2 worked to an opportunity (met), L4 flagged (missed).
    assert values(row(DeliverySnapshot, "week", W1), due_met) == (3, 1)
    # W2: L3 had its three touches and is past its deadline without being flagged (met).
    assert values(row(DeliverySnapshot, "week", W2), due_met) == (1, 1)
    [jan] = selectors.acceptance_series(filters=MetricFilters("month", JAN, JAN_31))
    assert (jan["followup_due"], jan["followup_met"], jan["followup_rate"]) == (4, 2, 0.5)


def test_a_lead_still_in_follow_up_counts_once_its_deadline_has_passed(story):
    # L3 (W2) is still in SAL with its three touches. On 23 January its
    # follow-up deadline is ahead: not due yet. On 3 March it has passed and
    # the sweep did not flag it: followed up in time.
    snapshots_recompute(first=W2, last=W2, now=london(2025, 1, 23, 9, 0))
    assert values(row(DeliverySnapshot, "week", W2), ("followup_due", "followup_met")) == (0, 0)
    snapshots_recompute(first=W2, last=W2, now=story.now)
    assert values(row(DeliverySnapshot, "week", W2), ("followup_due", "followup_met")) == (1, 1)


def test_time_to_first_touch(story):
    recompute(story)
    touch = ("touched", "first_touch_hours_sum", "first_touch_hours_median")
    # W1: L1 touched 2 h after delivery, L2 26 h after: median 14 h.
    assert values(row(DeliverySnapshot, "week", W1), touch) == pytest.approx((2, 28.0, 14.0))
    # L3's touches belong to its second delivery (W2, 2 h), not to the first.
    assert values(row(DeliverySnapshot, "week", W1, "source", "Website"), touch) == (0, 0.0, None)
    assert values(row(DeliverySnapshot, "week", W2), touch) == pytest.approx((1, 2.0, 2.0))
    # January: 2, 2 and 26 hours: median 2 h.
    assert values(row(DeliverySnapshot, "month", JAN), touch) == pytest.approx((3, 30.0, 2.0))


VERDICT = ("verdicts", "finding_sales", "finding_marketing", "rejection_verdicts", "overturned")


def test_verdict_findings_and_overturn_rate(story):
    recompute(story)
    # W1: L2 overturned (finding sales), L7 upheld (finding marketing).
    assert values(row(VerdictSnapshot, "week", W1), VERDICT) == (2, 1, 1, 2, 1)
    # W2: L4's ignored case sent to follow-up (finding sales); not an appeal.
    w2 = row(VerdictSnapshot, "week", W2)
    assert values(w2, VERDICT) == (1, 1, 0, 0, 0)
    assert (w2.ignored_verdicts, w2.followed_up) == (1, 1)
    [jan] = selectors.verdicts_by_period(filters=MetricFilters("month", JAN, JAN_31))
    assert jan["overturn_rate"] == 0.5
    assert jan["follow_up_rate"] == 1.0
    assert jan["finding_sales_share"] == pytest.approx(2 / 3)
    # Hours from opening to verdict: 22 + 22.5 + 1.
    assert jan["hours_to_verdict_mean"] == pytest.approx(45.5 / 3)


def test_per_judge_cases_time_to_verdict_and_overturn_rate(story, judge):
    recompute(story)
    [row_] = selectors.verdicts_by_key(filters=MetricFilters("month", JAN, JAN_31), dimension="judge")
    assert row_["key"] == str(judge.pk)
    assert (row_["verdicts"], row_["rejection_verdicts"], row_["overturned"]) == (3, 2, 1)
    assert row_["overturn_rate"] == 0.5
    assert row_["hours_to_verdict_mean"] == pytest.approx(45.5 / 3)


FUNNEL = ("inquiries", "mqls", "sals", "sqls", "won")


def test_funnel_by_creation_period(story):
    recompute(story)
    # W1: L1-L4, L6, L7 created; L6 never qualified; L1-L4 reached SAL; L2 won.
    w1 = row(FunnelSnapshot, "week", W1)
    assert values(w1, FUNNEL) == (6, 5, 4, 1, 1)
    assert w1.revenue == 5000
    assert values(row(FunnelSnapshot, "week", W2), FUNNEL) == (1, 1, 0, 0, 0)
    [jan] = selectors.funnel_by_period(filters=MetricFilters("month", JAN, JAN_31))
    assert (jan["mql_rate"], jan["sal_rate"]) == (pytest.approx(6 / 7), pytest.approx(4 / 6))
    assert keyed(FunnelSnapshot, "month", JAN, "campaign", FUNNEL) == {
        "Webinar": (3, 2, 2, 1, 1),
        "No campaign": (4, 4, 2, 0, 0),
    }


def test_campaign_roi_forecast_beside_actual(story):
    recompute(story)
    [webinar] = selectors.campaign_roi()
    assert (webinar["forecast_leads"], webinar["leads"]) == (10, 3)
    assert (webinar["forecast_mqls"], webinar["mqls"]) == (5, 2)
    assert (webinar["forecast_revenue"], webinar["revenue"]) == (20000, 5000)
    assert webinar["roi"] == pytest.approx((5000 - 4000) / 4000)
    assert webinar["forecast_roi"] == pytest.approx((20000 - 4000) / 4000)


def _all_rows():
    fields = lambda model: [f.name for f in model._meta.fields if f.name != "id"]  # noqa: E731
    return {
        model.__name__: sorted(tuple(map(str, r)) for r in model.objects.values_list(*fields(model)))
        for model in (DeliverySnapshot, FunnelSnapshot, VerdictSnapshot)
    }


def test_recomputing_twice_gives_the_same_rows(story):
    first = recompute(story)
    before = _all_rows()
    second = recompute(story)
    assert _all_rows() == before
    assert first.rows == second.rows == sum(len(rows) for rows in before.values())


def test_recomputing_a_range_replaces_its_periods_only(story, clock):
    recompute(story)
    w1_rows = set(
        DeliverySnapshot.objects.filter(period="week", period_start=W1).values_list("pk", flat=True)
    )
    # L7's source is corrected; only W2 (and January) are recomputed.
    Lead.objects.filter(pk=story.leads["L7"].pk).update(source="Trade fair")
    snapshots_recompute(first=W2, last=W2, now=story.now)
    assert set(
        DeliverySnapshot.objects.filter(period="week", period_start=W1).values_list("pk", flat=True)
    ) == (w1_rows)
    # January covers W2's days, so it was recomputed: the old key is gone, the new one is there.
    month_sources = keyed(DeliverySnapshot, "month", JAN, "source", ("delivered",))
    assert month_sources["Trade fair"] == (1,)
    assert "Trade show" not in month_sources


def test_the_job_recomputes_recent_months_by_default_and_any_range_on_request(story, clock):
    report = jobs.metrics_snapshots(now=london(2025, 2, 10, 9, 0))
    # December to February: 3 months, and the weeks from Monday 25 November 2024.
    assert str(report).startswith("recomputed 12 weeks and 3 months")
    assert DeliverySnapshot.objects.filter(period="month", period_start=JAN).exists()

    DeliverySnapshot.objects.all().delete()
    report = jobs.metrics_snapshots(now=story.now, start=W2, end=W2)
    assert report.counts["weeks"] == 1 and report.counts["months"] == 1
    assert set(DeliverySnapshot.objects.values_list("period_start", flat=True)) == {W2, JAN}


def test_the_task_runs_the_job_for_the_current_time(story, clock):
    clock.set(london(2025, 1, 31, 12, 0))
    assert tasks.metrics_snapshots().startswith("recomputed")
    assert values(row(DeliverySnapshot, "month", JAN), ACCEPTANCE) == (7, 2, 3, 1, 4)


def test_a_full_recompute_starts_from_the_first_lead(story, clock):
    report = jobs.metrics_snapshots(now=story.now, full=True)
    # January to 3 March: 3 months.
    assert report.counts["months"] == 3
    assert values(row(DeliverySnapshot, "month", JAN), ACCEPTANCE) == (7, 2, 3, 1, 4)
