"""``VerdictSnapshot`` rows: verdicts rendered in each period (by case), and
each judge's votes on the cases decided in each period (the ``judge``
dimension)."""

from __future__ import annotations

from django.db.models import F

from adjudication.models import Case, CaseKind, CaseStatus, Decision, Finding, Vote
from metrics.models import Dimension
from metrics.snapshots.grouping import LEAD_KEY_COLUMNS, HoursBetween, grouped_sql, key_text, sql_list
from metrics.snapshots.spans import Span, period_truncs, spans_time_filter

REJECTION_KINDS = (CaseKind.APPEAL, CaseKind.AUDIT)
_REJECTION_KINDS_SQL = sql_list(REJECTION_KINDS)

# Over cases or over votes alike: each source row has its ``decision``,
# ``finding``, the case's ``kind`` and ``hours`` to the verdict (or vote).
MEASURES = {
    "verdicts": "COUNT(*)",
    **{
        f"finding_{value}": f"SUM(CASE WHEN finding = '{value}' THEN 1 ELSE 0 END)"
        for value in Finding.values
    },
    "rejection_verdicts": f"SUM(CASE WHEN kind IN {_REJECTION_KINDS_SQL} THEN 1 ELSE 0 END)",
    "overturned": f"SUM(CASE WHEN decision = '{Decision.OVERTURN.value}' THEN 1 ELSE 0 END)",
    # Ignored / not-followed-up verdicts: every kind that is not a rejection's.
    "ignored_verdicts": f"SUM(CASE WHEN kind NOT IN {_REJECTION_KINDS_SQL} THEN 1 ELSE 0 END)",
    "followed_up": f"SUM(CASE WHEN decision = '{Decision.FOLLOW_UP.value}' THEN 1 ELSE 0 END)",
    "hours_to_verdict_sum": "COALESCE(SUM(hours), 0.0)",
}
COLUMNS = ("decision", "finding", "kind", "hours")


def verdict_grouped_sqls(spans: list[Span]) -> list[tuple[str, tuple]]:
    """The ``VerdictSnapshot`` measures per period and key, as two statements
    (see ``grouping``): one read of the cases decided in the ``spans``, one of
    their votes."""
    cases = (
        Case.objects.filter(spans_time_filter("decided_at", spans), status=CaseStatus.DECIDED)
        .annotate(
            **period_truncs("decided_at"),
            # The case's rep: the party whose decision was reviewed.
            rep_key=key_text("rep_id"),
            campaign_key=key_text("lead__campaign_id"),
            source_key=F("lead__source"),
            segment_key=key_text("lead__segment_id"),
            hours=HoursBetween("decided_at", "opened_at"),
        )
        .values("period_week", "period_month", *(c for c in LEAD_KEY_COLUMNS.values() if c), *COLUMNS)
        .order_by()
    )
    votes = (
        Vote.objects.filter(spans_time_filter("case__decided_at", spans), case__status=CaseStatus.DECIDED)
        .annotate(
            **period_truncs("case__decided_at"),
            judge_key=key_text("judge_id"),
            kind=F("case__kind"),
            hours=HoursBetween("cast_at", "case__opened_at"),
        )
        .values("period_week", "period_month", "judge_key", *COLUMNS)
        .order_by()
    )
    return [
        grouped_sql(cases.query.sql_with_params(), keys=LEAD_KEY_COLUMNS, measures=MEASURES),
        grouped_sql(votes.query.sql_with_params(), keys={Dimension.JUDGE: "judge_key"}, measures=MEASURES),
    ]
