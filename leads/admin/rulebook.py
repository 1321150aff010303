"""Reason codes and rulebook versions in the admin (each save publishes a new version)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from leadcourt.accounts import roles
from leadcourt.errors import InvalidInput
from leads import services
from leads.models import (
    ReasonCode,
    RulebookVersion,
)
from leads.selectors import rulebook_current


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "blames", "requires_note", "is_active", "position")
    list_editable = ("label", "blames", "requires_note", "is_active", "position")
    list_filter = ("blames", "is_active")
    search_fields = ("code", "label")

    def get_readonly_fields(self, request, obj=None):
        # The code is the stable API value and the key history points at:
        # renaming it would create a second reason, not rename this one.
        return ("code",) if obj is not None else ()


# --- the rulebook ----------------------------------------------------------------------


class RulebookVersionAddForm(forms.ModelForm):
    class Meta:
        model = RulebookVersion
        fields = ("change_note", *services.RULE_FIELDS)

    def clean(self):
        # The service's own rule, so its refusal shows next to the field.
        cleaned = super().clean()
        try:
            services.rulebook_version_check(
                RulebookVersion(**{name: cleaned.get(name) for name in services.RULE_FIELDS})
            )
        except InvalidInput as exc:
            for field, problem in exc.errors.items():
                self.add_error(field, problem)
        return cleaned


@admin.register(RulebookVersion)
class RulebookVersionAdmin(admin.ModelAdmin):
    """Versions are immutable: superusers publish a new one (through the
    service, which numbers it and records author and time); existing ones
    are read-only and never deleted (history points at them)."""

    list_display = (
        "version",
        "created_at",
        "author",
        "change_note",
        "mql_min_criteria",
        "decision_hours",
        "review_mode",
    )
    list_select_related = ("author",)
    ordering = ("-version",)
    add_form = RulebookVersionAddForm
    add_fieldsets = (
        (None, {"fields": ("change_note",)}),
        ("Qualification", {"fields": ("mql_min_criteria", "grade_a_min_criteria")}),
        (
            "Deadlines",
            {
                "fields": (
                    "decision_hours",
                    "followup_days",
                    "appeal_days",
                    "review_days",
                    "business_hours_only",
                )
            },
        ),
        ("Follow-up", {"fields": ("touches_grade_a", "touches_grade_b")}),
        ("Review", {"fields": ("review_mode", "sample_percent", "independent_judges", "panel_size")}),
    )

    def has_add_permission(self, request):
        return roles.is_superuser(request.user)

    def has_change_permission(self, request, obj=None):
        # No one edits a published version; the change page shows it read-only.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        return (
            (None, {"fields": ("version", "created_at", "author", "change_note")}),
            *self.add_fieldsets[1:],
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("version", "created_at", "author", "change_note", *services.RULE_FIELDS)

    def get_changeform_initial_data(self, request):
        # A new version starts as a copy of the one in force.
        current = rulebook_current()
        initial = super().get_changeform_initial_data(request)
        if current is not None:
            initial.update({name: getattr(current, name) for name in services.RULE_FIELDS})
        return initial

    def save_model(self, request, obj, form, change):
        """Publish through ``rulebook_version_create`` (next number, author,
        time, the same checks as every other caller) instead of saving the
        form's instance; the admin then logs and redirects to the new version.

        The form has already validated everything the service checks, so a
        refusal here is a programming error, not a user's mistake.
        """
        version = services.rulebook_version_create(
            actor=request.user,
            change_note=form.cleaned_data.get("change_note", ""),
            **{name: form.cleaned_data[name] for name in services.RULE_FIELDS},
        )
        obj.pk = version.pk
        obj.version = version.version
        obj.author = version.author
        obj.created_at = version.created_at
        obj._state.adding = False
        obj._state.db = version._state.db
