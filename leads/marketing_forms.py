"""Browser forms of the marketer's pages: the lead list filters, a new lead,
the marketing transitions, and campaigns.

Forms only parse and bound the input (types, lengths, ranges); the rules
live in ``leads.services``, whose refusals the views show on these forms.
"""

from __future__ import annotations

from django import forms

from leadcourt.text import text_is_blank
from leads.criteria import Criterion
from leads.forms import ListSelect
from leads.models import Campaign, CampaignStatus, Lead, LeadState, Segment

# PositiveIntegerField's range on every database Django supports.
MAX_COUNT = 2_147_483_647
# Free-text reasons and notes: generous, but bounded.
MAX_REASON_LENGTH = 2_000


def _lead_max_length(name: str) -> int:
    return Lead._meta.get_field(name).max_length


class CampaignChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Campaign) -> str:
        return f"{obj.name} ({obj.get_status_display().lower()})"


# --- the lead list -------------------------------------------------------------------------


class MarketerLeadFilterForm(forms.Form):
    """The GET filters above "My leads". A value that does not parse is
    dropped (and said so), never an error page: filters are bookmarks."""

    scope = forms.ChoiceField(
        choices=[("mine", "My leads"), ("all", "All leads")], required=False, initial="mine"
    )
    state = forms.ChoiceField(choices=[("", "All states"), *LeadState.choices], required=False)
    campaign = CampaignChoiceField(
        queryset=Campaign.objects.order_by("name"),
        required=False,
        empty_label="Any campaign",
        widget=ListSelect,
    )
    source = forms.CharField(max_length=_lead_max_length("source"), required=False)
    grade = forms.ChoiceField(choices=[("", "Any grade"), ("A", "Grade A"), ("B", "Grade B")], required=False)
    min_criteria = forms.TypedChoiceField(
        label="Criteria met",
        choices=[("", "Any number"), *((str(n), f"at least {n}") for n in range(1, 11))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    q = forms.CharField(label="Search", max_length=200, required=False)

    def filters(self) -> tuple[dict, list[str]]:
        """The valid filter values, and the names of the ones that were dropped."""
        self.is_valid()
        dropped = sorted(self.errors)
        values = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return values, dropped


# --- a new lead -------------------------------------------------------------------------------


class LeadCreateForm(forms.Form):
    first_name = forms.CharField(max_length=_lead_max_length("first_name"), required=False)
    last_name = forms.CharField(max_length=_lead_max_length("last_name"), required=False)
    email = forms.EmailField(max_length=_lead_max_length("email"), required=False)
    phone = forms.CharField(max_length=_lead_max_length("phone"), required=False)
    company = forms.CharField(max_length=_lead_max_length("company"), required=False)
    title = forms.CharField(label="Job title", max_length=_lead_max_length("title"), required=False)
    country = forms.CharField(max_length=_lead_max_length("country"), required=False)
    source = forms.CharField(
        max_length=_lead_max_length("source"),
        required=False,
        help_text="Where the lead came from, e.g. Webinar, Paid search.",
    )
    external_id = forms.CharField(
        label="External id",
        max_length=_lead_max_length("external_id"),
        required=False,
        help_text="The lead's id in another system; a second lead with the same id is not created.",
    )
    campaign = CampaignChoiceField(
        queryset=Campaign.objects.exclude(status=CampaignStatus.ENDED).order_by("name"),
        required=False,
        empty_label="No campaign",
    )
    segment = forms.ModelChoiceField(
        queryset=Segment.objects.order_by("name"),
        required=False,
        empty_label="No segment",
        help_text="A segment with an owner routes its leads to that rep.",
    )
    criteria = forms.MultipleChoiceField(
        label="Qualification criteria met",
        choices=Criterion.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    TEXT_FIELDS = ("first_name", "last_name", "email", "phone", "company", "title", "country", "source")

    def clean(self):
        cleaned = super().clean()
        # A lead nobody can contact or recognise is not a lead.
        if all(text_is_blank(cleaned.get(name)) for name in ("first_name", "last_name", "email", "company")):
            raise forms.ValidationError("Give at least a name, an email or a company.")
        return cleaned


# --- the marketing transitions ------------------------------------------------------------------


class QualifyForm(forms.Form):
    """Qualify or recycle; the criteria are replaced only when the form shows
    them (``set_criteria``), so a bare "Qualify" button keeps the lead's own."""

    set_criteria = forms.BooleanField(required=False, widget=forms.HiddenInput)
    criteria = forms.MultipleChoiceField(
        label="Qualification criteria met",
        choices=Criterion.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def criteria_or_none(self) -> list[str] | None:
        return self.cleaned_data["criteria"] if self.cleaned_data.get("set_criteria") else None


class DisqualifyForm(forms.Form):
    reason = forms.CharField(
        label="Why is this lead disqualified?",
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- campaigns --------------------------------------------------------------------------------
