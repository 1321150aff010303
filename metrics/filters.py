"""Turning a request's period, date range and dimension into ``MetricFilters``:
one rule for the dashboards (a Django form parses the values) and the API
(a DRF serializer does)."""

from __future__ import annotations

from datetime import date

from leadcourt.errors import InvalidInput
from metrics.models import PeriodKind
from metrics.selectors import GROUP_DIMENSIONS, LONGEST_RANGE_DAYS, MetricFilters, default_range


def metric_filters_build(
    *,
    period: str | None,
    start: date | None,
    end: date | None,
    dimension: str | None,
    today: date,
) -> MetricFilters:
    """Defaults for what is missing (monthly; the last six months or twelve
    weeks up to today; by rep); ``InvalidInput`` with a message per field
    for a range that makes no sense."""
    period = period or PeriodKind.MONTH
    dimension = dimension or GROUP_DIMENSIONS[0]
    if end is None:
        end = max(today, start) if start else today
    if start is None:
        start = default_range(period, end)[0]
    errors = {}
    if start > end:
        errors["start"] = "The start must be on or before the end."
    elif (end - start).days > LONGEST_RANGE_DAYS:
        errors["end"] = f"Ask for at most {LONGEST_RANGE_DAYS // 366} years at a time."
    if errors:
        raise InvalidInput(errors)
    return MetricFilters(period=period, start=start, end=end, dimension=dimension)
