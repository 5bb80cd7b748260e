"""Forms of coding help: a rule (or code by speaker), training settings, accepting in bulk."""

from __future__ import annotations

from django import forms

from coding.models import Code
from coding.suggestion_models import LabelSource, RuleScope
from coding.suggestion_services import BUILT_IN_ATTRIBUTES
from coding.suggestions import MAX_SEED
from interviews.models import AttributeValue, Interviewee, Project, Segment, SegmentKind, Source
from interviews.params import IdChoiceField, IdMultipleChoiceField

ATTRIBUTE_SEPARATOR = " = "


def speaker_choices(project: Project) -> list[tuple[str, str]]:
    """Pseudonyms, the interviewer, and speaker labels mapped to nobody."""
    pseudonyms = list(
        Interviewee.objects.filter(project=project)
        .order_by("pseudonym")
        .values_list("pseudonym", flat=True)
    )
    labels = sorted(
        set(
            Segment.objects.filter(
                source__project=project,
                kind=SegmentKind.TURN,
                interviewee__isnull=True,
                is_interviewer=False,
            )
            .exclude(speaker="")
            .values_list("speaker", flat=True)
            .distinct()[:200]
        )
    )
    return (
        [(p, p) for p in pseudonyms]
        + [("Interviewer", "Interviewer")]
        + [(label, f"{label} (unmapped label)") for label in labels]
    )


def attribute_choices(project: Project) -> list[tuple[str, str]]:
    """Every value an interviewee of the project has, as “Attribute = value”."""
    people = Interviewee.objects.filter(project=project)
    found: set[tuple[str, str]] = set()
    for name in BUILT_IN_ATTRIBUTES:
        for value in people.exclude(**{name: ""}).values_list(name, flat=True).distinct():
            found.add((name.capitalize(), value))
    for name, value in (
        AttributeValue.objects.filter(attribute__project=project, interviewee__isnull=False)
        .exclude(value="")
        .values_list("attribute__name", "value")
        .distinct()
    ):
        found.add((name, value))
    return [(f"{n}{ATTRIBUTE_SEPARATOR}{v}", f"{n}: {v}") for n, v in sorted(found)]


def bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        select = isinstance(field.widget, forms.Select)
        field.widget.attrs.setdefault("class", "form-select" if select else "form-control")


class RuleForm(forms.Form):
    name = forms.CharField(max_length=200)
    code = IdChoiceField(queryset=Code.objects.none())
    keywords = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One word or phrase a line. English matches every form of a word "
        "(co-production, co-productions); other languages match what you type, in any case.",
    )
    patterns = forms.CharField(
        label="Regular expressions",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=r"One a line, Python syntax, case-insensitive, e.g. \bco-?produc\w*",
    )
    scope = forms.ChoiceField(choices=RuleScope.choices, initial=RuleScope.SENTENCE)
    speakers = forms.MultipleChoiceField(
        required=False,
        help_text="Only what these speakers say. With no words or expressions: every turn "
        "of theirs (code by speaker).",
    )
    attributes = forms.MultipleChoiceField(
        label="Interviewee attribute values",
        required=False,
        help_text="Only what interviewees with these values say (values of one attribute: "
        "any of them; of several attributes: all).",
    )
    sources = IdMultipleChoiceField(
        queryset=Source.objects.none(), required=False, help_text="None chosen: every source."
    )

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The codes read once, in the codebook's order, each shown by its path.
        code = self.fields["code"]
        code.queryset = Code.objects.filter(project=project, is_codable=True)
        code.rows = [c for c in Code.objects.filter(project=project).tree_order() if c.is_codable]
        code.label_from_instance = lambda c: getattr(c, "path", c.name)
        self.fields["speakers"].choices = speaker_choices(project)
        self.fields["attributes"].choices = attribute_choices(project)
        # The titles, not the texts (a long transcript's is megabytes): the choices show a
        # source's title, and a rule keeps its sources' ids.
        self.fields["sources"].queryset = (
            Source.objects.filter(project=project).only("title").order_by("title")
        )
        for name in ("speakers", "attributes", "sources"):
            self.fields[name].widget.attrs["size"] = 6
        bootstrap(self)

    def rule_fields(self) -> dict:
        data = self.cleaned_data
        values: dict[str, list[str]] = {}
        for item in data["attributes"]:
            name, _, value = item.partition(ATTRIBUTE_SEPARATOR)
            values.setdefault(name, []).append(value)
        return {
            "name": data["name"].strip(),
            "code": data["code"],
            "keywords": data["keywords"],
            "patterns": data["patterns"],
            "scope": data["scope"],
            "speakers": data["speakers"],
            "attribute_values": values,
            "sources": list(data["sources"]),
        }

    @staticmethod
    def initial_of(rule) -> dict:
        return {
            "name": rule.name,
            "code": rule.code_id,
            "keywords": rule.keywords,
            "patterns": rule.patterns,
            "scope": rule.scope,
            "speakers": rule.speakers,
            "attributes": [
                f"{n}{ATTRIBUTE_SEPARATOR}{v}"
                for n, vs in rule.attribute_values.items()
                for v in vs
            ],
            "sources": list(rule.sources.values_list("pk", flat=True)),
        }


class TrainForm(forms.Form):
    label_source = forms.ChoiceField(
        label="Learn from", choices=LabelSource.choices, initial=LabelSource.CONSENSUS
    )
    min_f1 = forms.FloatField(
        label="Least F1 to suggest a code", min_value=0, max_value=1, initial=0.5
    )
    min_examples = forms.IntegerField(
        label="Least training examples to suggest a code", min_value=1, initial=10
    )
    seed = forms.IntegerField(
        label="Seed (held-out split and training)", min_value=0, max_value=MAX_SEED, initial=0
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
        for field in self.fields.values():
            field.widget.attrs["class"] += (
                " form-control-sm"
                if "control" in field.widget.attrs["class"]
                else " form-select-sm"
            )


class ThresholdForm(forms.Form):
    min_f1 = forms.FloatField(label="Least F1", min_value=0, max_value=1)
    min_examples = forms.IntegerField(label="Least examples", min_value=1)


class AcceptAllForm(forms.Form):
    source = IdChoiceField(queryset=Source.objects.none())
    min_score = forms.FloatField(min_value=0, max_value=1, initial=0.8)
    code = IdChoiceField(queryset=Code.objects.none(), required=False)

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = Source.objects.filter(project=project).only("title")
        self.fields["code"].queryset = Code.objects.filter(project=project)
