"""The display name stored with each snapshot row, so a page needs no join to show it.

Written into the rows by the same statement that aggregates them (see
``recompute``): a rep's or judge's name as ``str(user)`` gives it (full name,
else username), a campaign's or segment's name, a source as it is typed.
``tests/metrics/test_snapshots_reference.py`` checks these labels against
the Python objects' own.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Trim

from leads.models import Campaign, Segment
from metrics.models import NONE_KEY, Dimension

NONE_LABELS = {
    Dimension.REP: "Unassigned",
    Dimension.CAMPAIGN: "No campaign",
    Dimension.SOURCE: "No source",
    Dimension.SEGMENT: "No segment",
    Dimension.JUDGE: "Unknown judge",
}
OVERALL_LABEL = "All leads"
LABEL_LENGTH = 200  # the snapshot tables' ``label`` column


def _text(value: str) -> str:
    """An SQL string literal of the code's own constants."""
    return "'" + value.replace("'", "''") + "'"


def _names():
    """(dimension alias, queryset of ``label_key`` and ``label``) of every object a key can name."""
    # What ``User.get_full_name() or User.username`` gives, in SQL.
    full_name = NullIf(Trim(Concat("first_name", Value(" "), "last_name")), Value(""))
    users = get_user_model().objects.annotate(label=Coalesce(full_name, F("username")))
    named = {
        "user_names": ((Dimension.REP, Dimension.JUDGE), users),
        "campaign_names": ((Dimension.CAMPAIGN,), Campaign.objects.annotate(label=F("name"))),
        "segment_names": ((Dimension.SEGMENT,), Segment.objects.annotate(label=F("name"))),
    }
    return {
        alias: (
            dimensions,
            queryset.annotate(label_key=Cast("pk", CharField())).values("label_key", "label").order_by(),
        )
        for alias, (dimensions, queryset) in named.items()
    }


def labelled_sql(grouped: str) -> tuple[str, str, tuple]:
    """The label of each row of the aggregated rows ``grouped`` (an alias
    with ``dimension`` and ``dim_key``): an SQL expression, the joins it
    needs and their parameters."""
    joins, params, found = [], [], []
    for alias, (dimensions, queryset) in _names().items():
        sql, sql_params = queryset.query.sql_with_params()
        in_dimensions = ", ".join(_text(d) for d in dimensions)
        joins.append(
            f"LEFT JOIN ({sql}) {alias} ON {grouped}.dimension IN ({in_dimensions})"
            f" AND {alias}.label_key = {grouped}.dim_key"
        )
        params.extend(sql_params)
        found.append(f"{alias}.label")
    none_labels = " ".join(f"WHEN {_text(d)} THEN {_text(label)}" for d, label in NONE_LABELS.items())
    label = (
        f"CASE WHEN {grouped}.dimension = {_text(Dimension.OVERALL)} THEN {_text(OVERALL_LABEL)}"
        f" WHEN {grouped}.dim_key = {_text(NONE_KEY)} THEN CASE {grouped}.dimension {none_labels} END"
        f" WHEN {grouped}.dimension = {_text(Dimension.SOURCE)} THEN {grouped}.dim_key"
        f" ELSE COALESCE({', '.join(found)}, '#' || {grouped}.dim_key) END"
    )
    return f"SUBSTR({label}, 1, {LABEL_LENGTH})", "\n".join(joins), tuple(params)
