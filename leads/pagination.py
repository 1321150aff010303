"""Keyset pagination for long lead lists, newest first.

``Paginator`` pages with OFFSET: page 2,000 of 100k leads makes the database
walk and discard 100k rows, and it counts every matching row on each page.
Here a page starts *after* the last row shown, ``(created_at, pk) < cursor``,
which the ``(state, -created_at)`` and primary key indexes serve directly
however deep the reader goes. The price: "newer / older" instead of page
numbers, and no total count.

A cursor is ``<created_at in microseconds since the epoch>-<pk>``: opaque
enough for a URL, and a malformed one is simply ignored (first page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet

_CURSOR = re.compile(r"^(\d{1,17})-(\d{1,18})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


def keyset_page(qs: QuerySet, *, after: str | None, before: str | None, size: int) -> KeysetPage:
    """One page of ``qs`` newest first: the rows older than ``after``, or the
    rows newer than ``before``, or the newest ones. One query, ``size + 1``
    rows (the extra one says whether there is more)."""
    older_than = cursor_decode(after)
    newer_than = cursor_decode(before) if older_than is None else None
    if newer_than is not None:
        moment, pk = newer_than
        window = list(
            qs.filter(Q(created_at__gt=moment) | Q(created_at=moment, pk__gt=pk)).order_by(
                "created_at", "pk"
            )[: size + 1]
        )
        if window:
            has_newer = len(window) > size
            rows = list(reversed(window[:size]))
            return _page(rows, has_newer=has_newer, has_older=True)
        # Nothing newer any more (the reader came back later): start over.
    newest_first = qs.order_by("-created_at", "-pk")
    if older_than is not None:
        moment, pk = older_than
        window = list(
            newest_first.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))[: size + 1]
        )
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
