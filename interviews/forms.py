from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from interviews.builtin_fields import refuse_builtin_name
from interviews.limits import LimitExceeded, check_batch, speakers_shown
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
from interviews.params import IdMultipleChoiceField


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

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        renamed = name.casefold() != (self.instance.name or "").casefold()
        if renamed:
            refuse_builtin_name(name)  # a new name only: an old duplicate can be merged
        # `project` is not a field of the form, so Django leaves the project's unique names
        # to the database; a new name is also refused when it differs only in case.
        others = self.instance.project.attributes.exclude(pk=self.instance.pk)
        for other in others.values_list("name", flat=True):
            if other == name or (renamed and other.casefold() == name.casefold()):
                raise ValidationError(
                    f"There is already an attribute called “{other}”.",
                    code="conflict",
                )
        return name


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
        self.fields["interviewees"] = IdMultipleChoiceField(
            queryset=project.interviewees.all(), required=False
        )
        current = {}
        if self.instance.pk:
            current = dict(self.instance.attribute_values.values_list("attribute_id", "value"))
        self.add_attribute_fields(project, current)

    def clean(self):
        cleaned = super().clean()
        self.attribute_values = self.clean_attribute_values()
        return cleaned


# Import -------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in files if f is not None]


def _language_choices() -> list[tuple[str, str]]:
    from interviews.nlp import LANGUAGES

    return [("", "Detect automatically"), *LANGUAGES.items()]


class SourceImportForm(forms.Form):
    """Files (or a zip of them), or pasted text; with options for the whole batch."""

    files = MultipleFileField(
        required=False,
        allow_empty_file=True,
        help_text="One or several files, or a .zip: .txt .md .html .docx .odt .pdf .vtt .srt",
    )
    text = forms.CharField(
        required=False,
        label="…or paste a transcript",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    title = forms.CharField(required=False, max_length=300, help_text="For pasted text.")
    language = forms.ChoiceField(choices=_language_choices, required=False)
    kind = forms.ChoiceField(
        choices=Source._meta.get_field("kind").choices, initial="interview", required=False
    )
    interviewer = forms.CharField(required=False, max_length=200)
    interviewees_csv = forms.FileField(
        required=False,
        allow_empty_file=True,
        label="Interviewees (CSV)",
        help_text="Columns: pseudonym, then organisation, country, … and one column per "
        "attribute; an optional “file” column links a row to its transcript.",
    )

    def __init__(self, *args, can_add_interviewees: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_add_interviewees = can_add_interviewees
        if not can_add_interviewees:
            del self.fields["interviewees_csv"]

    def clean(self):
        from django.conf import settings

        cleaned = super().clean()
        cleaned["kind"] = cleaned.get("kind") or "interview"
        files = cleaned.get("files") or []
        if not files and not (cleaned.get("text") or "").strip():
            raise ValidationError("Choose one or more files, or paste a transcript.")
        if files and (cleaned.get("text") or "").strip():
            raise ValidationError("Import files or pasted text, not both at once.")
        limit = settings.PARLEY_MAX_UPLOAD_BYTES
        for upload in [*files, cleaned.get("interviewees_csv")]:
            if upload is not None and upload.size > limit:
                raise ValidationError(
                    f"“{upload.name}” is {upload.size / 1048576:.1f} MB, over the "
                    f"{limit / 1048576:.0f} MB upload limit. Nothing was imported."
                )
        try:
            check_batch([upload.size for upload in files])
        except LimitExceeded as error:
            raise ValidationError(f"{error} Nothing was imported.") from None
        return cleaned


# A speaker's choice, drawn as the page's other selects are.
_SPEAKER = forms.Select(attrs={"class": "form-select form-select-sm speaker-choice"})


class SpeakerMapForm(forms.Form):
    """One choice per detected speaker: an interviewee, the interviewer, or nobody yet."""

    INTERVIEWER = "interviewer"
    LINKED = "linked"

    def __init__(
        self,
        *args,
        speakers: list[str],
        project: Project,
        initial_map=None,
        linked: bool = False,
        **kwargs,
    ):
        """`linked` offers, for a batch, “each file's own interviewee” (by name or CSV).

        Past the limit on speakers shown (PARLEY_MAX_SPEAKERS_SHOWN), the remaining labels
        are one row, “N other labels”, mapped together: a text with thousands of distinct
        `Name:` labels still makes a page of a few dozen fields."""
        super().__init__(*args, **kwargs)
        shown = speakers_shown()
        self.speakers = speakers[:shown]
        self.others = speakers[shown:]
        self.interviewees = {str(i.pk): i for i in project.interviewees.all()}
        choices = [("", "— not mapped —"), (self.INTERVIEWER, "The interviewer")]
        if linked:
            choices.append((self.LINKED, "Each file's own interviewee (by file name or CSV)"))
        choices += [(pk, f"Interviewee {i.pseudonym}") for pk, i in self.interviewees.items()]
        initial_map = initial_map or {}
        for index, speaker in enumerate(speakers):
            target = initial_map.get(speaker)
            if isinstance(target, Interviewee):
                initial = str(target.pk)
            elif target in (self.INTERVIEWER, self.LINKED) and (linked or target != self.LINKED):
                initial = target
            else:
                initial = ""
            self.fields[f"speaker_{index}"] = forms.ChoiceField(
                label=speaker, choices=choices, required=False, initial=initial, widget=_SPEAKER
            )
        if self.others:
            self.fields["speaker_others"] = forms.ChoiceField(
                label=f"{len(self.others):,} other labels",
                choices=choices,
                required=False,
                widget=_SPEAKER,
            )

    @property
    def others_field(self):
        """The one choice for every label past those shown, or None."""
        return self["speaker_others"] if self.others else None

    @property
    def others_examples(self) -> str:
        return ", ".join(self.others[:5]) + (" …" if len(self.others) > 5 else "")

    def rows(self):
        return [(speaker, self[f"speaker_{i}"]) for i, speaker in enumerate(self.speakers)]

    def speaker_map(self) -> dict[str, Interviewee | str | None]:
        result = {}
        for index, speaker in enumerate(self.speakers):
            value = self.cleaned_data.get(f"speaker_{index}", "")
            result[speaker] = self._target(value)
        if self.others:
            target = self._target(self.cleaned_data.get("speaker_others", ""))
            result.update(dict.fromkeys(self.others, target))
        return result

    def _target(self, value: str):
        return value if value in (self.INTERVIEWER, self.LINKED) else self.interviewees.get(value)


class ImportReviewForm(forms.Form):
    title = forms.CharField(max_length=300)
    language = forms.ChoiceField(choices=_language_choices()[1:])
    kind = forms.ChoiceField(choices=Source._meta.get_field("kind").choices)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    interviewer = forms.CharField(required=False, max_length=200)
    interviewees = IdMultipleChoiceField(queryset=Interviewee.objects.none(), required=False)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["interviewees"]
        field.queryset = project.interviewees.all()
        # The rows the review page has read for its other uses (prefetched), not again.
        field.rows = list(project.interviewees.all())
