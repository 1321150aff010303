"""What a client locked out by too many failed logins is shown
(``AXES_LOCKOUT_CALLABLE``; django-axes' middleware calls it)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

# 429 Too Many Requests: the request was fine, the client has tried too often.
LOCKED_OUT_STATUS = 429


def lockout_minutes() -> int:
    return max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_message() -> str:
    minutes = lockout_minutes()
    return (
        f"Too many failed logins from your network. Logging in is paused for {minutes} minutes "
        "after the last attempt, even with the right password."
    )


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """The login page again, saying why logging in is refused and what to do,
    instead of axes' bare text; JSON in the API's error shape under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "locked_out", "detail": lockout_message()}, status=LOCKED_OUT_STATUS)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form,
        "locked_out": True,
        "lockout_minutes": lockout_minutes(),
        "next": request.POST.get("next", request.GET.get("next", "")),
    }
    return render(request, "registration/login.html", context, status=LOCKED_OUT_STATUS)
