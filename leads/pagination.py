"""Pagination that pays for the page, not the table (STYLE.md habit 16).

Two kinds of list:

- **Numbered pages** (inbox, accepted leads, My leads, rejected leads, the
  review queue, the API list): ``offset_page``. The total is counted only up
  to ``COUNT_CAP`` (``count_capped``: ``COUNT(*)`` over a ``LIMIT`` subquery),
  so a list of a million rows says "more than 10,000" instead of counting
  them all on every page; the page itself is ``size + 1`` rows from an
  index, the extra one saying whether there is a next page. Per-row
  aggregates (touch counts, votes) are added to the chosen rows only
  (``annotate``), never computed for the whole list before it is cut.
- **Keyset pages** (the managers' All leads, newest first): ``keyset_page``.
  A page starts *after* the last row shown, ``created_at <= moment AND
  (created_at < moment OR pk < pk0)`` — the row comparison
  ``(created_at, pk) < (moment, pk0)`` written so that the first term bounds
  an index scan on ``(created_at DESC, id DESC)`` on PostgreSQL and SQLite
  alike — so page 2,000 costs what page 1 costs. The price: "newer / older"
  instead of page numbers, and no total count.

A keyset cursor is ``<created_at in microseconds since the epoch>-<pk>``:
opaque enough for a URL, and a malformed one is simply ignored (first page).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, Q, QuerySet

# Lists count their rows up to here and then say "more than".
COUNT_CAP = 10_000
# A text search counts its matches up to here: past a thousand matches a
# person refines the search rather than reads the number, and counting them
# means checking every candidate row the trigram index gives (a common
# surname matches twelve thousand leads in a million: 57 ms to count to
# 10,000, 12 ms to 1,000).
SEARCH_COUNT_CAP = 1_000

_CURSOR = re.compile(r"^(\d{1,17})-(\d{1,18})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- capped counts ----------------------------------------------------------------------


def count_capped(qs: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """``(count, capped)``: the rows of ``qs`` counted up to ``cap``
    (``COUNT_CAP`` by default), and whether there are more. One ``SELECT
    COUNT(*) FROM (SELECT … LIMIT cap + 1)``: the database stops after
    ``cap + 1`` rows, whatever the table holds."""
    cap = COUNT_CAP if cap is None else cap
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def counts_capped(querysets: dict, cap: int | None = None) -> dict:
    """``count_capped`` of several querysets (same database) in one query:
    ``SELECT (SELECT COUNT(*) FROM (… LIMIT cap + 1)), …`` — for the state
    tabs above a list, one round trip however many tabs."""
    cap = COUNT_CAP if cap is None else cap
    result, parts, params, db = {}, [], [], None
    for key, qs in querysets.items():
        db = qs.db
        try:
            sql, qs_params = qs.order_by().values("pk")[: cap + 1].query.get_compiler(using=db).as_sql()
        except EmptyResultSet:
            result[key] = (0, False)
            continue
        # The ORM's own SQL and parameters for each count, wrapped: nothing user-typed in the text.
        parts.append((key, f"(SELECT COUNT(*) FROM ({sql}) AS capped_{len(parts)})"))  # noqa: S608
        params.extend(qs_params)
    if parts:
        with connections[db].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(sql for _key, sql in parts), params)
            row = cursor.fetchone()
        for (key, _sql), n in zip(parts, row, strict=True):
            result[key] = (min(n, cap), n > cap)
    return result


def counts_by_capped(qs: QuerySet, field: str, cap: int | None = None) -> dict:
    """``{value of field: (count, capped)}`` over the first ``cap + 1`` rows of
    ``qs`` found (``SELECT field, COUNT(*) FROM (… LIMIT cap + 1) GROUP BY
    field``): one pass over the rows, however many values. Exact while ``qs``
    has at most ``cap`` rows; past that every count says "at least"
    (``capped``)."""
    cap = COUNT_CAP if cap is None else cap
    sample = qs.order_by().annotate(count_key=F(field)).values("count_key")[: cap + 1]
    try:
        sql, params = sample.query.get_compiler(using=qs.db).as_sql()
    except EmptyResultSet:
        return {}
    with connections[qs.db].cursor() as cursor:
        # The ORM's own SQL and parameters, wrapped: nothing user-typed in the text.
        cursor.execute(f"SELECT count_key, COUNT(*) FROM ({sql}) AS sample GROUP BY 1", params)  # noqa: S608
        rows = cursor.fetchall()
    capped = sum(n for _value, n in rows) > cap
    return {value: (n, capped) for value, n in rows}


def sum_capped(counts, cap: int | None = None) -> tuple[int, bool]:
    """The total of several ``(count, capped)``, itself capped at ``cap``
    (``COUNT_CAP`` by default)."""
    cap = COUNT_CAP if cap is None else cap
    total = sum(n for n, _capped in counts)
    return min(total, cap), total > cap or any(capped for _n, capped in counts)


# --- numbered pages ---------------------------------------------------------------------


@dataclass
class OffsetPage:
    """One numbered page of a list, for ``_capped_pagination.html`` (and the API).

    ``count`` is exact unless ``count_is_capped`` (then it is ``COUNT_CAP``
    and the list holds more); ``num_pages`` is ``None`` in that case.
    """

    rows: list
    number: int
    size: int
    count: int
    count_is_capped: bool
    has_next: bool

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def object_list(self) -> list:
        return self.rows

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)

    @property
    def count_text(self) -> str:
        """The count for people: "2,345" (with ``count_is_capped``, read "more than 10,000")."""
        return f"{self.count:,}"

    @property
    def num_pages(self) -> int | None:
        if self.count_is_capped:
            return None
        return max(1, -(-self.count // self.size))


def page_number(value) -> int:
    """The page asked for: a positive integer, else 1 (as ``Paginator.get_page``)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else 1


def offset_page(
    qs: QuerySet,
    *,
    number,
    size: int,
    annotate: Callable[[QuerySet], QuerySet] | None = None,
    count: tuple[int, bool] | None = None,
    clamp: bool = True,
    cap: int | None = None,
) -> OffsetPage:
    """Page ``number`` of ``qs`` (in its order), ``size`` rows, in three
    queries: the capped count (unless given as ``count``), the page's ids,
    and its rows.

    The ids come first — ``SELECT id … ORDER BY … LIMIT size + 1 OFFSET …``,
    which an index serving the list's filter and order answers without
    touching other rows — and only those rows are read, through ``annotate``
    (per-row aggregates). Two steps rather than ``pk IN (subquery)``: the
    planner could join and aggregate the whole list before keeping the page.

    ``cap`` is ``COUNT_CAP`` unless given (``SEARCH_COUNT_CAP`` for a search).
    Like ``Paginator.get_page``, a number past the last page shows the last
    page when the count is exact (``clamp``); past a capped count the page is
    simply empty.
    """
    number = page_number(number)
    total, capped = count if count is not None else count_capped(qs, cap)
    if clamp and not capped:
        number = min(number, max(1, -(-total // size)))
    offset = (number - 1) * size
    pks = list(qs.values_list("pk", flat=True)[offset : offset + size + 1])
    return OffsetPage(
        rows=rows_in_order(qs, pks[:size], annotate=annotate),
        number=number,
        size=size,
        count=total,
        count_is_capped=capped,
        has_next=len(pks) > size,
    )


def rows_in_order(qs: QuerySet, pks: list, *, annotate: Callable[[QuerySet], QuerySet] | None = None) -> list:
    """The rows of ``qs`` whose primary keys are ``pks`` (a page's), through
    ``annotate``, in ``qs``'s order: one query by primary key, none for no rows."""
    if not pks:
        return []
    rows = qs.filter(pk__in=pks)
    if annotate is not None:
        rows = annotate(rows)
    return list(rows.order_by(*(qs.query.order_by or qs.model._meta.ordering)))


def pks_of_slices(*slices: QuerySet) -> list:
    """The primary keys of several ordered, sliced querysets in one query
    (``SELECT pk FROM (…) UNION ALL SELECT pk FROM (…)``), in no particular
    order. Each slice is its own ``ORDER BY … LIMIT`` on an index, which a
    plain ``union()`` cannot say on SQLite."""
    parts, params, db = [], [], None
    for qs in slices:
        db = qs.db
        try:
            sql, qs_params = qs.values("pk").query.get_compiler(using=db).as_sql()
        except EmptyResultSet:
            continue
        # The ORM's own SQL and parameters, wrapped: nothing user-typed in the text.
        parts.append(f"SELECT pk FROM ({sql}) AS slice_{len(parts)}")  # noqa: S608
        params.extend(qs_params)
    if not parts:
        return []
    with connections[db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return [row[0] for row in cursor.fetchall()]


# --- keyset pages -----------------------------------------------------------------------


@dataclass
class KeysetPage:
    rows: list
    has_newer: bool
    has_older: bool
    newer_cursor: str | None
    older_cursor: str | None


def cursor_encode(created_at: datetime, pk: int) -> str:
    micros = (created_at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}-{pk}"


def cursor_decode(value: str | None) -> tuple[datetime, int] | None:
    """The position a cursor names, or ``None`` for anything malformed."""
    match = _CURSOR.match(value or "")
    if match is None:
        return None
    try:
        moment = _EPOCH + timedelta(microseconds=int(match.group(1)))
    except OverflowError:
        return None
    return moment, int(match.group(2))


def _older_than(moment: datetime, pk: int) -> Q:
    # (created_at, pk) < (moment, pk): the first term is an index bound.
    return Q(created_at__lte=moment) & (Q(created_at__lt=moment) | Q(pk__lt=pk))


def _newer_than(moment: datetime, pk: int) -> Q:
    # (created_at, pk) > (moment, pk)
    return Q(created_at__gte=moment) & (Q(created_at__gt=moment) | Q(pk__gt=pk))


def keyset_page(qs: QuerySet, *, after: str | None, before: str | None, size: int) -> KeysetPage:
    """One page of ``qs`` newest first: the rows older than ``after``, or the
    rows newer than ``before``, or the newest ones. One query, ``size + 1``
    rows (the extra one says whether there is more)."""
    older_than = cursor_decode(after)
    newer_than = cursor_decode(before) if older_than is None else None
    if newer_than is not None:
        window = list(qs.filter(_newer_than(*newer_than)).order_by("created_at", "pk")[: size + 1])
        if window:
            has_newer = len(window) > size
            rows = list(reversed(window[:size]))
            return _page(rows, has_newer=has_newer, has_older=True)
        # Nothing newer any more (the reader came back later): start over.
    newest_first = qs.order_by("-created_at", "-pk")
    if older_than is not None:
        window = list(newest_first.filter(_older_than(*older_than))[: size + 1])
        return _page(window[:size], has_newer=True, has_older=len(window) > size)
    window = list(newest_first[: size + 1])
    return _page(window[:size], has_newer=False, has_older=len(window) > size)


def _page(rows: list, *, has_newer: bool, has_older: bool) -> KeysetPage:
    return KeysetPage(
        rows=rows,
        has_newer=has_newer and bool(rows),
        has_older=has_older,
        newer_cursor=cursor_encode(rows[0].created_at, rows[0].pk) if rows else None,
        older_cursor=cursor_encode(rows[-1].created_at, rows[-1].pk) if rows else None,
    )
