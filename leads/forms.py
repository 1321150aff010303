"""Browser forms of the leads app."""

from __future__ import annotations

from django import forms

from leads.models import LeadState


class LeadListFilterForm(forms.Form):
    """The filter above the all-leads list (GET, so a filtered page can be bookmarked)."""

    state = forms.ChoiceField(choices=[("", "All states"), *LeadState.choices], required=False)
