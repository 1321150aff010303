from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from leadcourt.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "department", "is_active")
    list_filter = ("department", "groups", "is_active", "is_staff")
    fieldsets = (*BaseUserAdmin.fieldsets, ("LeadCourt", {"fields": ("department",)}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("LeadCourt", {"fields": ("department",)}))

    def has_change_permission(self, request, obj=None):
        # The system actor is part of the audit trail; nobody edits it.
        if obj is not None and obj.is_system:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_system:
            return False
        return super().has_delete_permission(request, obj)
