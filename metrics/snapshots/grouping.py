"""Aggregating rows per (period kind, period start, dimension, key) in one statement.

Each snapshot table is filled from one read of its source rows (deliveries,
leads, cases, votes): an ORM query gives each row its week, its month, its
key in every dimension and the values its measures add up (the ORM knows
each backend's time-zone truncation and JSON access). The plain SQL around
it materialises those rows once and groups them once per (period kind,
dimension), a ``UNION ALL`` of ten ``GROUP BY``s: what ``GROUPING SETS``
does on PostgreSQL, written so that SQLite (3.35+, ``make run``) runs it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import CharField, FloatField, Func, Value
from django.db.models.functions import Cast, Coalesce

from metrics.models import NONE_KEY, OVERALL_KEY, Dimension, PeriodKind

# The key columns every source query names its dimensions' keys by.
LEAD_KEY_COLUMNS = {
    Dimension.OVERALL: None,  # one row per period: the constant key
    Dimension.REP: "rep_key",
    Dimension.CAMPAIGN: "campaign_key",
    Dimension.SOURCE: "source_key",
    Dimension.SEGMENT: "segment_key",
}


# For the aggregation statements, on PostgreSQL, for their transaction only.
# No JIT: the planner cannot count rows through the CTEs (it guesses millions
# where there are thousands), so it would compile the plans, which takes
# longer than running them. Sorts and hashes in memory: the largest is the
# delivered leads' history (the benchmark's floor sets the same work_mem).
AGGREGATION_SETTINGS = {"jit": "off", "work_mem": "256MB"}


def aggregation_settings_apply() -> None:
    """``AGGREGATION_SETTINGS`` until the current transaction ends (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name, value in AGGREGATION_SETTINGS.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def sql_list(values) -> str:
    """An SQL list of the code's own constants: ``('a', 'b')``."""
    return "(" + ", ".join(f"'{value}'" for value in map(str, values)) + ")"


def key_text(expression):
    """A dimension key as text: an id, or ``NONE_KEY`` where there is none."""
    return Coalesce(Cast(expression, CharField()), Value(NONE_KEY))


def hours_between_sql(vendor: str, end: str, start: str) -> str:
    """SQL for the hours from ``start`` to ``end`` (two SQL expressions) as a
    float: Django has no portable "difference in seconds"."""
    if vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)"
    if vendor == "sqlite":
        return f"((julianday({end}) - julianday({start})) * 24.0)"
    raise NotImplementedError(f"hours between two instants on {vendor}")


class HoursBetween(Func):
    """Hours from ``start`` to ``end`` as a float, on PostgreSQL and SQLite."""

    output_field = FloatField()

    def __init__(self, end, start):
        super().__init__(end, start)

    def as_sql(self, compiler, connection, **extra):
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return hours_between_sql(connection.vendor, end, start), (*end_params, *start_params)


@dataclass(frozen=True)
class Median:
    """The median of a source column per group (the mean of the middle two
    values when there are an even number; rows where it is NULL left out)."""

    name: str
    column: str


# One (period kind, dimension) of a grouped statement. Only the code's own
# constants (names, SQL aggregates) are formatted into these; values go as
# parameters of the source query.
BRANCH_SQL = (
    "SELECT '{kind}' AS period, {period} AS period_start, '{dimension}' AS dimension, {key} AS dim_key, "
    "{aggregates} FROM {source} GROUP BY {group_by}"
)
# PostgreSQL: the middle value in ascending and in descending order is the
# same value when a group has an odd number of them, and the middle two
# otherwise; their mean is computed as AVG would (exact on numeric).
MEDIAN_POSTGRESQL_SQL = (
    "(percentile_disc(0.5) WITHIN GROUP (ORDER BY {column})"
    " + percentile_disc(0.5) WITHIN GROUP (ORDER BY {column} DESC)) / 2"
)
# SQLite has no percentile function: each group's values are numbered in
# order (NULLs last) and counted, and the median is the mean of the middle
# one or two. The GROUP BY on the window's keys needs no second sort.
MEDIAN_RANKED_SOURCE_SQL = (
    "(SELECT source.*, ROW_NUMBER() OVER (PARTITION BY {group_by} ORDER BY {column} NULLS LAST) AS median_rn,"
    " COUNT({column}) OVER (PARTITION BY {group_by}) AS median_n FROM source) ranked"
)
MEDIAN_RANKED_SQL = "AVG(CASE WHEN median_rn IN ((median_n + 1) / 2, (median_n + 2) / 2) THEN {column} END)"


def _branch_sql(kind: str, dimension: str, key: str | None, measures: dict[str, str], median) -> str:
    """The aggregates of one (period kind, dimension): one ``GROUP BY`` over the source."""
    period = f"period_{kind}"
    group_by = f"{period}, {key}" if key else period
    aggregates = dict(measures)
    source = "source"
    if median and connection.vendor == "postgresql":
        aggregates[median.name] = MEDIAN_POSTGRESQL_SQL.format(column=median.column)
    elif median:
        source = MEDIAN_RANKED_SOURCE_SQL.format(group_by=group_by, column=median.column)
        aggregates[median.name] = MEDIAN_RANKED_SQL.format(column=median.column)
    return BRANCH_SQL.format(
        kind=kind,
        period=period,
        dimension=dimension,
        key=key or f"'{OVERALL_KEY}'",
        aggregates=", ".join(f"{aggregate} AS {name}" for name, aggregate in aggregates.items()),
        source=source,
        group_by=group_by,
    )


def grouped_sql(
    source: tuple[str, tuple],
    *,
    keys: dict[str, str | None],
    measures: dict[str, str],
    median: Median | None = None,
) -> tuple[str, tuple]:
    """A statement giving the ``measures`` (SQL aggregates over the source
    rows' columns) per period kind, period start, dimension and key
    (``period``, ``period_start``, ``dimension``, ``dim_key``), and its parameters.

    ``source`` is SQL and parameters whose rows have ``period_week``,
    ``period_month``, the key columns named in ``keys`` (per dimension) and
    whatever ``measures`` read. It is computed once (a materialised CTE),
    then grouped once per period kind and dimension, as ``GROUPING SETS``
    would.
    """
    sql, params = source
    branches = "\nUNION ALL\n".join(
        _branch_sql(kind, dimension, key, measures, median)
        for kind in PeriodKind.values
        for dimension, key in keys.items()
    )
    return f"WITH source AS MATERIALIZED ({sql})\n{branches}", params
