"""Admin for records only the services write."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """Records that only the services write: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
