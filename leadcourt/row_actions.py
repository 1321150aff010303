"""How every list page answers an action taken on one of its rows.

A row's action form posts to the action's own URL — the URL the same form
posts to without JavaScript — and, when htmx sends it, names its list in a
hidden ``row`` field and targets the row (``hx-swap="outerHTML"``). The view
runs the service as it always does, then answers through ``row_answer``: the
row fetched again as its list shows it and re-rendered in place (with the
outcome or the refusal on it), or nothing when the object has left the list
(accepted out of the inbox, decided by someone else first). The flash
messages travel with the answer (``htmx_with_messages``).

Each list says once, in a ``RowList``, how to fetch one of its rows and what
its row template needs; a view lists the ``RowList``s whose rows may post to
it and asks ``row_list_posting`` which one did. A POST that names no list of
the view (a plain form, the lead page, a forged value) is not a row action:
the view answers it as a page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from leadcourt.htmx import htmx_with_messages


@dataclass(frozen=True)
class RowList:
    """A list whose rows carry actions.

    ``fetch(request, pk)`` returns the row's object as the list loads it, or
    None when it is no longer on the list for this user. ``context(request,
    obj, **answer)`` returns what ``template`` needs to draw one row; the
    answer holds ``error`` (a refusal's words, "" if none), ``outcome`` (what
    happened, when the row says it itself) and whatever the view adds (a bound
    form to show its errors in place).

    ``says_outcome`` is whether the row template shows the outcome itself;
    otherwise (and always when the row is gone) it becomes a flash message.
    """

    name: str
    template: str
    fetch: Callable[[HttpRequest, int], object | None]
    context: Callable[..., dict]
    says_outcome: bool = False


def row_list_posting(request: HttpRequest, *row_lists: RowList) -> RowList | None:
    """The list (of ``row_lists``) whose row sent this htmx request, or None
    when the request is a plain page request."""
    if not request.htmx:
        return None
    named = request.POST.get("row") or request.GET.get("row")
    return next((row_list for row_list in row_lists if row_list.name == named), None)


def row_answer(
    request: HttpRequest,
    row_list: RowList,
    pk: int,
    *,
    status: int = 200,
    outcome: str = "",
    error: str = "",
    **answer,
) -> HttpResponse:
    """The row of ``pk`` re-rendered for ``row_list`` (empty when it left the
    list), with the outcome or the refusal, and the flash messages."""
    obj = row_list.fetch(request, pk)
    if outcome and (obj is None or not row_list.says_outcome):
        messages.success(request, outcome)
        outcome = ""
    body = ""
    if obj is not None:
        context = row_list.context(request, obj, outcome=outcome, error=error, **answer)
        body = render_to_string(row_list.template, context, request=request)
    response = HttpResponse(body, status=status)
    return htmx_with_messages(request, response, error=error, in_place=obj is not None)
