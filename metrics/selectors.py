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


def _sum_by_key(rows: list, fields: tuple[str, ...]) -> list[dict]:
    """Totals per key over the periods of ``rows``, largest first."""
    totals: dict[str, dict] = {}
    for row in rows:
        total = totals.setdefault(row.key, {"key": row.key, "label": row.label, **dict.fromkeys(fields, 0)})
        total["label"] = row.label  # the latest name
        for name in fields:
            total[name] += getattr(row, name)
    return list(totals.values())


# --- acceptance (deliveries) -----------------------------------------------------------

DELIVERY_COUNTS = (
    "delivered",
    "accepted",
    "rejected",
    "ignored",
    "final_accepted",
    "followup_due",
    "followup_met",
    "touched",
    "first_touch_hours_sum",
)


def _with_delivery_rates(row: dict) -> dict:
    decided = row["accepted"] + row["rejected"] + row["ignored"]
    row["decided"] = decided
    row["pending"] = row["delivered"] - decided
    row["first_pass_rate"] = rate(row["accepted"], decided)
    row["final_rate"] = rate(row["final_accepted"], decided)
    row["ignored_rate"] = rate(row["ignored"], decided)
    row["followup_rate"] = rate(row["followup_met"], row["followup_due"])
    row["first_touch_hours_mean"] = rate(row["first_touch_hours_sum"], row["touched"])
    return row


def _delivery_row(snapshot: DeliverySnapshot, period: str) -> dict:
    row = {name: getattr(snapshot, name) for name in DELIVERY_COUNTS}
    row.update(
        period_start=snapshot.period_start,
        period_label=period_label(snapshot.period_start, period),
        key=snapshot.key,
        label=snapshot.label,
        first_touch_hours_median=snapshot.first_touch_hours_median,
    )
    return _with_delivery_rates(row)


def acceptance_series(*, filters: MetricFilters, group_by: str | None = None) -> list[dict]:
    """One row per (period, key) of deliveries, overall when ``group_by`` is None."""
    dimension = group_by or Dimension.OVERALL
    return [_delivery_row(s, filters.period) for s in _rows(DeliverySnapshot, filters, dimension)]


def acceptance_by_key(*, filters: MetricFilters) -> list[dict]:
    """Deliveries per key of ``filters.dimension``, summed over the range, most deliveries first."""
    totals = _sum_by_key(_rows(DeliverySnapshot, filters, filters.dimension), DELIVERY_COUNTS)
    rows = [_with_delivery_rates(total) for total in totals]
    return sorted(rows, key=lambda r: (-r["delivered"], r["label"]))


# --- verdicts and judges -----------------------------------------------------------------

VERDICT_COUNTS = (
    "verdicts",
    "finding_sales",
    "finding_marketing",
    "finding_criteria",
    "finding_none",
    "rejection_verdicts",
    "overturned",
    "ignored_verdicts",
    "followed_up",
    "hours_to_verdict_sum",
)
FINDINGS = ("sales", "marketing", "criteria", "none")


def _with_verdict_rates(row: dict) -> dict:
    for finding in FINDINGS:
        row[f"finding_{finding}_share"] = rate(row[f"finding_{finding}"], row["verdicts"])
    row["overturn_rate"] = rate(row["overturned"], row["rejection_verdicts"])
    row["follow_up_rate"] = rate(row["followed_up"], row["ignored_verdicts"])
    row["hours_to_verdict_mean"] = rate(row["hours_to_verdict_sum"], row["verdicts"])
    return row


def verdicts_by_period(*, filters: MetricFilters) -> list[dict]:
    rows = []
    for snapshot in _rows(VerdictSnapshot, filters, Dimension.OVERALL):
        row = {name: getattr(snapshot, name) for name in VERDICT_COUNTS}
        row.update(
            period_start=snapshot.period_start,
            period_label=period_label(snapshot.period_start, filters.period),
        )
        rows.append(_with_verdict_rates(row))
    return rows


def verdicts_by_key(*, filters: MetricFilters, dimension: str | None = None) -> list[dict]:
    """Verdicts per key (a lead dimension, or ``judge``), summed over the range."""
    totals = _sum_by_key(_rows(VerdictSnapshot, filters, dimension or filters.dimension), VERDICT_COUNTS)
    rows = [_with_verdict_rates(total) for total in totals]
    return sorted(rows, key=lambda r: (-r["verdicts"], r["label"]))


# --- funnel and campaigns -----------------------------------------------------------------

FUNNEL_COUNTS = ("inquiries", "mqls", "sals", "sqls", "won", "revenue")
FUNNEL_STAGES = (("inquiries", "Inquiry"), ("mqls", "MQL"), ("sals", "SAL"), ("sqls", "SQL"), ("won", "Won"))


def _with_funnel_rates(row: dict) -> dict:
    row["mql_rate"] = rate(row["mqls"], row["inquiries"])
    row["sal_rate"] = rate(row["sals"], row["mqls"])
    row["sql_rate"] = rate(row["sqls"], row["sals"])
    row["won_rate"] = rate(row["won"], row["sqls"])
    row["overall_rate"] = rate(row["won"], row["inquiries"])
    return row


def funnel_by_period(*, filters: MetricFilters) -> list[dict]:
    rows = []
    for snapshot in _rows(FunnelSnapshot, filters, Dimension.OVERALL):
        row = {name: getattr(snapshot, name) for name in FUNNEL_COUNTS}
        row.update(
            period_start=snapshot.period_start,
            period_label=period_label(snapshot.period_start, filters.period),
        )
        rows.append(_with_funnel_rates(row))
    return rows


def funnel_totals(rows: list[dict]) -> dict:
    """The whole range as one funnel (from ``funnel_by_period``'s rows)."""
    total = {
        name: sum((row[name] for row in rows), Decimal(0) if name == "revenue" else 0)
        for name in FUNNEL_COUNTS
    }
    return _with_funnel_rates(total)


def funnel_by_key(*, filters: MetricFilters) -> list[dict]:
    totals = _sum_by_key(_rows(FunnelSnapshot, filters, filters.dimension), FUNNEL_COUNTS)
    rows = [_with_funnel_rates(total) for total in totals]
    return sorted(rows, key=lambda r: (-r["inquiries"], r["label"]))


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
                "source": campaign.source,
                "forecast_leads": campaign.forecast_leads,
                "leads": actual.get("leads") or 0,
                "forecast_mqls": campaign.forecast_mqls,
                "mqls": actual.get("mqls") or 0,
                "won": actual.get("won") or 0,
                "forecast_revenue": campaign.forecast_revenue,
                "revenue": revenue,
                "budget": budget,
                "leads_vs_forecast": rate(actual.get("leads") or 0, campaign.forecast_leads),
                "mqls_vs_forecast": rate(actual.get("mqls") or 0, campaign.forecast_mqls),
                "revenue_vs_forecast": rate(revenue, campaign.forecast_revenue),
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
