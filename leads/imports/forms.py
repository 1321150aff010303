"""The upload form of the CSV import; the file itself is checked by the service."""

from __future__ import annotations

from django import forms

from leads.imports.mapping import DEFAULT_PRESET, PRESET_CHOICES


class LeadImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with a header row (comma, semicolon or tab separated).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    preset = forms.ChoiceField(
        label="Columns",
        choices=PRESET_CHOICES,
        initial=DEFAULT_PRESET,
        help_text="Which export the file comes from; 'Detect' recognises the usual CRM headers.",
    )
