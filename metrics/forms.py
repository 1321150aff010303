"""The dashboards' filter bar: period kind, date range, breakdown."""

from __future__ import annotations

from django import forms

from metrics.dashboard import DIMENSION_LABELS
from metrics.models import PeriodKind


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(choices=PeriodKind.choices, required=False, label="Period")
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    dimension = forms.ChoiceField(
        choices=list(DIMENSION_LABELS.items()), required=False, label="Break down by"
    )
