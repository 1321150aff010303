"""Import runs in the admin: viewable, with their first refused rows."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from leads.models import (
    LeadImport,
)

# A bad file can refuse every row; the admin shows the first ones, the import
# page (lead-import-detail) pages through all of them.
ROW_ERRORS_IN_ADMIN = 200


@admin.register(LeadImport)
class LeadImportAdmin(admin.ModelAdmin):
    """Read-only: imports are started from the import page, the API or
    ``manage.py import_leads``, which run the import service."""

    list_display = (
        "pk",
        "file_name",
        "actor",
        "status",
        "total_rows",
        "created_count",
        "existing_count",
        "refused_count",
        "created_at",
    )
    list_filter = ("status", "preset")
    search_fields = ("file_name", "actor__username")
    list_select_related = ("actor",)
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [*(field.name for field in LeadImport._meta.fields), "first_row_errors"]

    @admin.display(description="Row errors (first 200)")
    def first_row_errors(self, obj: LeadImport) -> str:
        errors = obj.row_errors.order_by("row_number", "field")[:ROW_ERRORS_IN_ADMIN]
        return (
            format_html_join(
                mark_safe("<br>"), "row {}, {}: {}", ((e.row_number, e.field, e.message) for e in errors)
            )
            or "—"
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
