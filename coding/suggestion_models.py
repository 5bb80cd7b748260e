"""Coding help: auto-coding rules, the classifiers learned from a team's codings, and the
suggestions both propose until a person accepts or rejects them.

A suggestion is never a coding: reports, agreement and exports read `Coding` rows only, so a
suggestion counts nowhere until someone accepts it (which creates an ordinary coding).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q

from interviews.models import Project, Source


class RuleScope(models.TextChoices):
    MATCH = "match", "The matched words"
    SENTENCE = "sentence", "Its sentence"
    TURN = "turn", "Its speaker turn"
    PARAGRAPH = "paragraph", "Its paragraph"


class AutocodeRule(models.Model):
    """Keywords, phrases and regular expressions that propose a code, optionally only in
    what chosen speakers say, in what interviewees with chosen attribute values say, or in
    chosen sources. A rule without words or patterns proposes every turn it is restricted
    to (code by speaker)."""

    # No index of its own: the unique (project, name) leads with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="autocode_rules", db_index=False
    )
    code = models.ForeignKey("coding.Code", on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(max_length=200)
    keywords = models.TextField(
        blank=True, help_text="Words and phrases, one a line; matched on their dictionary form."
    )
    patterns = models.TextField(
        blank=True, help_text="Regular expressions (Python syntax), one a line; case-insensitive."
    )
    scope = models.CharField(max_length=10, choices=RuleScope.choices, default=RuleScope.SENTENCE)
    speakers = models.JSONField(
        default=list, blank=True, help_text="Pseudonyms, 'Interviewer' or speaker labels."
    )
    attribute_values = models.JSONField(
        default=dict,
        blank=True,
        help_text="{attribute name: [values]} of the speaking interviewee.",
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="autocode_rule_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        return [line.strip() for line in self.keywords.splitlines() if line.strip()]

    @property
    def pattern_list(self) -> list[str]:
        return [line.strip() for line in self.patterns.splitlines() if line.strip()]

    @property
    def is_speaker_rule(self) -> bool:
        return not self.keyword_list and not self.pattern_list

    @property
    def origin_label(self) -> str:
        return f"rule “{self.name}”"

    def clean(self) -> None:
        from coding.autocode import pattern_errors

        errors = pattern_errors(self.pattern_list)
        if errors:
            raise ValidationError({"patterns": errors})
        if self.is_speaker_rule and not (self.speakers or self.attribute_values):
            raise ValidationError(
                "Give keywords, a regular expression, or the speakers or attribute values "
                "whose turns are to be coded."
            )
        if self.code_id and self.code.project_id != self.project_id:
            raise ValidationError({"code": "The code belongs to another project."})
        if self.code_id and not self.code.is_codable:
            raise ValidationError({"code": f"“{self.code.name}” is a grouping code."})


class LabelSource(models.TextChoices):
    CONSENSUS = (
        "consensus",
        "The consensus coder's codings where a source has them, else every coder's",
    )
    ALL = "all", "Every coder's codings"


class ModelStatus(models.TextChoices):
    TRAINING = "training", "Training"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class SuggestionModelQuerySet(models.QuerySet):
    def current(self, project: Project) -> SuggestionModel | None:
        """The project's newest ready classifier, the one whose suggestions are shown."""
        return self.filter(project=project, status=ModelStatus.READY).order_by("-version").first()


class SuggestionModel(models.Model):
    """A text classifier trained on a project's codings (sentence units), with its
    evaluation on held-out sources. Its suggestions are shown only for the codes whose
    figures pass the lead's threshold."""

    # No index of its own: the unique (project, version) leads with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="suggestion_models", db_index=False
    )
    version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=ModelStatus.choices, default=ModelStatus.TRAINING
    )
    label_source = models.CharField(
        max_length=10, choices=LabelSource.choices, default=LabelSource.CONSENSUS
    )
    seed = models.PositiveIntegerField(default=0)
    min_f1 = models.FloatField(default=0.5, help_text="Codes below this F1 are never suggested.")
    min_examples = models.PositiveIntegerField(
        default=10, help_text="Codes with fewer training examples are never suggested."
    )
    metrics = models.JSONField(
        default=dict, blank=True, help_text="{code id: {precision, recall, f1, examples, …}}"
    )
    summary = models.JSONField(default=dict, blank=True)
    trained_on = models.JSONField(default=list, blank=True, help_text="Ids of the coders.")
    data = models.BinaryField(null=True, blank=True, editable=False)
    seconds = models.FloatField(null=True, blank=True, help_text="Training time.")
    error = models.TextField(blank=True)
    job = models.ForeignKey(
        "interviews.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SuggestionModelQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "version"], name="suggestion_model_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"model v{self.version}"

    @property
    def origin_label(self) -> str:
        return f"model v{self.version}"

    def code_passes(self, code_id: int) -> bool:
        figures = self.metrics.get(str(code_id))
        if not figures:
            return False
        return figures["examples"] >= self.min_examples and (figures["f1"] or 0) >= self.min_f1

    def suggested_code_ids(self) -> list[int]:
        return [int(code_id) for code_id in self.metrics if self.code_passes(int(code_id))]


class SuggestionOrigin(models.TextChoices):
    RULE = "rule", "Rule"
    MODEL = "model", "Model"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class SuggestionQuerySet(models.QuerySet):
    def visible_to(self, access) -> SuggestionQuerySet:
        """The pending suggestions a member may review: those of rules, and those of the
        current classifier for the codes it passed on; under blinded coding a coder sees no
        suggestion learned from another coder's codings. Passages the member has already
        coded with the same code, and the words of interviewees who withdrew consent, are
        left out."""
        from coding.models import Coding

        project = access.project
        model = SuggestionModel.objects.current(project)
        learned = Q(origin=SuggestionOrigin.MODEL)
        if model is not None:
            shown_model = Q(model=model, code_id__in=model.suggested_code_ids())
            others = set(model.trained_on) - {access.user.pk}
            if others and not access.sees_all_codings:
                shown_model = Q(pk__in=[])
        else:
            shown_model = Q(pk__in=[])
        coded = Coding.objects.filter(
            source=OuterRef("source"),
            code=OuterRef("code"),
            start=OuterRef("start"),
            end=OuterRef("end"),
            coder=access.user,
        )
        return (
            self.filter(project=project, status=SuggestionStatus.PENDING)
            .filter(~learned | shown_model)
            .exclude(Exists(coded))
            .filter(source__in=Source.objects.visible_to(access, analysis=True))
        )


class Suggestion(models.Model):
    """A proposed coding of a span with a code, from a rule or a classifier.

    One row per span and code: a re-run finds it again instead of adding another, and a
    rejected one stays rejected, so it is never proposed again for that span and code.
    """

    # No index of its own: the (project, status, code) index leads with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="suggestions", db_index=False
    )
    # No index of its own: the unique span (source, code, start, end) and the (source, status) index leads with it.
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="suggestions", db_index=False
    )
    code = models.ForeignKey("coding.Code", on_delete=models.CASCADE, related_name="suggestions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    origin = models.CharField(max_length=10, choices=SuggestionOrigin.choices)
    rule = models.ForeignKey(
        AutocodeRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestions"
    )
    model = models.ForeignKey(
        SuggestionModel,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggestions",
    )
    origin_label = models.CharField(max_length=250)
    score = models.FloatField(default=1.0)
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    coding = models.ForeignKey(
        "coding.Coding",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggestions",
        help_text="The coding its acceptance created.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["source", "start", "end", "pk"]
        indexes = [
            models.Index(fields=["project", "status", "code"]),
            models.Index(fields=["source", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "code", "start", "end"], name="suggestion_unique_span"
            ),
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=models.F("end")),
                name="suggestion_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code_id} [{self.start}, {self.end}) by {self.origin_label}"
