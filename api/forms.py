from django import forms

from interviews.models import Project
from interviews.params import IdMultipleChoiceField


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “R scripts”.")
    projects = IdMultipleChoiceField(
        queryset=Project.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for every project you belong to.",
    )
    read_only = forms.BooleanField(
        required=False, label="Read-only (the token may read but change nothing)"
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = Project.objects.for_user(user)
