"""The dashboards' charts: one specification per chart, drawn by
``static/metrics/dashboards.js`` with the vendored Chart.js.

Each builder takes the rows a table of the page shows, so a chart and its
table always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from metrics.selectors import ALIGNED_ACCEPTANCE, AVERAGE_ACCEPTANCE, FUNNEL_STAGES

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


def acceptance_trend_chart(periods: list[dict]) -> Chart:
    return Chart(
        "acceptance-trend",
        "First-pass and final acceptance rate",
        "line",
        [r["period_label"] for r in periods],
        [
            _dataset("First-pass", [_pct(r["first_pass_rate"]) for r in periods], BLUE),
            _dataset("Final", [_pct(r["final_rate"]) for r in periods], PURPLE),
            *_references(len(periods)),
        ],
        percent=True,
    )


def decisions_chart(periods: list[dict]) -> Chart:
    return Chart(
        "decisions",
        "Deliveries by first decision (ignored leads in red)",
        "bar",
        [r["period_label"] for r in periods],
        [
            _dataset("Accepted", [r["accepted"] for r in periods], GREEN),
            _dataset("Rejected", [r["rejected"] for r in periods], ORANGE),
            _dataset("Ignored", [r["ignored"] for r in periods], RED),
            _dataset("Awaiting decision", [r["pending"] for r in periods], GREY),
        ],
        stacked=True,
    )


def acceptance_by_chart(keys: list[dict], by: str) -> Chart:
    """Acceptance per key of the dimension ``by`` (its name in lower case)."""
    return Chart(
        "acceptance-by",
        f"Acceptance rate by {by}",
        "bar",
        [r["label"] for r in keys],
        [
            _dataset("First-pass", [_pct(r["first_pass_rate"]) for r in keys], BLUE),
            _dataset("Final", [_pct(r["final_rate"]) for r in keys], PURPLE),
            *_references(len(keys)),
        ],
        percent=True,
    )


def followup_chart(periods: list[dict]) -> Chart:
    return Chart(
        "followup",
        "Follow-up compliance and median hours to first touch",
        "line",
        [r["period_label"] for r in periods],
        [
            _dataset("Compliance (%)", [_pct(r["followup_rate"]) for r in periods], GREEN),
            _dataset(
                "Median hours to first touch",
                [_num(r["first_touch_hours_median"]) for r in periods],
                SKY,
                kind="bar",
                axis="y1",
            ),
        ],
        percent=True,
        y1_title="Hours",
    )


def verdicts_chart(periods: list[dict]) -> Chart:
    return Chart(
        "verdicts",
        "Verdict findings: where the problem lay",
        "bar",
        [r["period_label"] for r in periods],
        [
            _dataset("Sales", [r["finding_sales"] for r in periods], ORANGE),
            _dataset("Marketing", [r["finding_marketing"] for r in periods], BLUE),
            _dataset("Criteria", [r["finding_criteria"] for r in periods], PURPLE),
            _dataset("None", [r["finding_none"] for r in periods], GREY),
        ],
        stacked=True,
    )


def funnel_chart(total: dict) -> Chart:
    """The funnel of the whole range: ``total`` leads at each stage."""
    return Chart(
        "funnel",
        "Funnel: leads created in the range, by furthest stage reached",
        "bar",
        [label for _, label in FUNNEL_STAGES],
        [_dataset("Leads", [total[key] for key, _ in FUNNEL_STAGES], BLUE)],
        horizontal=True,
    )


def campaigns_chart(campaigns: list[dict]) -> Chart:
    rows = [r for r in campaigns if r["forecast_revenue"] is not None or r["revenue"]]
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
