from django import forms

from adjudication.models import DECISIONS_BY_KIND, Case, Decision, Finding
from adjudication.services import STATEMENT_MAX_LENGTH
from leadcourt.accounts import roles


class VerdictForm(forms.Form):
    decision = forms.ChoiceField(widget=forms.RadioSelect)
    finding = forms.ChoiceField(
        choices=Finding.choices,
        widget=forms.RadioSelect,
        help_text="Where the problem lies — this feeds the dashboards, not blame.",
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Required: the reasons the parties and later judges will read.",
    )
    cause = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why the lead goes back to marketing (required to return an ignored lead).",
    )
    reassign_to = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Keep the current rep",
        help_text="Only when sales must follow up.",
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [
            (value, Decision(value).label) for value in DECISIONS_BY_KIND[case.kind]
        ]
        self.fields["reassign_to"].queryset = roles.active_users_with_role(roles.SALES_REP).order_by(
            "first_name", "username"
        )


class StatementForm(forms.Form):
    text = forms.CharField(
        label="Your statement",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=STATEMENT_MAX_LENGTH,
    )


class AppealForm(forms.Form):
    argument = forms.CharField(
        label="Why sales should not have rejected this lead",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=STATEMENT_MAX_LENGTH,
    )
