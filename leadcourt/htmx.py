"""How every page answers an HTMX request: where to go next, which statuses
htmx swaps in place, and the flash messages sent with a partial answer."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, fallback: str) -> str:
    """Where to go after an action: the ``next`` it was given if that is on
    this site, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def htmx_swaps(status: int) -> bool:
    """Whether htmx swaps an answer with this status in place (base.html's
    ``htmx-config``): success, and the 400/409 refusals a form shows."""
    return 200 <= status < 400 or status in (400, 409)


def htmx_with_messages(request, response: HttpResponse, *, error: str = "", in_place: bool = True):
    """Send the flash messages with an HTMX answer, in an ``HX-Trigger``
    header that ``leadcourt.js`` shows (JSON, ASCII-escaped so any lead name
    is a valid header). A refusal the page will not show, because htmx does
    not swap its status or there is nothing to show it on (``in_place``
    False), becomes a message too."""
    if error and not (in_place and htmx_swaps(response.status_code)):
        messages.error(request, error)
    payload = [{"level": m.level_tag or "info", "text": str(m)} for m in messages.get_messages(request)]
    response["HX-Trigger"] = json.dumps({"leadcourt:messages": payload})
    return response
