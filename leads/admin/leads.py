"""The Django admin for leads and their reference data.

The admin is one more interface, so it obeys the same rules as the others:
the lead's state and every field a transition sets are read-only here, and
the transitions it offers (as list actions) call ``leads.services``. The
history (``LeadEvent``) and touches are records, shown but never edited.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from leadcourt.accounts import roles
from leadcourt.admin_readonly import ReadOnlyAdminMixin
from leads import services
from leads.admin.actions import admin_run_lead_service
from leads.criteria import Criterion, criteria_to_mask
from leads.models import (
    Lead,
    LeadEvent,
    Segment,
    Touch,
)

# Timestamps of every stage and the deadlines in force.
LEAD_STAGE_FIELDS = (
    "assigned_at",
    "delivered_at",
    "accepted_at",
    "followup_started_at",
    "rejected_at",
    "in_review_at",
    "returned_at",
    "sql_at",
    "closed_at",
    "disqualified_at",
    "decision_due_at",
    "followup_due_at",
    "appeal_due_at",
)
# Fields only the services set: the state machine's own, and intake's.
LEAD_FSM_FIELDS = (
    "state",
    "delivery_count",
    "assigned_rep",
    *LEAD_STAGE_FIELDS,
    "rejection_reason",
    "rejection_note",
    "disqualify_reason",
    "return_cause",
    "won_amount",
    "lost_reason",
)
LEAD_RECORD_FIELDS = ("public_id", "duplicate_of", "criteria_count", "created_at", "updated_at")


# --- leads ---------------------------------------------------------------------------


class LeadAdminForm(forms.ModelForm):
    """Criteria as ten checkboxes instead of the stored bitmask."""

    criteria = forms.MultipleChoiceField(
        choices=Criterion.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Lead
        # Everything else is set by intake or by transitions (read-only below).
        fields = (
            "first_name",
            "last_name",
            "email",
            "phone",
            "company",
            "title",
            "country",
            "external_id",
            "source",
            "campaign",
            "segment",
            "marketer",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["criteria"].initial = self.instance.criteria

    def save(self, commit=True):
        self.instance.criteria_mask = criteria_to_mask(self.cleaned_data.get("criteria") or [])
        return super().save(commit=commit)


class LeadEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LeadEvent
    fields = (
        "occurred_at",
        "transition",
        "from_state",
        "to_state",
        "actor",
        "reason",
        "note",
        "rulebook_version",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


class TouchInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Touch
    fields = ("occurred_at", "actor", "channel", "outcome", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    form = LeadAdminForm
    list_display = (
        "__str__",
        "company",
        "state",
        "assigned_rep",
        "marketer",
        "campaign",
        "criteria_count",
        "delivered_at",
        "created_at",
    )
    list_filter = (
        "state",
        "campaign",
        "segment",
        ("assigned_rep", admin.RelatedOnlyFieldListFilter),
        ("marketer", admin.RelatedOnlyFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("first_name", "last_name", "email", "company", "external_id")
    list_select_related = ("assigned_rep", "marketer", "campaign")
    # No date_hierarchy (nor a filter on the free-text source): each would run
    # a DISTINCT over every lead on every page load, too slow at millions.
    readonly_fields = (*LEAD_RECORD_FIELDS, *LEAD_FSM_FIELDS)
    autocomplete_fields = ("campaign", "segment")
    inlines = (LeadEventInline, TouchInline)
    fieldsets = (
        (
            "Contact",
            {"fields": (("first_name", "last_name"), "email", "phone", "company", "title", "country")},
        ),
        ("Origin", {"fields": ("external_id", "source", "campaign", "segment", "marketer", "criteria")}),
        (
            "Where it stands (set by transitions only)",
            {"fields": ("state", "assigned_rep", "delivery_count", "criteria_count", "duplicate_of")},
        ),
        (
            "Stages and deadlines",
            {
                "classes": ("collapse",),
                "fields": (
                    "created_at",
                    "updated_at",
                    *LEAD_STAGE_FIELDS,
                ),
            },
        ),
        (
            "Outcome",
            {
                "classes": ("collapse",),
                "fields": (
                    "rejection_reason",
                    "rejection_note",
                    "disqualify_reason",
                    "return_cause",
                    "won_amount",
                    "lost_reason",
                    "public_id",
                ),
            },
        ),
    )
    # The court adds "concede" (adjudication/admin.py): it owns that move.
    actions = ("qualify", "accept", "qualify_opportunity", "expire_appeal")

    def has_add_permission(self, request):
        # Leads come in through intake (the app, the API, the CSV import),
        # which starts their history; an admin-made row would have none.
        return False

    def has_delete_permission(self, request, obj=None):
        # The history and the metrics refer to every lead ever delivered.
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "marketer":
            kwargs["queryset"] = roles.active_users_with_role(roles.MARKETER)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # Write only what the form changed, so an edit of the contact details
        # can never put back a state or deadline a service changed meanwhile.
        if not change:  # pragma: no cover - adding is disabled above
            obj.save()
            return
        changed = [name for name in form.changed_data if name != "criteria"]
        if "criteria" in form.changed_data:
            changed.append("criteria_mask")
        if changed:
            obj.save(update_fields=[*changed, "updated_at"])

    @admin.action(description="Qualify (inquiry → MQL; routes to a rep)", permissions=["change"])
    def qualify(self, request, queryset):
        admin_run_lead_service(self, request, queryset, services.lead_qualify, "Qualified")

    @admin.action(description="Accept (MQL → SAL)", permissions=["change"])
    def accept(self, request, queryset):
        admin_run_lead_service(self, request, queryset, services.lead_accept, "Accepted")

    @admin.action(description="Qualify as opportunity (SAL → SQL)", permissions=["change"])
    def qualify_opportunity(self, request, queryset):
        admin_run_lead_service(
            self, request, queryset, services.lead_qualify_opportunity, "Qualified as opportunity"
        )

    @admin.action(description="Expire the appeal window (rejected → returned)", permissions=["change"])
    def expire_appeal(self, request, queryset):
        admin_run_lead_service(self, request, queryset, services.lead_expire_appeal, "Returned")


@admin.register(LeadEvent)
class LeadEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The append-only history: readable, never added, changed or deleted."""

    list_display = (
        "occurred_at",
        "lead",
        "transition",
        "from_state",
        "to_state",
        "actor",
        "reason",
        "rulebook_version",
    )
    list_filter = ("transition", "to_state", "reason", ("occurred_at", admin.DateFieldListFilter))
    search_fields = (
        "lead__first_name",
        "lead__last_name",
        "lead__email",
        "lead__company",
        "lead__external_id",
    )
    list_select_related = ("lead", "actor", "reason", "rulebook_version")
    ordering = ("-occurred_at", "-id")


@admin.register(Touch)
class TouchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("occurred_at", "lead", "actor", "channel", "outcome")
    list_filter = ("channel", "outcome", ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("lead__first_name", "lead__last_name", "lead__email", "lead__company", "note")
    list_select_related = ("lead", "actor")
    ordering = ("-occurred_at", "-id")


# --- reference data ------------------------------------------------------------------


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "owner_rep")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner_rep":
            kwargs["queryset"] = roles.active_users_with_role(roles.SALES_REP)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
