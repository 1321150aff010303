"""The Django admin for cases: read-only.

Cases, statements and votes are written by ``adjudication.services`` only
(opening a case moves its lead; a verdict moves it again), so the admin shows
them and lets nobody add, change or delete one.
"""

from __future__ import annotations

from django.contrib import admin

from adjudication.models import Case, Statement, Vote
from adjudication.services import lead_concede
from leadcourt.admin_readonly import ReadOnlyAdminMixin
from leads.admin.actions import admin_run_lead_service
from leads.admin.leads import LeadAdmin


class StatementInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Statement
    fields = ("created_at", "author", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False


class VoteInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Vote
    fields = ("cast_at", "judge", "decision", "finding", "rationale", "cause", "reassign_to")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "kind",
        "status",
        "opened_at",
        "due_at",
        "reason_code",
        "decision",
        "finding",
        "decided_by",
    )
    list_filter = (
        "status",
        "kind",
        "decision",
        "finding",
        "reason_code",
        ("opened_at", admin.DateFieldListFilter),
    )
    search_fields = ("lead__first_name", "lead__last_name", "lead__email", "lead__company", "rationale")
    list_select_related = ("lead", "decided_by")
    ordering = ("-opened_at", "-pk")
    inlines = (StatementInline, VoteInline)


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "case", "author")
    search_fields = ("text", "author__username", "author__last_name")
    list_select_related = ("case", "case__lead", "author")
    ordering = ("-created_at", "-pk")


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("cast_at", "case", "judge", "decision", "finding")
    list_filter = ("decision", "finding")
    search_fields = ("rationale", "judge__username", "judge__last_name")
    list_select_related = ("case", "case__lead", "judge")
    ordering = ("-cast_at", "-pk")


# --- the court's action on leads -------------------------------------------------------


@admin.action(description="Concede the rejection (rejected → returned)", permissions=["change"])
def concede(modeladmin, request, queryset):
    admin_run_lead_service(modeladmin, request, queryset, lead_concede, "Conceded")


# Conceding is the court's move (the other way out of the appeal window), so
# the court adds it to the leads admin; leads imports nothing of the court.
LeadAdmin.actions = (*LeadAdmin.actions, concede)
