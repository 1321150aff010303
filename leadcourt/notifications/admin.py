"""Admin: the notification log (read-only: rows are written by services and
jobs, and their keys keep mail from going out twice) and users' opt-outs."""

from __future__ import annotations

from django.contrib import admin

from leadcourt.admin_readonly import ReadOnlyAdminMixin
from leadcourt.notifications.models import OPTIONAL_KINDS, Notification, NotificationOptOut


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # claimed_at shows a row stuck in "sending": a claim more than a few
    # minutes old was left by a worker that died mid-send (the hourly
    # escalation job queues it again).
    list_display = ("created_at", "kind", "recipient", "status", "claimed_at", "sent_at", "subject")
    list_filter = ("kind", "status")
    search_fields = ("recipient__username", "recipient__email", "key", "subject")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient", "lead", "case")


@admin.register(NotificationOptOut)
class NotificationOptOutAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        # Essential kinds cannot be turned off (a database constraint too).
        if db_field.name == "kind":
            kwargs["choices"] = [(kind.value, kind.label) for kind in OPTIONAL_KINDS]
        return super().formfield_for_choice_field(db_field, request, **kwargs)
