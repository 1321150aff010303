"""The Django admin for leads and their reference data.

The admin is one more interface, so it obeys the same rules as the others:
the lead's state and every field a transition sets are read-only here, and
the transitions it offers (as list actions) call ``leads.services``. The
history (``LeadEvent``) and touches are records, shown but never edited.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from leadcourt.accounts import roles
from leadcourt.errors import ApplicationError, InvalidInput
from leads import services
from leads.criteria import Criterion, criteria_to_mask
from leads.models import (
    Campaign,
    CampaignStatus,
    Lead,
    LeadEvent,
    LeadImport,
    ReasonCode,
    RulebookVersion,
    Segment,
    Touch,
)
from leads.selectors import rulebook_current

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
# How many names one action message lists before "and N more".
MESSAGE_NAMES_SHOWN = 10


class ReadOnlyAdminMixin:
    """Records that only the services write: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


def _run_transition(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Lead],
    service: Callable[..., Lead],
    done: str,
) -> None:
    """Run a lead service on each selected lead (see ``_run_on_each``)."""
    _run_on_each(modeladmin, request, queryset, lambda lead, actor: service(lead=lead, actor=actor), done)


def _run_on_each(
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
    actions = ("qualify", "accept", "qualify_opportunity", "concede", "expire_appeal")

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
        _run_transition(self, request, queryset, services.lead_qualify, "Qualified")

    @admin.action(description="Accept (MQL → SAL)", permissions=["change"])
    def accept(self, request, queryset):
        _run_transition(self, request, queryset, services.lead_accept, "Accepted")

    @admin.action(description="Qualify as opportunity (SAL → SQL)", permissions=["change"])
    def qualify_opportunity(self, request, queryset):
        _run_transition(
            self, request, queryset, services.lead_qualify_opportunity, "Qualified as opportunity"
        )

    @admin.action(description="Concede the rejection (rejected → returned)", permissions=["change"])
    def concede(self, request, queryset):
        _run_transition(self, request, queryset, services.lead_concede, "Conceded")

    @admin.action(description="Expire the appeal window (rejected → returned)", permissions=["change"])
    def expire_appeal(self, request, queryset):
        _run_transition(self, request, queryset, services.lead_expire_appeal, "Returned")


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


class CampaignAdminForm(forms.ModelForm):
    """The fields a marketer edits; the status moves only through the actions
    (Go live / End), which run the same services as the campaign pages."""

    class Meta:
        model = Campaign
        fields = services.CAMPAIGN_FIELDS

    def clean(self):
        # The campaign services' own field rules, so their refusals show next
        # to the fields; save_model then runs the service, which checks again
        # under the row lock.
        cleaned = super().clean()
        if not self.errors:
            proposed = copy.copy(self.instance)
            for name in services.CAMPAIGN_FIELDS:
                setattr(proposed, name, cleaned.get(name))
            try:
                services.campaign_fields_check(proposed)
            except InvalidInput as exc:
                for field, problems in exc.errors.items():
                    self.add_error(field if field in self.fields else None, problems)
        return cleaned


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignAdminForm
    list_display = (
        "name",
        "source",
        "marketer",
        "status",
        "starts_on",
        "ends_on",
        "forecast_leads",
        "forecast_mqls",
        "forecast_revenue",
        "budget",
    )
    list_filter = ("status", "source")
    search_fields = ("name", "source")
    list_select_related = ("marketer",)
    readonly_fields = ("status",)
    fieldsets = (
        (None, {"fields": ("name", "source", "marketer", "status", ("starts_on", "ends_on"))}),
        ("Forecast (required to go live)", {"fields": services.CAMPAIGN_FORECAST_FIELDS}),
    )
    actions = ("launch", "end")

    def has_delete_permission(self, request, obj=None):
        # Leads and the ROI dashboard refer to campaigns; an ended one is a record.
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "marketer":
            kwargs["queryset"] = roles.active_users_with_role(roles.MARKETER)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == CampaignStatus.ENDED:
            return ("status", *services.CAMPAIGN_FIELDS)  # an ended campaign is a record
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            saved = services.campaign_update(campaign=obj, actor=request.user, **values)
        else:
            saved = services.campaign_create(actor=request.user, **values)
        obj.pk, obj.status = saved.pk, saved.status

    # The campaign services write the campaign's history (Django's admin log)
    # themselves; logging here as well would show every change twice.
    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None

    @admin.action(description="Go live (needs the complete forecast)", permissions=["change"])
    def launch(self, request, queryset):
        _run_on_each(
            self,
            request,
            queryset,
            lambda item, actor: services.campaign_launch(campaign=item, actor=actor),
            "Launched",
        )

    @admin.action(description="End the campaign", permissions=["change"])
    def end(self, request, queryset):
        _run_on_each(
            self,
            request,
            queryset,
            lambda item, actor: services.campaign_end(campaign=item, actor=actor),
            "Ended",
        )


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
