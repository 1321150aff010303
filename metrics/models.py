"""Precomputed metric snapshots (SPEC §7).

The dashboards and the metrics API read these tables, never the leads, so
they stay fast on millions of leads. ``metrics.snapshots`` recomputes them by
SQL aggregation for any range of periods.

Each table is keyed by (period kind, period start, dimension, key) and holds
*counts and sums*, not ratios: a rate over several periods or keys is then
the ratio of summed counts, which is right, where an average of stored rates
would not be. The one exception is the median time to first touch, which
cannot be summed; it is stored per row and shown per row.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class PeriodKind(models.TextChoices):
    WEEK = "week", "Week"
    MONTH = "month", "Month"


class Dimension(models.TextChoices):
    OVERALL = "overall", "Overall"
    REP = "rep", "Rep"
    CAMPAIGN = "campaign", "Campaign"
    SOURCE = "source", "Source"
    SEGMENT = "segment", "Segment"
    JUDGE = "judge", "Judge"


# The key of the one row per period of the ``overall`` dimension.
OVERALL_KEY = "all"
# The key of leads with no rep / campaign / source / segment.
NONE_KEY = ""


class Snapshot(models.Model):
    """What every snapshot row shares: its key, a display label, when it was computed."""

    period = models.CharField(max_length=8, choices=PeriodKind.choices)
    # First day of the week (Monday) or month, in the organisation's time zone.
    period_start = models.DateField()
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    # The rep's / campaign's / segment's / judge's id, or the source text;
    # "all" for the overall row, "" for leads without one.
    key = models.CharField(max_length=100, blank=True)
    # Name at computation time, so a page needs no join to show it.
    label = models.CharField(max_length=200, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.period} {self.period_start} {self.dimension}={self.key or '-'}"

    @classmethod
    def measures(cls) -> tuple[str, ...]:
        """The table's own fields (its counts and sums), in declaration order:
        what a recompute fills and what the selectors read and add up."""
        shared = {f.name for f in Snapshot._meta.fields}
        return tuple(f.name for f in cls._meta.concrete_fields if not f.primary_key and f.name not in shared)


def _snapshot_meta(prefix: str, dimensions: list[str]):
    """Constraints shared by the snapshot tables (named per table)."""
    return [
        # One row per key; its index also serves the dashboards' only query
        # shape: WHERE period = ? AND dimension = ? AND period_start BETWEEN ? AND ?
        models.UniqueConstraint(
            fields=["period", "dimension", "period_start", "key"], name=f"{prefix}_unique_key"
        ),
        models.CheckConstraint(name=f"{prefix}_period_valid", condition=Q(period__in=PeriodKind.values)),
        models.CheckConstraint(name=f"{prefix}_dimension_valid", condition=Q(dimension__in=dimensions)),
    ]


LEAD_DIMENSIONS = [Dimension.OVERALL, Dimension.REP, Dimension.CAMPAIGN, Dimension.SOURCE, Dimension.SEGMENT]


class DeliverySnapshot(Snapshot):
    """Deliveries to sales in a period (a lead entering ``mql`` by qualify or
    recycle; a recycled lead is a new delivery) and what became of each:
    the first decision, the final outcome after verdicts, the follow-up and
    the first touch."""

    delivered = models.PositiveIntegerField(default=0)
    # First decision on the delivery (at most one of the three).
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    ignored = models.PositiveIntegerField(default=0, help_text="Flagged by the decision deadline.")
    # Accepted at first, or a rejection/ignore that a verdict turned into an acceptance.
    final_accepted = models.PositiveIntegerField(default=0)
    # Accepted deliveries whose follow-up round has an outcome, and those
    # that had the required touches by the deadline.
    followup_due = models.PositiveIntegerField(default=0)
    followup_met = models.PositiveIntegerField(default=0)
    # Deliveries touched at least once, and hours from delivery to first touch.
    touched = models.PositiveIntegerField(default=0)
    first_touch_hours_sum = models.FloatField(default=0)
    first_touch_hours_median = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["period", "dimension", "period_start", "key"]
        constraints = _snapshot_meta("deliverysnap", LEAD_DIMENSIONS)


class FunnelSnapshot(Snapshot):
    """Leads created in a period and how far each has got: inquiry → MQL →
    SAL → SQL → won, with the revenue won (campaign ROI reads it)."""

    inquiries = models.PositiveIntegerField(default=0)
    mqls = models.PositiveIntegerField(default=0)
    sals = models.PositiveIntegerField(default=0)
    sqls = models.PositiveIntegerField(default=0)
    won = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        ordering = ["period", "dimension", "period_start", "key"]
        constraints = _snapshot_meta("funnelsnap", LEAD_DIMENSIONS)


class VerdictSnapshot(Snapshot):
    """Verdicts rendered in a period: where the problem lay (findings) and how
    often the judges went against sales' decision. The ``judge`` dimension
    counts each judge's votes on decided cases (with a panel of one, the
    verdicts they rendered)."""

    verdicts = models.PositiveIntegerField(default=0)
    finding_sales = models.PositiveIntegerField(default=0)
    finding_marketing = models.PositiveIntegerField(default=0)
    finding_criteria = models.PositiveIntegerField(default=0)
    finding_none = models.PositiveIntegerField(default=0)
    # Appeal and audit verdicts (uphold or overturn) and the overturns among them.
    rejection_verdicts = models.PositiveIntegerField(default=0)
    overturned = models.PositiveIntegerField(default=0)
    # Ignored / not-followed-up verdicts (return or follow_up) and the follow_ups.
    ignored_verdicts = models.PositiveIntegerField(default=0)
    followed_up = models.PositiveIntegerField(default=0)
    # Hours from the case opening to the verdict (to the judge's vote, per judge).
    hours_to_verdict_sum = models.FloatField(default=0)

    class Meta:
        ordering = ["period", "dimension", "period_start", "key"]
        constraints = _snapshot_meta("verdictsnap", [*LEAD_DIMENSIONS, Dimension.JUDGE])
