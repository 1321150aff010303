"""Admin list actions that run a service on each selected row."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from leadcourt.errors import ApplicationError
from leads.models import (
    Lead,
)

# How many names one action message lists before "and N more".
MESSAGE_NAMES_SHOWN = 10


def admin_run_lead_service(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Lead],
    service: Callable[..., Lead],
    done: str,
) -> None:
    """Run a lead service on each selected lead (see ``admin_run_on_each``)."""
    admin_run_on_each(
        modeladmin, request, queryset, lambda lead, actor: service(lead=lead, actor=actor), done
    )


def admin_run_on_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    run: Callable[[object, object], object],
    done: str,
) -> None:
    """Run ``run(item, actor)`` on each selected row, as the admin user, each
    in its own transaction (the service's): one refusal does not undo the others.

    Reports what succeeded and, per row, why anything was refused; an
    ``ApplicationError`` is a message, never a server error.
    """
    noun = queryset.model._meta
    succeeded: list[str] = []
    refused: list[str] = []
    for item in queryset.order_by("pk"):
        try:
            run(item, request.user)
        except ApplicationError as exc:
            refused.append(f"{item} (#{item.pk}): {exc.message}")
        else:
            succeeded.append(f"{item} (#{item.pk})")
    if succeeded:
        names = ", ".join(succeeded[:MESSAGE_NAMES_SHOWN])
        more = len(succeeded) - MESSAGE_NAMES_SHOWN
        what = noun.verbose_name if len(succeeded) == 1 else noun.verbose_name_plural
        modeladmin.message_user(
            request,
            f"{done} {len(succeeded)} {what}: {names}" + (f" and {more} more." if more > 0 else "."),
            messages.SUCCESS,
        )
    for line in refused[:MESSAGE_NAMES_SHOWN]:
        modeladmin.message_user(request, f"Not done: {line}", messages.ERROR)
    if len(refused) > MESSAGE_NAMES_SHOWN:
        modeladmin.message_user(
            request, f"… and {len(refused) - MESSAGE_NAMES_SHOWN} more refused.", messages.ERROR
        )
