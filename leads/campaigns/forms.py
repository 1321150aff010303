"""The campaign forms: create or change one, and filter the list."""

from __future__ import annotations

from django import forms

from leadcourt.accounts import roles
from leads.marketing_forms import MAX_COUNT
from leads.models import Campaign


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=Campaign._meta.get_field("name").max_length)
    source = forms.CharField(
        max_length=Campaign._meta.get_field("source").max_length,
        required=False,
        help_text="The lead source this campaign feeds, e.g. Webinar.",
    )
    marketer = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody yet")
    starts_on = forms.DateField(
        label="Starts on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label="Ends on", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    forecast_leads = forms.IntegerField(
        label="Leads", min_value=0, max_value=MAX_COUNT, required=False, help_text="Leads it will bring in."
    )
    forecast_mqls = forms.IntegerField(
        label="MQLs",
        min_value=0,
        max_value=MAX_COUNT,
        required=False,
        help_text="Of those, leads qualified and delivered to sales.",
    )
    forecast_revenue = forms.DecimalField(
        label="Revenue",
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text="Won revenue.",
    )
    budget = forms.DecimalField(label="Budget", min_value=0, max_digits=14, decimal_places=2, required=False)

    FORECAST_FIELDS = ("forecast_leads", "forecast_mqls", "forecast_revenue", "budget")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["marketer"].queryset = roles.active_users_with_role(roles.MARKETER).order_by(
            "first_name", "username"
        )

    @classmethod
    def initial_from(cls, campaign: Campaign) -> dict:
        return {
            "name": campaign.name,
            "source": campaign.source,
            "marketer": campaign.marketer_id,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "forecast_leads": campaign.forecast_leads,
            "forecast_mqls": campaign.forecast_mqls,
            "forecast_revenue": campaign.forecast_revenue,
            "budget": campaign.budget,
        }


class CampaignFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "All"), ("live", "Live"), ("draft", "Draft"), ("ended", "Ended")], required=False
    )
