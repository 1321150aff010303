"""Reads of import runs for the upload page, the progress page and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from leadcourt.errors import ActionForbidden
from leads.models import LeadImport, LeadImportRowError
from leads.selectors import sees_every_lead


def lead_imports_may_view(user) -> bool:
    """Whoever may see every lead may see how they were imported (SPEC §1):
    marketers, managers and administrators."""
    return sees_every_lead(user)


def lead_imports_visible_to(user) -> QuerySet[LeadImport]:
    """Every import run, newest first; ``ActionForbidden`` for anyone else."""
    if not lead_imports_may_view(user):
        raise ActionForbidden("Only marketers and managers may see lead imports.")
    return LeadImport.objects.select_related("actor").order_by("-created_at", "-pk")


def lead_import_get_visible(*, user, import_id: int) -> LeadImport | None:
    return lead_imports_visible_to(user).filter(pk=import_id).first()


def lead_import_row_errors(*, lead_import: LeadImport) -> QuerySet[LeadImportRowError]:
    """The refusals of one run in file order (served by the unique index on
    ``(lead_import, row_number, field)``)."""
    return LeadImportRowError.objects.filter(lead_import=lead_import).order_by("row_number", "field")
