"""Opting a read-only page in to the read replica, explicitly, view by view.

    @login_required
    @reads_from_replica
    def dashboards(request): ...

(class-based views: ``method_decorator(reads_from_replica, name="dispatch")``).

Only pages that read a lot and write nothing earn it: dashboards, exports,
list pages. A page that can show a second-old state is fine there; a page
that a user lands on right after changing something is covered by the
pinning below. Without a configured replica (DATABASE_REPLICA_URL) the
decorator changes nothing.

Read-your-writes:

- within a request, leadcourt/db_router.py keeps reads on the primary inside
  a transaction and after the first write;
- across requests, ``ReplicaPinningMiddleware`` gives a browser that has just
  POSTed (accept, reject, verdict …) a short-lived cookie; while it is
  there, that browser's marked pages read from the primary too, so the list
  it is redirected to never shows the lead it has just decided.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.template.response import SimpleTemplateResponse

from leadcourt.db_router import replica_reads

SAFE_METHODS = frozenset({"GET", "HEAD"})
PIN_COOKIE = "leadcourt_primary_pin"

__all__ = ["PIN_COOKIE", "ReplicaPinningMiddleware", "reads_from_replica", "replica_reads"]


def _pinned_to_primary(request) -> bool:
    return PIN_COOKIE in request.COOKIES


def reads_from_replica(view):
    """Run ``view``'s reads on the replica for GET and HEAD requests (not
    while the browser is pinned to the primary). A POST to the same view
    reads from the primary like any other write request."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in SAFE_METHODS or _pinned_to_primary(request):
            return view(request, *args, **kwargs)
        with replica_reads():
            response = view(request, *args, **kwargs)
            # A lazily rendered template would otherwise run its queries
            # after we have left the scope, on the primary.
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.render()
        if getattr(response, "streaming", False):
            response.streaming_content = _each_item_in_scope(response.streaming_content)
        return response

    return wrapped


def _each_item_in_scope(items: Iterable) -> Iterator:
    """A streamed body (CSV export) is produced after the view returned: enter
    the scope around each item, never across a ``yield``, so that nothing
    else the server does between items reads from the replica."""
    iterator = iter(items)
    while True:
        with replica_reads():
            try:
                item = next(iterator)
            except StopIteration:
                return
        yield item


class ReplicaPinningMiddleware:
    """After a request that may have written, keep this browser's reads on the
    primary for READ_REPLICA_PIN_SECONDS (longer than the replica normally
    lags). Nothing happens without a configured replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.READ_REPLICA_ENABLED and request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.READ_REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
