"""The managers' dashboards as data: tables (shown on the page and exported
as CSV from the same rows) and chart specifications (drawn by
``static/metrics/dashboards.js`` with the vendored Chart.js).

Everything here is read through ``metrics.selectors`` from the snapshots,
each selector at most once per request (``cached_property``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from metrics import selectors
from metrics.models import Dimension
from metrics.selectors import (
    ALIGNED_ACCEPTANCE,
    AVERAGE_ACCEPTANCE,
    FUNNEL_STAGES,
    GROUP_DIMENSIONS,
    MetricFilters,
)

DIMENSION_LABELS = {dimension: Dimension(dimension).label for dimension in GROUP_DIMENSIONS}
# Cells starting with these are formulas to a spreadsheet; a lead source or
# campaign name typed by a user must stay text (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Colour-blind-safe palette (Okabe–Ito), dark enough for text contrast.
BLUE, ORANGE, GREEN, RED, PURPLE, GREY, SKY = (
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#b3261e",
    "#8e4585",
    "#7b8794",
    "#56b4e9",
)
REFERENCE_AVERAGE = "#8a5a00"
REFERENCE_ALIGNED = "#1a6e45"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "int"  # text | int | pct | hours | money

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


@dataclass
class Table:
    slug: str
    title: str
    columns: list[Column]
    rows: list[dict]
    empty: str = "No data in this range yet."
    note: str = ""


@dataclass
class Chart:
    slug: str
    title: str
    type: str  # line | bar
    labels: list[str]
    datasets: list[dict] = field(default_factory=list)
    percent: bool = False
    stacked: bool = False
    horizontal: bool = False
    y1_title: str = ""

    @property
    def script_id(self) -> str:
        return f"chart-{self.slug}"

    def spec(self) -> dict:
        return {
            "type": self.type,
            "labels": self.labels,
            "datasets": self.datasets,
            "percent": self.percent,
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            "y1Title": self.y1_title,
        }

    @property
    def has_data(self) -> bool:
        return bool(self.labels) and any(
            value not in (None, 0) for ds in self.datasets if not ds.get("reference") for value in ds["data"]
        )


def _pct(value) -> float | None:
    return None if value is None else round(float(value) * 100, 1)


def _num(value) -> float | None:
    return None if value is None else round(float(value), 1)


def _dataset(label: str, data: list, color: str, **options) -> dict:
    return {"label": label, "data": data, "color": color, **options}


def _references(count: int) -> list[dict]:
    """The 42% and 84% lines (SPEC intro), dashed, across the whole chart."""
    return [
        _dataset(
            "Average (42%)",
            [AVERAGE_ACCEPTANCE * 100] * count,
            REFERENCE_AVERAGE,
            kind="line",
            reference=True,
        ),
        _dataset(
            "Aligned (84%)",
            [ALIGNED_ACCEPTANCE * 100] * count,
            REFERENCE_ALIGNED,
            kind="line",
            reference=True,
        ),
    ]


ACCEPTANCE_COLUMNS = [
    Column("delivered", "Delivered"),
    Column("accepted", "Accepted"),
    Column("rejected", "Rejected"),
    Column("ignored", "Ignored"),
    Column("pending", "Awaiting decision"),
    Column("final_accepted", "Finally accepted"),
    Column("first_pass_rate", "First-pass acceptance", "pct"),
    Column("final_rate", "Final acceptance", "pct"),
]
FOLLOWUP_COLUMNS = [
    Column("followup_due", "Follow-ups due"),
    Column("followup_met", "Followed up in time"),
    Column("followup_rate", "Compliance", "pct"),
    Column("touched", "Touched"),
]
VERDICT_COLUMNS = [
    Column("verdicts", "Verdicts"),
    Column("finding_sales", "Finding: sales"),
    Column("finding_marketing", "Finding: marketing"),
    Column("finding_criteria", "Finding: criteria"),
    Column("finding_none", "Finding: none"),
    Column("rejection_verdicts", "Appeals & audits"),
    Column("overturned", "Overturned"),
    Column("overturn_rate", "Overturn rate", "pct"),
    Column("ignored_verdicts", "Ignored & unworked"),
    Column("followed_up", "Sent to follow-up"),
    Column("hours_to_verdict_mean", "Mean hours to verdict", "hours"),
]
FUNNEL_COLUMNS = [
    Column("inquiries", "Inquiries"),
    Column("mqls", "MQL"),
    Column("sals", "SAL"),
    Column("sqls", "SQL"),
    Column("won", "Won"),
    Column("revenue", "Revenue won", "money"),
    Column("mql_rate", "Inquiry → MQL", "pct"),
    Column("sal_rate", "MQL → SAL", "pct"),
    Column("sql_rate", "SAL → SQL", "pct"),
    Column("won_rate", "SQL → won", "pct"),
]
PERIOD = Column("period_label", "Period", "text")
# Stands for the breakdown's column ("Rep", "Campaign"…) in the specs below.
BY = Column("label", "{by}", "text")

NO_DELIVERIES = "No leads were delivered to sales in this range."
NO_VERDICTS = "No verdicts were rendered in this range."
NO_LEADS = "No leads were created in this range."


@dataclass(frozen=True)
class TableSpec:
    title: str  # "{by}": the breakdown, in lower case
    columns: tuple[Column, ...]
    rows: str  # the ``Dashboard`` property that reads them
    empty: str
    note: str = ""


# Every table of the page, by the slug its CSV export is asked for with.
TABLES = {
    "acceptance": TableSpec(
        "Acceptance by period", (PERIOD, *ACCEPTANCE_COLUMNS), "acceptance_periods", NO_DELIVERIES
    ),
    "acceptance-by": TableSpec(
        "Acceptance by {by}",
        (BY, *ACCEPTANCE_COLUMNS, Column("ignored_rate", "Ignored share", "pct")),
        "acceptance_keys",
        NO_DELIVERIES,
    ),
    "followup": TableSpec(
        "Follow-up compliance and first touch by period",
        (
            PERIOD,
            *FOLLOWUP_COLUMNS,
            Column("first_touch_hours_median", "Median hours to first touch", "hours"),
        ),
        "acceptance_periods",
        NO_DELIVERIES,
    ),
    "followup-by": TableSpec(
        "Follow-up compliance and first touch by {by}",
        (BY, *FOLLOWUP_COLUMNS, Column("first_touch_hours_mean", "Mean hours to first touch", "hours")),
        "acceptance_keys",
        NO_DELIVERIES,
        note="A median cannot be added up over periods: over a range, this table shows the mean.",
    ),
    "verdicts": TableSpec("Verdicts by period", (PERIOD, *VERDICT_COLUMNS), "verdict_periods", NO_VERDICTS),
    "verdicts-by": TableSpec("Verdicts by {by}", (BY, *VERDICT_COLUMNS), "verdict_keys", NO_VERDICTS),
    "judges": TableSpec(
        "Cases per judge",
        (
            Column("label", "Judge", "text"),
            Column("verdicts", "Cases decided"),
            Column("hours_to_verdict_mean", "Mean hours to verdict", "hours"),
            Column("rejection_verdicts", "Appeals & audits"),
            Column("overturned", "Overturned"),
            Column("overturn_rate", "Overturn rate", "pct"),
            Column("ignored_verdicts", "Ignored & unworked"),
            Column("followed_up", "Sent to follow-up"),
        ),
        "judge_rows",
        "No judge has decided a case in this range.",
        note="With a panel, each judge's vote on a decided case counts for that judge.",
    ),
    "funnel": TableSpec(
        "Funnel by period (leads created in the period)",
        (PERIOD, *FUNNEL_COLUMNS),
        "funnel_periods",
        NO_LEADS,
    ),
    "funnel-by": TableSpec("Funnel by {by}", (BY, *FUNNEL_COLUMNS), "funnel_keys", NO_LEADS),
    "campaigns": TableSpec(
        "Campaign ROI: forecast and actual",
        (
            Column("label", "Campaign", "text"),
            Column("status", "Status", "text"),
            Column("forecast_leads", "Leads forecast"),
            Column("leads", "Leads"),
            Column("forecast_mqls", "MQLs forecast"),
            Column("mqls", "MQLs"),
            Column("won", "Won"),
            Column("budget", "Budget", "money"),
            Column("forecast_revenue", "Revenue forecast", "money"),
            Column("revenue", "Revenue won", "money"),
            Column("forecast_roi", "ROI forecast", "pct"),
            Column("roi", "ROI", "pct"),
        ),
        "campaign_rows",
        "No campaigns yet.",
        note="Over each campaign's whole life, whatever the range above. ROI = (revenue − budget) ÷ budget.",
    ),
}


class Dashboard:
    """All the tables and charts of one dashboards request."""

    def __init__(self, filters: MetricFilters):
        self.filters = filters
        self.key_column = Column("label", DIMENSION_LABELS[filters.dimension], "text")

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
            spec.title.format(by=self.key_column.header.lower()),
            [self.key_column if column is BY else column for column in spec.columns],
            getattr(self, spec.rows),
            empty=spec.empty,
            note=spec.note,
        )

    # --- charts ---

    def acceptance_trend_chart(self) -> Chart:
        rows = self.acceptance_periods
        return Chart(
            "acceptance-trend",
            "First-pass and final acceptance rate",
            "line",
            [r["period_label"] for r in rows],
            [
                _dataset("First-pass", [_pct(r["first_pass_rate"]) for r in rows], BLUE),
                _dataset("Final", [_pct(r["final_rate"]) for r in rows], PURPLE),
                *_references(len(rows)),
            ],
            percent=True,
        )

    def decisions_chart(self) -> Chart:
        rows = self.acceptance_periods
        return Chart(
            "decisions",
            "Deliveries by first decision (ignored leads in red)",
            "bar",
            [r["period_label"] for r in rows],
            [
                _dataset("Accepted", [r["accepted"] for r in rows], GREEN),
                _dataset("Rejected", [r["rejected"] for r in rows], ORANGE),
                _dataset("Ignored", [r["ignored"] for r in rows], RED),
                _dataset("Awaiting decision", [r["pending"] for r in rows], GREY),
            ],
            stacked=True,
        )

    def acceptance_by_chart(self) -> Chart:
        rows = self.acceptance_keys
        return Chart(
            "acceptance-by",
            f"Acceptance rate by {self.key_column.header.lower()}",
            "bar",
            [r["label"] for r in rows],
            [
                _dataset("First-pass", [_pct(r["first_pass_rate"]) for r in rows], BLUE),
                _dataset("Final", [_pct(r["final_rate"]) for r in rows], PURPLE),
                *_references(len(rows)),
            ],
            percent=True,
        )

    def followup_chart(self) -> Chart:
        rows = self.acceptance_periods
        return Chart(
            "followup",
            "Follow-up compliance and median hours to first touch",
            "line",
            [r["period_label"] for r in rows],
            [
                _dataset("Compliance (%)", [_pct(r["followup_rate"]) for r in rows], GREEN),
                _dataset(
                    "Median hours to first touch",
                    [_num(r["first_touch_hours_median"]) for r in rows],
                    SKY,
                    kind="bar",
                    axis="y1",
                ),
            ],
            percent=True,
            y1_title="Hours",
        )

    def verdicts_chart(self) -> Chart:
        rows = self.verdict_periods
        return Chart(
            "verdicts",
            "Verdict findings: where the problem lay",
            "bar",
            [r["period_label"] for r in rows],
            [
                _dataset("Sales", [r["finding_sales"] for r in rows], ORANGE),
                _dataset("Marketing", [r["finding_marketing"] for r in rows], BLUE),
                _dataset("Criteria", [r["finding_criteria"] for r in rows], PURPLE),
                _dataset("None", [r["finding_none"] for r in rows], GREY),
            ],
            stacked=True,
        )

    def funnel_chart(self) -> Chart:
        total = selectors.funnel_totals(self.funnel_periods)
        return Chart(
            "funnel",
            "Funnel: leads created in the range, by furthest stage reached",
            "bar",
            [label for _, label in FUNNEL_STAGES],
            [_dataset("Leads", [total[key] for key, _ in FUNNEL_STAGES], BLUE)],
            horizontal=True,
        )

    def campaigns_chart(self) -> Chart:
        rows = [r for r in self.campaign_rows if r["forecast_revenue"] is not None or r["revenue"]]
        return Chart(
            "campaigns",
            "Revenue: forecast and actual",
            "bar",
            [r["label"] for r in rows],
            [
                _dataset("Forecast", [_num(r["forecast_revenue"]) for r in rows], GREY),
                _dataset("Actual", [_num(r["revenue"]) for r in rows], GREEN),
            ],
        )

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
                "charts": [self.acceptance_trend_chart(), self.decisions_chart()],
                "tables": [self.table("acceptance")],
            },
            {
                "id": "by-dimension",
                "title": f"By {self.key_column.header.lower()}",
                "intro": "The same deliveries, broken down over the whole range.",
                "charts": [self.acceptance_by_chart()],
                "tables": [self.table("acceptance-by")],
            },
            {
                "id": "verdicts",
                "title": "Verdicts",
                "intro": (
                    "Verdicts rendered in each period. Overturn rate = overturned ÷ appeals and audits "
                    "decided; findings say where the problem lay."
                ),
                "charts": [self.verdicts_chart()],
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
                "charts": [self.followup_chart()],
                "tables": [self.table("followup"), self.table("followup-by")],
            },
            {
                "id": "funnel",
                "title": "Funnel",
                "intro": "Leads created in each period and the furthest stage each has reached so far.",
                "charts": [self.funnel_chart()],
                "tables": [self.table("funnel"), self.table("funnel-by")],
            },
            {
                "id": "campaigns",
                "title": "Campaigns",
                "intro": "Each campaign's forecast (required before it goes live) beside what it delivered.",
                "charts": [self.campaigns_chart()],
                "tables": [self.table("campaigns")],
            },
        ]


def cell_text(value, kind: str) -> str:
    """A cell as shown on the page (and, without the % sign, in CSV)."""
    if value is None or value == "":
        return "—"
    if kind == "pct":
        return f"{float(value) * 100:.1f}%"
    if kind == "hours":
        return f"{float(value):.1f}"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind == "int":
        return f"{value:,}" if isinstance(value, int) else str(value)
    return str(value)


def csv_value(value, kind: str):
    """A cell in CSV: plain numbers a spreadsheet reads (rates in percent),
    and text that a spreadsheet never runs as a formula."""
    if value is None:
        return ""
    if kind == "text" and isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if kind == "pct":
        return f"{float(value) * 100:.1f}"
    if kind == "hours":
        return f"{float(value):.2f}"
    if kind == "money":
        return f"{Decimal(value):.2f}"
    return value
