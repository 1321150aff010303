"""The dashboards' tables: their columns and what each one shows.

One ``TableSpec`` per table of the page, by the slug its CSV export is asked
for with; ``Dashboard.table`` fills one with its rows. The page and the CSV
export show the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics.models import Dimension
from metrics.selectors import GROUP_DIMENSIONS

DIMENSION_LABELS = {dimension: Dimension(dimension).label for dimension in GROUP_DIMENSIONS}


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
