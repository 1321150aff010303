"""Browser forms of the leads app.

The forms only parse what a person typed (types, lengths, choices); every
rule about leads (which reason needs a note, how many touches, amounts) is
checked by ``leads.services`` and its refusal is put back on the form with
``form_add_service_error``.

List pages render one form per row, so nothing here queries the database:
the choices (reason codes, reps, campaigns) are loaded once per request by
the view and passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from leads.models import LeadState, TouchChannel, TouchOutcome
from leads.services import NOTE_MAX_LENGTH

# Notes are read by people (the marketer, the judges): a few paragraphs at most.
SEARCH_MAX_LENGTH = 100


@dataclass(frozen=True)
class ReasonChoices:
    """The active reason codes, loaded once per request for every form on the page."""

    choices: tuple[tuple[str, str], ...]
    requiring_note: frozenset[str]

    @classmethod
    def from_codes(cls, codes) -> ReasonChoices:
        codes = list(codes)
        return cls(
            choices=(("", "Choose a reason…"), *((c.code, c.label) for c in codes)),
            requiring_note=frozenset(c.code for c in codes if c.requires_note),
        )


class ListSelect(forms.Select):
    """A ``Select`` that writes its options in Python rather than through
    Django's template per option: the filters above a list offer every rep
    and every campaign, and rendering a hundred option templates cost more
    than the rest of the filter form. The HTML is exactly Django's
    (``django/forms/widgets/select.html``; a test compares); option groups go
    through the templates as usual."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        if any(group_name for group_name, _choices, _index in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)
        options = "".join(
            format_html(
                # select_option.html ends with a newline, hence the one after each option.
                '\n  <option value="{}"{}>{}</option>\n',
                str(option["value"]),
                _attrs_html(option["attrs"]),
                option["label"],
            )
            for _group, choices, _index in widget["optgroups"]
            for option in choices
        )
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            widget["name"],
            _attrs_html(widget["attrs"]),
            # Each option came out of format_html, escaped; joined they stay safe.
            mark_safe(options),  # noqa: S308
        )


def _attrs_html(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html``: `` name="value"``, a bare name for
    True, nothing for False."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(' {}="{}"', name, str(value)) if value is not True else format_html(" {}", name),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class ReasonSelect(forms.Select):
    """A reason picker that marks the reasons needing a note, so the page can
    say so before the rep submits (leadcourt.js); the service still decides."""

    def __init__(self, *args, requiring_note=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.requiring_note = requiring_note

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.requiring_note:
            option["attrs"]["data-requires-note"] = "true"
        return option


class LeadActionForm(forms.Form):
    """An action on one lead. Field names stay plain (``reason``, ``note``) so
    the API-like POST is readable; the ids carry the action and the lead so a
    list page can hold one form per row with unique label targets."""

    action = "action"

    def __init__(self, *args, lead_id: int, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.action}_{lead_id}_%s")
        super().__init__(*args, **kwargs)
        self.lead_id = lead_id


class ReasonForm(LeadActionForm):
    """A reason code and a note: reject, return after follow-up, close lost."""

    reason = forms.ChoiceField(label="Reason")
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, reasons: ReasonChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.reasons = reasons
        field = self.fields["reason"]
        field.choices = reasons.choices
        field.widget = ReasonSelect(
            choices=reasons.choices,
            requiring_note=reasons.requiring_note,
            attrs={"data-note-target": self.auto_id % "note"},
        )

    @property
    def note_required(self) -> bool:
        """Whether the chosen reason needs a note (to mark the field on redisplay)."""
        return self.data.get("reason") in self.reasons.requiring_note if self.is_bound else False


class RejectForm(ReasonForm):
    action = "reject"


class ReturnAfterFollowupForm(ReasonForm):
    action = "return"


class CloseLostForm(ReasonForm):
    action = "close_lost"


class TouchForm(LeadActionForm):
    action = "touch"

    channel = forms.ChoiceField(label="Channel", choices=[("", "Channel…"), *TouchChannel.choices])
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Outcome…"), *TouchOutcome.choices])
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    occurred_at = forms.DateTimeField(
        label="When",
        required=False,
        help_text="Leave empty for now.",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class CloseWonForm(LeadActionForm):
    action = "close_won"

    # Text, not DecimalField: the service owns what a valid amount is
    # (positive, two decimals, below 10^12) and says so in its own words.
    amount = forms.CharField(
        label="Amount won",
        max_length=32,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "e.g. 12500.00"}
        ),
    )


class ReassignForm(LeadActionForm):
    action = "reassign"

    rep = forms.TypedChoiceField(label="New rep", coerce=int, empty_value=None)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, reps: tuple[tuple[int, str], ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rep"].choices = [("", "Choose a rep…"), *reps]


class LeadListFilterForm(forms.Form):
    """The filters above the all-leads list (GET, so a filtered page can be bookmarked).

    Choices come from the view (loaded once); an unknown value is a form
    error shown next to its filter, never a crash.
    """

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, company, email, external id"}),
    )
    state = forms.ChoiceField(
        label="State", choices=[("", "All states"), *LeadState.choices], required=False, widget=ListSelect
    )
    rep = forms.TypedChoiceField(label="Rep", coerce=int, empty_value=None, required=False, widget=ListSelect)
    campaign = forms.TypedChoiceField(
        label="Campaign", coerce=int, empty_value=None, required=False, widget=ListSelect
    )
    source = forms.CharField(label="Source", required=False, max_length=100)

    def __init__(self, *args, reps=(), campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rep"].choices = [("", "All reps"), *reps]
        self.fields["campaign"].choices = [("", "All campaigns"), *campaigns]

    def filters(self) -> dict:
        """The valid filters only: an invalid one is dropped (and shown as an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        return {name: data[name] for name in self.fields if name not in self.errors and data.get(name)}
