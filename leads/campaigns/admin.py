"""Campaigns in the admin: the same services as the campaign pages."""

from __future__ import annotations

import copy

from django import forms
from django.contrib import admin

from leadcourt.accounts import roles
from leadcourt.errors import InvalidInput
from leads.admin.actions import admin_run_on_each
from leads.campaigns import services as campaign_services
from leads.models import (
    Campaign,
    CampaignStatus,
)


class CampaignAdminForm(forms.ModelForm):
    """The fields a marketer edits; the status moves only through the actions
    (Go live / End), which run the same services as the campaign pages."""

    class Meta:
        model = Campaign
        fields = campaign_services.CAMPAIGN_FIELDS

    def clean(self):
        # The campaign services' own field rules, so their refusals show next
        # to the fields; save_model then runs the service, which checks again
        # under the row lock.
        cleaned = super().clean()
        if not self.errors:
            proposed = copy.copy(self.instance)
            for name in campaign_services.CAMPAIGN_FIELDS:
                setattr(proposed, name, cleaned.get(name))
            try:
                campaign_services.campaign_fields_check(proposed)
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
        ("Forecast (required to go live)", {"fields": campaign_services.CAMPAIGN_FORECAST_FIELDS}),
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
            return ("status", *campaign_services.CAMPAIGN_FIELDS)  # an ended campaign is a record
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            saved = campaign_services.campaign_update(campaign=obj, actor=request.user, **values)
        else:
            saved = campaign_services.campaign_create(actor=request.user, **values)
        obj.pk, obj.status = saved.pk, saved.status

    # The campaign services write the campaign's history (Django's admin log)
    # themselves; logging here as well would show every change twice.
    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None

    @admin.action(description="Go live (needs the complete forecast)", permissions=["change"])
    def launch(self, request, queryset):
        admin_run_on_each(
            self,
            request,
            queryset,
            lambda item, actor: campaign_services.campaign_launch(campaign=item, actor=actor),
            "Launched",
        )

    @admin.action(description="End the campaign", permissions=["change"])
    def end(self, request, queryset):
        admin_run_on_each(
            self,
            request,
            queryset,
            lambda item, actor: campaign_services.campaign_end(campaign=item, actor=actor),
            "Ended",
        )
