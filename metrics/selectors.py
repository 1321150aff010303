"""Every read the dashboards and the metrics API make (SPEC §7).

They read the snapshot tables only (plus campaigns, which are few), one
query per table shown, so a page costs the same on ten leads or ten
million. Rates are computed here from summed counts: a rate over several
periods or keys is the ratio of the sums, never an average of ratios.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max, Sum

from adjudication.models import Finding
from leads.models import Campaign
from metrics.models import (
    DeliverySnapshot,
    Dimension,
    FunnelSnapshot,
    PeriodKind,
    VerdictSnapshot,
)
from metrics.periods import period_floor, period_label

# The industry reference points drawn on the acceptance charts (SPEC intro).
AVERAGE_ACCEPTANCE = 0.42
ALIGNED_ACCEPTANCE = 0.84

# Default ranges: the last six months, or the last twelve weeks.
DEFAULT_PERIODS = {PeriodKind.MONTH: 6, PeriodKind.WEEK: 12}
LONGEST_RANGE_DAYS = 3660  # ten years: a guard against absurd requests, not a product limit

GROUP_DIMENSIONS = (Dimension.REP, Dimension.CAMPAIGN, Dimension.SOURCE, Dimension.SEGMENT)


@dataclass(frozen=True)
class MetricFilters:
    """What a dashboard or API request asks for: the period kind, the days
    (inclusive; extended to whole periods) and the dimension to break down by."""

    period: str
    start: date
    end: date
    dimension: str = Dimension.REP

    @property
    def first_period(self) -> date:
        return period_floor(self.start, self.period)

    @property
    def last_period(self) -> date:
        return period_floor(self.end, self.period)


def default_range(period: str, today: date) -> tuple[date, date]:
    """The default days shown: the current period and the ones before it."""
    start = period_floor(today, period)
    for _ in range(DEFAULT_PERIODS[period] - 1):
        start = period_floor(start - timedelta(days=1), period)
    return start, today


def rate(numerator, denominator) -> float | None:
    """A share in 0..1, or None when there is nothing to divide by (shown as "—")."""
    return float(numerator) / float(denominator) if denominator else None


def _rows(model, filters: MetricFilters, dimension: str) -> list:
    return list(
        model.objects.filter(
            period=filters.period,
            dimension=dimension,
            period_start__gte=filters.first_period,
            period_start__lte=filters.last_period,
        ).order_by("period_start", "label", "key")
    )


def _period_rows(
    model, filters: MetricFilters, dimension: str, fields: tuple[str, ...], with_rates
) -> list[dict]:
    """One row per (period, key) of ``model``'s snapshots: ``fields``, the
    period, the key and its label, and the rates ``with_rates`` adds."""
    return [
        with_rates(
            {
                **{name: getattr(snapshot, name) for name in fields},
                "period_start": snapshot.period_start,
                "period_label": period_label(snapshot.period_start, filters.period),
                "key": snapshot.key,
                "label": snapshot.label,
            }
        )
        for snapshot in _rows(model, filters, dimension)
    ]


def _key_rows(
    model, filters: MetricFilters, dimension: str, fields: tuple[str, ...], with_rates, *, size: str
):
    """One row per key of ``dimension``: ``fields`` summed over the range's
    periods, then the rates (a ratio of sums), largest ``size`` first."""
    totals: dict[str, dict] = {}
    for row in _rows(model, filters, dimension):
        total = totals.setdefault(row.key, {"key": row.key, "label": row.label, **dict.fromkeys(fields, 0)})
        total["label"] = row.label  # the latest name
        for name in fields:
            total[name] += getattr(row, name)
    rows = [with_rates(total) for total in totals.values()]
    return sorted(rows, key=lambda r: (-r[size], r["label"]))


# --- acceptance (deliveries) -----------------------------------------------------------

# Every delivery count adds up over periods and keys except the median, which
# is shown per period only.
FIRST_TOUCH_MEDIAN = "first_touch_hours_median"
DELIVERY_COUNTS = tuple(name for name in DeliverySnapshot.measures() if name != FIRST_TOUCH_MEDIAN)


def _with_delivery_rates(row: dict) -> dict:
    decided = row["accepted"] + row["rejected"] + row["ignored"]
    row["pending"] = row["delivered"] - decided
    row["first_pass_rate"] = rate(row["accepted"], decided)
    row["final_rate"] = rate(row["final_accepted"], decided)
    row["ignored_rate"] = rate(row["ignored"], decided)
    row["followup_rate"] = rate(row["followup_met"], row["followup_due"])
    row["first_touch_hours_mean"] = rate(row["first_touch_hours_sum"], row["touched"])
    return row


def acceptance_series(*, filters: MetricFilters, group_by: str | None = None) -> list[dict]:
    """One row per (period, key) of deliveries, overall when ``group_by`` is None."""
    return _period_rows(
        DeliverySnapshot,
        filters,
        group_by or Dimension.OVERALL,
        (*DELIVERY_COUNTS, FIRST_TOUCH_MEDIAN),
        _with_delivery_rates,
    )


def acceptance_by_key(*, filters: MetricFilters) -> list[dict]:
    """Deliveries per key of ``filters.dimension``, summed over the range, most deliveries first."""
    return _key_rows(
        DeliverySnapshot, filters, filters.dimension, DELIVERY_COUNTS, _with_delivery_rates, size="delivered"
    )


# --- verdicts and judges -----------------------------------------------------------------

VERDICT_COUNTS = VerdictSnapshot.measures()


def _with_verdict_rates(row: dict) -> dict:
    for finding in Finding.values:
        row[f"finding_{finding}_share"] = rate(row[f"finding_{finding}"], row["verdicts"])
    row["overturn_rate"] = rate(row["overturned"], row["rejection_verdicts"])
    row["follow_up_rate"] = rate(row["followed_up"], row["ignored_verdicts"])
    row["hours_to_verdict_mean"] = rate(row["hours_to_verdict_sum"], row["verdicts"])
    return row


def verdicts_by_period(*, filters: MetricFilters) -> list[dict]:
    return _period_rows(VerdictSnapshot, filters, Dimension.OVERALL, VERDICT_COUNTS, _with_verdict_rates)


def verdicts_by_key(*, filters: MetricFilters, dimension: str | None = None) -> list[dict]:
    """Verdicts per key (a lead dimension, or ``judge``), summed over the range."""
    return _key_rows(
        VerdictSnapshot,
        filters,
        dimension or filters.dimension,
        VERDICT_COUNTS,
        _with_verdict_rates,
        size="verdicts",
    )


# --- funnel and campaigns -----------------------------------------------------------------

FUNNEL_COUNTS = FunnelSnapshot.measures()
FUNNEL_STAGES = (("inquiries", "Inquiry"), ("mqls", "MQL"), ("sals", "SAL"), ("sqls", "SQL"), ("won", "Won"))


def _with_funnel_rates(row: dict) -> dict:
    row["mql_rate"] = rate(row["mqls"], row["inquiries"])
    row["sal_rate"] = rate(row["sals"], row["mqls"])
    row["sql_rate"] = rate(row["sqls"], row["sals"])
    row["won_rate"] = rate(row["won"], row["sqls"])
    return row


def funnel_by_period(*, filters: MetricFilters) -> list[dict]:
    return _period_rows(FunnelSnapshot, filters, Dimension.OVERALL, FUNNEL_COUNTS, _with_funnel_rates)


def funnel_totals(rows: list[dict]) -> dict:
    """The whole range as one funnel (from ``funnel_by_period``'s rows)."""
    total = {
        name: sum((row[name] for row in rows), Decimal(0) if name == "revenue" else 0)
        for name in FUNNEL_COUNTS
    }
    return _with_funnel_rates(total)


def funnel_by_key(*, filters: MetricFilters) -> list[dict]:
    return _key_rows(
        FunnelSnapshot, filters, filters.dimension, FUNNEL_COUNTS, _with_funnel_rates, size="inquiries"
    )


def campaign_roi() -> list[dict]:
    """Each campaign's forecast beside its actuals over its whole life
    (leads created, leads delivered as MQLs, revenue won), whatever the
    dashboard's date range: a forecast covers the campaign's whole run.
    Two queries: the campaigns, and the monthly funnel snapshots summed."""
    actuals = {
        row["key"]: row
        for row in FunnelSnapshot.objects.filter(period=PeriodKind.MONTH, dimension=Dimension.CAMPAIGN)
        .values("key")
        .annotate(leads=Sum("inquiries"), mqls=Sum("mqls"), won=Sum("won"), revenue=Sum("revenue"))
        .order_by()
    }
    rows = []
    for campaign in Campaign.objects.order_by("-starts_on", "name"):
        actual = actuals.get(str(campaign.pk), {})
        revenue = actual.get("revenue") or Decimal(0)
        budget = campaign.budget
        rows.append(
            {
                "key": str(campaign.pk),
                "label": campaign.name,
                "status": campaign.get_status_display(),
                "forecast_leads": campaign.forecast_leads,
                "leads": actual.get("leads") or 0,
                "forecast_mqls": campaign.forecast_mqls,
                "mqls": actual.get("mqls") or 0,
                "won": actual.get("won") or 0,
                "forecast_revenue": campaign.forecast_revenue,
                "revenue": revenue,
                "budget": budget,
                # Return on the budget: (revenue − budget) / budget.
                "roi": rate(revenue - budget, budget) if budget else None,
                "forecast_roi": rate(campaign.forecast_revenue - budget, budget)
                if budget and campaign.forecast_revenue is not None
                else None,
            }
        )
    return rows


def snapshots_computed_at():
    """When the snapshots were last recomputed (None before the first run)."""
    return DeliverySnapshot.objects.aggregate(at=Max("computed_at"))["at"]
