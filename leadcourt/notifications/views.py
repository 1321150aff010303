"""The notification preferences page: every signed-in user's own."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from leadcourt.errors import ApplicationError
from leadcourt.form_errors import form_add_service_error
from leadcourt.notifications.forms import PreferencesForm
from leadcourt.notifications.models import ESSENTIAL_KINDS, OPTIONAL_KINDS, notification_kinds_for
from leadcourt.notifications.services import notification_kinds_enabled, notification_preferences_set


@login_required
def preferences_page(request):
    user = request.user
    # Only the emails this user's roles can receive are offered.
    kinds = notification_kinds_for(user)
    optional = [kind for kind in OPTIONAL_KINDS if kind in kinds]
    if request.method == "POST":
        form = PreferencesForm(request.POST, kinds=optional)
        if form.is_valid():
            enabled = set(form.cleaned_data["enabled"])
            try:
                notification_preferences_set(user=user, disabled={kind.value for kind in optional} - enabled)
            except ApplicationError as exc:
                form_add_service_error(form, exc)
            else:
                messages.success(request, "Your notification preferences are saved.")
                return redirect("notification-preferences")
        status = 400
    else:
        enabled = notification_kinds_enabled(user=user)
        form = PreferencesForm(
            initial={"enabled": [k.value for k in optional if k in enabled]}, kinds=optional
        )
        status = 200
    essential = [kind for kind in kinds if kind in ESSENTIAL_KINDS]
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "essential": essential, "email": user.email},
        status=status,
    )
