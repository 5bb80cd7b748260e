"""De-identification: what identifies a person in the sources, the key, and text revisions.

Once a source is de-identified its `text` is the de-identified text, which every member reads
and codes. What it replaced stays here, admins only: each applied `IdentifyingSpan` holds
the placeholder's position in today's text and the words it stands for, so the identified
text is today's text with those words put back. Each change of a source's text (applying
de-identification, correcting words) is a `SourceRevision` keeping the text before it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from interviews.models import Interviewee, Project, Source


class EntityKind(models.TextChoices):
    PERSON = "PERSON", "Person"
    ORG = "ORG", "Organisation"
    PLACE = "PLACE", "Place"
    EMAIL = "EMAIL", "E-mail address"
    PHONE = "PHONE", "Phone number"
    URL = "URL", "Web address"
    DATE = "DATE", "Date (of birth)"
    ID = "ID", "ID number"
    OTHER = "OTHER", "Other"


class DeidSettings(models.Model):
    """A project's de-identification settings."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="deid_settings")
    required_before_coding = models.BooleanField(
        default=False,
        help_text="A source can be coded only after its de-identification has been applied.",
    )

    class Meta:
        verbose_name = "de-identification settings"
        verbose_name_plural = "de-identification settings"

    def __str__(self) -> str:
        return f"De-identification settings of {self.project}"


class TermAction(models.TextChoices):
    ALWAYS = "always", "Always identifying"
    NEVER = "never", "Never identifying"


class IdentifyingTerm(models.Model):
    """A project's own word or phrase to always (or never) treat as identifying."""

    # No index of its own: the unique (project, text) leads with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="deid_terms", db_index=False
    )
    text = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=EntityKind.choices, default=EntityKind.OTHER)
    action = models.CharField(max_length=6, choices=TermAction.choices, default=TermAction.ALWAYS)

    class Meta:
        ordering = ["project", "action", "text"]
        constraints = [
            models.UniqueConstraint(fields=["project", "text"], name="identifyingterm_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.text} ({self.get_action_display().lower()})"


class IdentifyingEntity(models.Model):
    """One person, organisation, place … of the project, with its one placeholder."""

    # No index of its own: the unique (project, kind, key) leads with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="deid_entities", db_index=False
    )
    kind = models.CharField(max_length=10, choices=EntityKind.choices)
    name = models.CharField(max_length=300, help_text="The form it was first found in.")
    key = models.CharField(max_length=300, help_text="The normalised form that identifies it.")
    number = models.PositiveIntegerField(default=0, help_text="Its number among its kind.")
    placeholder = models.CharField(max_length=100)
    interviewee = models.ForeignKey(
        Interviewee, null=True, blank=True, on_delete=models.CASCADE, related_name="deid_entities"
    )
    written_by_admin = models.BooleanField(default=False)

    class Meta:
        ordering = ["project", "kind", "number"]
        verbose_name_plural = "identifying entities"
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "key"], name="entity_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.placeholder} ({self.get_kind_display()})"


class SpanStatus(models.TextChoices):
    PENDING = "pending", "To review"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    APPLIED = "applied", "Applied"


class SpanOrigin(models.TextChoices):
    MODEL = "model", "Language model"
    PATTERN = "pattern", "Pattern (e-mail, phone …)"
    ROSTER = "roster", "Interviewee records"
    TERM = "term", "Project term"
    ADMIN = "admin", "Marked by an admin"


class IdentifyingSpanQuerySet(models.QuerySet):
    def open(self) -> IdentifyingSpanQuerySet:
        """Spans not yet applied (their positions are in today's text, as found)."""
        return self.exclude(status=SpanStatus.APPLIED)


class IdentifyingSpan(models.Model):
    """A span of a source that identifies someone: found, reviewed, then applied.

    Until applied, [start, end) are the words' positions in today's text. Once applied,
    [start, end) are the placeholder's positions and `text` the words it replaced: together
    with the entity, the key.
    """

    # No index of its own: the (source, status, start) index leads with it.
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="identifying_spans", db_index=False
    )
    entity = models.ForeignKey(
        IdentifyingEntity, null=True, blank=True, on_delete=models.CASCADE, related_name="spans"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.CharField(max_length=500)
    kind = models.CharField(max_length=10, choices=EntityKind.choices)
    origin = models.CharField(max_length=10, choices=SpanOrigin.choices)
    score = models.FloatField(default=1.0)
    status = models.CharField(
        max_length=10, choices=SpanStatus.choices, default=SpanStatus.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IdentifyingSpanQuerySet.as_manager()

    class Meta:
        ordering = ["source", "start", "end"]
        indexes = [models.Index(fields=["source", "status", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=models.F("end")),
                name="identifyingspan_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} [{self.start}, {self.end}) {self.get_status_display()}"


class RevisionKind(models.TextChoices):
    DEIDENTIFY = "deidentify", "De-identification applied"
    CORRECTION = "correction", "Words corrected"


class SourceRevision(models.Model):
    """One change of a source's text: the text before it and the edits that made the next.

    The text before a de-identification is the identified original, so revisions are for
    admins to read; everyone sees that a revision happened and what followed it.
    """

    # No index of its own: the unique (source, number) leads with it.
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="revisions", db_index=False
    )
    number = models.PositiveIntegerField(help_text="1 for the first change of the text.")
    kind = models.CharField(max_length=12, choices=RevisionKind.choices)
    text_before = models.TextField()
    title_before = models.CharField(max_length=300, blank=True)
    edits = models.JSONField(default=list, help_text="[[start, end, new text], …] in the old text.")
    note = models.CharField(max_length=300, blank=True)
    codings_moved = models.PositiveIntegerField(default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "number"]
        constraints = [
            models.UniqueConstraint(fields=["source", "number"], name="sourcerevision_unique"),
        ]

    def __str__(self) -> str:
        return f"Revision {self.number} of {self.source} ({self.get_kind_display()})"
