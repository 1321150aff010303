"""The upload form of the CSV import; the file itself is checked by the service."""

from __future__ import annotations

from django import forms

from leadcourt.errors import ApplicationError
from leadcourt.form_errors import form_add_service_error
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

    @classmethod
    def refused(cls, error: ApplicationError) -> LeadImportForm:
        """The form saying why an upload was refused before its body was
        read (too large): the file's error instead of "required"."""
        form = cls(data={"preset": DEFAULT_PRESET}, files={})
        form.full_clean()
        form.errors.pop("file", None)
        form_add_service_error(form, error)
        return form
