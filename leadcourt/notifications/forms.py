from django import forms


class PreferencesForm(forms.Form):
    enabled = forms.MultipleChoiceField(
        label="Send me these emails",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enabled"].choices = [(kind.value, kind.label) for kind in kinds]
