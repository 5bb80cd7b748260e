from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from interviews.models import (
    Attribute,
    AttributeTarget,
    AttributeType,
    Interviewee,
    Membership,
    Project,
    Role,
    Source,
)


class CrispyMixin:
    submit_label = "Save"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


class ProjectForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "description", "blinded_coding"]


class MemberAddForm(CrispyMixin, forms.Form):
    submit_label = "Add member"
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CODER)

    def __init__(self, *args, project: Project, **kwargs):
        self.project = project
        super().__init__(*args, **kwargs)

    def clean_username(self) -> object:
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username__iexact=username).first()
        if user is None:
            raise ValidationError(f"There is no user called “{username}”.")
        if Membership.objects.filter(project=self.project, user=user).exists():
            raise ValidationError(f"{user.username} is already a member of this project.")
        return user


class MembershipRoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]


class AttributeForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Attribute
        fields = ["name", "type", "applies_to", "choices", "description", "order"]
        widgets = {
            "choices": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project


def _attribute_field(attribute: Attribute) -> forms.Field:
    common = {"label": attribute.name, "required": False, "help_text": attribute.description}
    if attribute.type == AttributeType.CHOICE:
        choices = [("", "—")] + [(c, c) for c in attribute.choice_list]
        return forms.ChoiceField(choices=choices, **common)
    if attribute.type == AttributeType.BOOLEAN:
        return forms.ChoiceField(choices=[("", "—"), ("true", "Yes"), ("false", "No")], **common)
    if attribute.type == AttributeType.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    return forms.CharField(max_length=500, **common)


class AttributeValuesMixin:
    """Adds one field per project attribute of the given target and validates by type."""

    attribute_target = AttributeTarget.INTERVIEWEE

    def add_attribute_fields(self, project: Project, current: dict[int, str]) -> None:
        self.attributes = list(project.attributes.filter(applies_to=self.attribute_target))
        for attribute in self.attributes:
            name = f"attr_{attribute.pk}"
            self.fields[name] = _attribute_field(attribute)
            self.initial.setdefault(name, current.get(attribute.pk, ""))

    def clean_attribute_values(self) -> dict[Attribute, str]:
        values: dict[Attribute, str] = {}
        for attribute in self.attributes:
            name = f"attr_{attribute.pk}"
            try:
                values[attribute] = attribute.normalise(self.cleaned_data.get(name))
            except ValidationError as exc:
                self.add_error(name, exc)
        return values


class IntervieweeForm(CrispyMixin, AttributeValuesMixin, forms.ModelForm):
    class Meta:
        model = Interviewee
        fields = [
            "pseudonym",
            "real_name",
            "contact",
            "organisation",
            "sector",
            "country",
            "role",
            "consent_status",
            "consent_date",
            "consent_scope",
            "notes",
        ]
        widgets = {
            "contact": forms.Textarea(attrs={"rows": 2}),
            "consent_scope": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "consent_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        current = {}
        if self.instance.pk:
            current = dict(self.instance.attribute_values.values_list("attribute_id", "value"))
        self.add_attribute_fields(project, current)

    def clean_pseudonym(self) -> str:
        pseudonym = self.cleaned_data["pseudonym"].strip()
        taken = Interviewee.objects.filter(
            project=self.instance.project, pseudonym__iexact=pseudonym
        )
        if taken.exclude(pk=self.instance.pk).exists():
            raise ValidationError(f"Another interviewee of this project is called {pseudonym}.")
        return pseudonym

    def clean(self):
        cleaned = super().clean()
        self.attribute_values = self.clean_attribute_values()
        return cleaned


class SourceForm(CrispyMixin, AttributeValuesMixin, forms.ModelForm):
    """Metadata of a source; the text itself comes from an import."""

    attribute_target = AttributeTarget.SOURCE

    class Meta:
        model = Source
        fields = ["title", "kind", "language", "date", "interviewer", "interviewees"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        self.fields["interviewees"].queryset = project.interviewees.all()
        self.fields["interviewees"].required = False
        current = {}
        if self.instance.pk:
            current = dict(self.instance.attribute_values.values_list("attribute_id", "value"))
        self.add_attribute_fields(project, current)

    def clean(self):
        cleaned = super().clean()
        self.attribute_values = self.clean_attribute_values()
        return cleaned
