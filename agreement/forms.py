"""The settings of the agreement page and the lead's decision on a disagreement."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.http import QueryDict

from agreement.models import ResolutionDecision
from agreement.services import CONSENSUS_USERNAME, SEEN_CHOICES
from agreement.units import UNIT_CHOICES
from coding.models import Code
from interviews.models import Project, Source
from interviews.params import IdMultipleChoiceField, parse_id


class CoderChoiceField(IdMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name()
        return f"{obj.username} ({name})" if name and obj.username != name else obj.username


class CodeChoiceField(IdMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return getattr(obj, "path", None) or obj.full_path


def project_coders(project: Project):
    """Users with codings in the project, the most active first."""
    return (
        get_user_model()
        .objects.filter(codings__source__project=project)
        .annotate(coding_count=Count("codings"))
        .order_by("-coding_count", "username")
    )


SOURCE_SCOPES = [("all", "All sources"), ("chosen", "Only the sources ticked below")]


class AgreementForm(forms.Form):
    # "All sources" keeps the address short however many sources a project has.
    source_scope = forms.ChoiceField(choices=SOURCE_SCOPES, required=False)
    sources = IdMultipleChoiceField(
        queryset=Source.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    coders = CoderChoiceField(
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="Two or more.",
        error_messages={
            "required": "Choose at least two coders: agreement compares one coder with another."
        },
    )
    codes = CodeChoiceField(
        queryset=Code.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one code."},
    )
    unit = forms.ChoiceField(choices=UNIT_CHOICES, initial="sentence", label="Unit of analysis")
    min_overlap = forms.IntegerField(
        min_value=1,
        max_value=100,
        initial=90,
        label="Minimum segment overlap (%)",
        help_text="For the segment-overlap table: shared characters / characters the two "
        "codings cover together.",
    )
    seen = forms.ChoiceField(
        choices=SEEN_CHOICES, initial="coded", label="Which sources has a coder seen?"
    )

    def __init__(self, data=None, *, project: Project):
        self.project = project
        coders = project_coders(project)
        # The words of interviewees who withdrew consent stay out of agreement as well.
        sources = Source.objects.filter(project=project).exclude(
            pk__in=Source.objects.withdrawn().values("pk")
        )
        # Their titles and ids, not their texts (a long transcript's is megabytes): the
        # measures read the texts' stored lengths and units.
        sources = sources.defer("text").order_by("title", "pk")
        codes = Code.objects.filter(project=project, is_codable=True)
        if data is None or "unit" not in data:
            # First visit: every source, every coder but the consensus, codes someone applied.
            data = {
                "source_scope": "all",
                "sources": [],
                "coders": [c.pk for c in coders if c.username != CONSENSUS_USERNAME],
                "codes": list(
                    codes.filter(codings__source__project=project)
                    .distinct()
                    .values_list("pk", flat=True)
                ),
                "unit": "sentence",
                "min_overlap": 90,
                "seen": "coded",
            }
        super().__init__(data)
        self.fields["sources"].queryset = sources
        self.sources_qs = sources
        self.fields["coders"].queryset = coders
        self.fields["codes"].queryset = codes
        self.code_choices = [
            c for c in Code.objects.filter(project=project).tree_order() if c.is_codable
        ]

    def _selected(self, name: str) -> set[int]:
        raw = self.data.getlist(name) if hasattr(self.data, "getlist") else self.data[name]
        return {parse_id(v) for v in raw if parse_id(v) is not None}

    @property
    def selected_code_ids(self) -> set[int]:
        return self._selected("codes")

    @property
    def source_choices(self) -> list[tuple[int, str, bool]]:
        """(id, title, checked) of every source; rendered by hand, as a project may have many."""
        chosen = self._selected("sources")
        return [
            (pk, title, pk in chosen) for pk, title in self.sources_qs.values_list("pk", "title")
        ]

    def review_queries(self) -> dict[int, str]:
        """Per selected code, the settings with only that code: links to its disagreements."""
        queries = {}
        for pk in self.selected_code_ids:
            query = QueryDict(self.data_query(), mutable=True)
            query.setlist("codes", [str(pk)])
            queries[pk] = query.urlencode()
        return queries

    def data_query(self) -> str:
        """The settings as a query string, for links to the exports and the review."""
        query = QueryDict(mutable=True)
        for name in ("source_scope", "sources", "coders", "codes", "unit", "min_overlap", "seen"):
            if hasattr(self.data, "getlist"):
                values = self.data.getlist(name)
            else:
                value = self.data.get(name)
                values = value if isinstance(value, list) else [value]
            query.setlist(name, [str(v) for v in values if v is not None])
        return query.urlencode()

    def clean_coders(self):
        coders = list(self.cleaned_data["coders"])
        if len(coders) < 2:
            raise forms.ValidationError(
                "Choose at least two coders: agreement compares one coder with another."
            )
        return sorted(coders, key=lambda u: u.username)

    def clean_codes(self):
        chosen = {code.pk for code in self.cleaned_data["codes"]}
        return [code for code in self.code_choices if code.pk in chosen]

    @property
    def scope(self) -> str:
        """“all”, or “chosen” (also when only a list of sources was sent)."""
        scope = self.data.get("source_scope")
        return (
            scope
            if scope in ("all", "chosen")
            else ("chosen" if self.data.get("sources") else "all")
        )

    def clean(self):
        data = super().clean()
        if self.scope == "all":
            data["sources"] = list(self.sources_qs)
        elif not data.get("sources"):
            self.add_error("sources", "Tick at least one source, or choose all sources.")
        else:
            data["sources"] = list(data["sources"])
        return data


class ResolveForm(forms.Form):
    source = forms.IntegerField()
    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=1)
    decision = forms.ChoiceField(choices=ResolutionDecision.choices)
    accepted_coder = forms.IntegerField(required=False)
    consensus_codes = IdMultipleChoiceField(queryset=Code.objects.none(), required=False)
    passage = forms.CharField(required=False, strip=False)

    def __init__(self, data=None, *, project: Project):
        super().__init__(data)
        self.fields["consensus_codes"].queryset = Code.objects.filter(
            project=project, is_codable=True
        )
