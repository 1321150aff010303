"""One dashboards request as data: the rows it reads, its tables and its charts,
section by section down the page.

Everything is read through ``metrics.selectors`` from the snapshots, each
selector at most once per request (``cached_property``).
"""

from __future__ import annotations

from functools import cached_property

from metrics import selectors
from metrics.dashboard import charts
from metrics.dashboard.tables import BY, DIMENSION_LABELS, TABLES, Column, Table
from metrics.models import Dimension
from metrics.selectors import MetricFilters


class Dashboard:
    """All the tables and charts of one dashboards request."""

    def __init__(self, filters: MetricFilters):
        self.filters = filters
        self.key_column = Column("label", DIMENSION_LABELS[filters.dimension], "text")

    @property
    def by(self) -> str:
        """The breakdown's name in a sentence: "rep", "campaign"…"""
        return self.key_column.header.lower()

    # --- reads (one query each, at most once) ---

    @cached_property
    def acceptance_periods(self) -> list[dict]:
        return selectors.acceptance_series(filters=self.filters)

    @cached_property
    def acceptance_keys(self) -> list[dict]:
        return selectors.acceptance_by_key(filters=self.filters)

    @cached_property
    def verdict_periods(self) -> list[dict]:
        return selectors.verdicts_by_period(filters=self.filters)

    @cached_property
    def verdict_keys(self) -> list[dict]:
        return selectors.verdicts_by_key(filters=self.filters)

    @cached_property
    def judge_rows(self) -> list[dict]:
        return selectors.verdicts_by_key(filters=self.filters, dimension=Dimension.JUDGE)

    @cached_property
    def funnel_periods(self) -> list[dict]:
        return selectors.funnel_by_period(filters=self.filters)

    @cached_property
    def funnel_keys(self) -> list[dict]:
        return selectors.funnel_by_key(filters=self.filters)

    @cached_property
    def campaign_rows(self) -> list[dict]:
        return selectors.campaign_roi()

    # --- tables ---

    def table(self, slug: str) -> Table | None:
        """The table ``slug`` (see ``TABLES``) with its rows; ``None`` if there is none."""
        spec = TABLES.get(slug)
        if spec is None:
            return None
        return Table(
            slug,
            spec.title.format(by=self.by),
            [self.key_column if column is BY else column for column in spec.columns],
            getattr(self, spec.rows),
            empty=spec.empty,
            note=spec.note,
        )

    # --- the page ---

    def sections(self) -> list[dict]:
        """The page, top to bottom: each section's charts and tables."""
        return [
            {
                "id": "acceptance",
                "title": "Acceptance",
                "intro": (
                    "Of the leads delivered to sales in each period (a recycled lead is a new delivery): "
                    "first-pass = accepted ÷ (accepted + rejected + ignored); final counts the rejections "
                    "and ignored leads that a verdict sent back to sales as accepted."
                ),
                "charts": [
                    charts.acceptance_trend_chart(self.acceptance_periods),
                    charts.decisions_chart(self.acceptance_periods),
                ],
                "tables": [self.table("acceptance")],
            },
            {
                "id": "by-dimension",
                "title": f"By {self.by}",
                "intro": "The same deliveries, broken down over the whole range.",
                "charts": [charts.acceptance_by_chart(self.acceptance_keys, self.by)],
                "tables": [self.table("acceptance-by")],
            },
            {
                "id": "verdicts",
                "title": "Verdicts",
                "intro": (
                    "Verdicts rendered in each period. Overturn rate = overturned ÷ appeals and audits "
                    "decided; findings say where the problem lay."
                ),
                "charts": [charts.verdicts_chart(self.verdict_periods)],
                "tables": [self.table("verdicts"), self.table("verdicts-by")],
            },
            {
                "id": "judges",
                "title": "Judges",
                "intro": "Cases decided, time from the case opening to the verdict, and overturn rate.",
                "charts": [],
                "tables": [self.table("judges")],
            },
            {
                "id": "followup",
                "title": "Follow-up",
                "intro": (
                    "Compliance = accepted leads worked with the required touches by their follow-up "
                    "deadline ÷ those whose deadline has come (or that moved on before it)."
                ),
                "charts": [charts.followup_chart(self.acceptance_periods)],
                "tables": [self.table("followup"), self.table("followup-by")],
            },
            {
                "id": "funnel",
                "title": "Funnel",
                "intro": "Leads created in each period and the furthest stage each has reached so far.",
                "charts": [charts.funnel_chart(selectors.funnel_totals(self.funnel_periods))],
                "tables": [self.table("funnel"), self.table("funnel-by")],
            },
            {
                "id": "campaigns",
                "title": "Campaigns",
                "intro": "Each campaign's forecast (required before it goes live) beside what it delivered.",
                "charts": [charts.campaigns_chart(self.campaign_rows)],
                "tables": [self.table("campaigns")],
            },
        ]
