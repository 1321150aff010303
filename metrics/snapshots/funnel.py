"""``FunnelSnapshot`` rows: leads created in each period and the furthest
stage each has reached (inquiry → MQL → SAL → SQL → won), with the revenue won."""

from __future__ import annotations

from django.db.models import Case as SqlCase
from django.db.models import F, IntegerField, Q, Value, When

from leads.models import Lead, LeadState
from metrics.snapshots.grouping import LEAD_KEY_COLUMNS, grouped_sql, key_text
from metrics.snapshots.spans import Span, period_truncs, spans_time_filter

# delivered_at / accepted_at / sql_at are set on first entry and kept: a lead
# that got there once counts at that stage.
MEASURES = {
    "inquiries": "COUNT(*)",
    "mqls": "COUNT(delivered_at)",
    "sals": "COUNT(accepted_at)",
    "sqls": "COUNT(sql_at)",
    "won": "SUM(won)",
    "revenue": "COALESCE(SUM(won_revenue), 0)",
}


def funnel_grouped_sql(spans: list[Span]) -> tuple[str, tuple]:
    """The ``FunnelSnapshot`` measures per period and key, as a statement (see
    ``grouping``): one read of the leads created in the ``spans``."""
    won = Q(state=LeadState.WON)
    leads = (
        Lead.objects.filter(spans_time_filter("created_at", spans))
        .annotate(
            **period_truncs("created_at"),
            rep_key=key_text("assigned_rep_id"),
            campaign_key=key_text("campaign_id"),
            source_key=F("source"),
            segment_key=key_text("segment_id"),
            won=SqlCase(When(won, then=Value(1)), default=Value(0), output_field=IntegerField()),
            won_revenue=SqlCase(When(won, then=F("won_amount"))),
        )
        .values(
            "period_week",
            "period_month",
            *(column for column in LEAD_KEY_COLUMNS.values() if column),
            "delivered_at",
            "accepted_at",
            "sql_at",
            "won",
            "won_revenue",
        )
        .order_by()
    )
    return grouped_sql(leads.query.sql_with_params(), keys=LEAD_KEY_COLUMNS, measures=MEASURES)
