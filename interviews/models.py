"""Projects, their members, interviewees, attributes and sources.

Names follow REFI-QDA where it has one: an Interviewee is a Case, an Attribute is a
Variable, a Source is a TextSource. Every object REFI-QDA exchanges carries a `guid`.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from interviews.reversing import reverse


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    LEAD = "lead", "Lead researcher"
    CODER = "coder", "Research assistant (coder)"
    VIEWER = "viewer", "Viewer"


class ProjectQuerySet(models.QuerySet):
    def for_user(self, user) -> ProjectQuerySet:
        """Projects the user may open: their memberships (every project for a superuser)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__user=user).distinct()


class Project(models.Model):
    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    blinded_coding = models.BooleanField(
        default=False,
        help_text="Coders see only their own codings (for agreement studies). "
        "Leads and admins always see everyone's.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("interviews:project_detail", args=[self.pk])

    def role_of(self, user) -> str | None:
        """The user's role here; superusers act as admins of every project."""
        if not user.is_authenticated:
            return None
        if user.is_superuser:
            return Role.ADMIN
        membership = self.memberships.filter(user=user).only("role").first()
        return membership.role if membership else None


class Membership(models.Model):
    # No index of its own: the unique (project, user) leads with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CODER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_unique_user"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.project}"


class ConsentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    GIVEN = "given", "Given"
    WITHDRAWN = "withdrawn", "Withdrawn"


def consent_form_path(instance: Interviewee, filename: str) -> str:
    # A random name: the uploaded file's own name may well name the person.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"consent/{instance.project_id}/{uuid.uuid4()}.{suffix}"


# Sent after an interviewee's consent becomes Withdrawn, or stops being so:
# sender=Interviewee, interviewee, withdrawn (bool). Apps above this one make what they
# derived from the person's words follow (coding help's classifiers, in `coding`).
consent_changed = Signal()


class IntervieweeQuerySet(models.QuerySet):
    def reportable(self) -> IntervieweeQuerySet:
        """Interviewees whose words may appear in reports (consent not withdrawn)."""
        return self.exclude(consent_status=ConsentStatus.WITHDRAWN)


class Interviewee(models.Model):
    """A person interviewed [REFI-QDA Case]. Coders only ever see the pseudonym."""

    IDENTITY_FIELDS = ("real_name", "contact")

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: the unique (project, pseudonym) leads with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="interviewees", db_index=False
    )
    pseudonym = models.CharField(max_length=50, help_text="Shown to coders, e.g. BY-03.")
    real_name = models.CharField(max_length=200, blank=True)
    contact = models.TextField(blank=True, help_text="E-mail, phone, address.")
    organisation = models.CharField(max_length=200, blank=True)
    sector = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=200, blank=True, help_text="Their job or position.")
    consent_status = models.CharField(
        max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.PENDING
    )
    consent_date = models.DateField(null=True, blank=True)
    consent_scope = models.TextField(blank=True, help_text="What the interviewee agreed to.")
    consent_form = models.FileField(
        upload_to=consent_form_path,
        blank=True,
        max_length=300,
        help_text="The signed consent form (PDF or image); admins only.",
    )
    consent_form_name = models.CharField(
        max_length=300, blank=True, help_text="The consent form's file name as uploaded."
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IntervieweeQuerySet.as_manager()

    class Meta:
        ordering = ["project", "pseudonym"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "pseudonym"], name="interviewee_unique_pseudonym"
            ),
        ]

    def __str__(self) -> str:
        return self.pseudonym

    def save(self, *args, **kwargs) -> None:
        """As Model.save; when consent becomes Withdrawn or stops being so, `consent_changed`
        is sent, whichever path saved it (the form, a CSV of people, an import)."""
        loaded = getattr(self, "_loaded_consent", None)
        super().save(*args, **kwargs)
        fields = kwargs.get("update_fields")
        if fields is not None and "consent_status" not in fields:
            return
        self._loaded_consent = self.consent_status
        if loaded is not None and (loaded == ConsentStatus.WITHDRAWN) != self.has_withdrawn:
            consent_changed.send(sender=Interviewee, interviewee=self, withdrawn=self.has_withdrawn)

    def get_absolute_url(self) -> str:
        return reverse("interviews:interviewee_detail", args=[self.project_id, self.pk])

    @property
    def has_withdrawn(self) -> bool:
        return self.consent_status == ConsentStatus.WITHDRAWN

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        if "consent_status" in field_names:
            instance._loaded_consent = values[field_names.index("consent_status")]
        return instance


class AttributeType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    BOOLEAN = "boolean", "Yes / no"
    CHOICE = "choice", "Choice"


class AttributeTarget(models.TextChoices):
    INTERVIEWEE = "interviewee", "Interviewees"
    SOURCE = "source", "Sources"


TRUE_WORDS = {"yes", "true", "1", "y"}
FALSE_WORDS = {"no", "false", "0", "n"}


class Attribute(models.Model):
    """A variable defined per project [REFI-QDA Variable], valued per interviewee or source."""

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: the unique (project, name) leads with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="attributes", db_index=False
    )
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=AttributeType.choices, default="text")
    applies_to = models.CharField(
        max_length=12, choices=AttributeTarget.choices, default=AttributeTarget.INTERVIEWEE
    )
    choices = models.TextField(blank=True, help_text="For a choice attribute: one value a line.")
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["project", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="attribute_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.type == AttributeType.CHOICE and not self.choice_list:
            raise ValidationError({"choices": "A choice attribute needs at least one value."})

    def normalise(self, raw: object) -> str:
        """The stored form of a value, or ValidationError naming what is wrong."""
        text = "" if raw is None else str(raw).strip()
        if text == "":
            return ""
        if self.type == AttributeType.NUMBER:
            try:
                number = Decimal(text.replace(",", "."))
            except InvalidOperation:
                raise ValidationError(f"{self.name}: “{text}” is not a number.") from None
            if not number.is_finite():
                raise ValidationError(f"{self.name}: “{text}” is not a number.")
            return format(number.normalize(), "f")
        if self.type == AttributeType.DATE:
            try:
                return datetime.date.fromisoformat(text).isoformat()
            except ValueError:
                raise ValidationError(
                    f"{self.name}: “{text}” is not a date (use YYYY-MM-DD)."
                ) from None
        if self.type == AttributeType.BOOLEAN:
            if text.lower() in TRUE_WORDS:
                return "true"
            if text.lower() in FALSE_WORDS:
                return "false"
            raise ValidationError(f"{self.name}: “{text}” is not yes or no.")
        if self.type == AttributeType.CHOICE:
            for choice in self.choice_list:
                if choice.lower() == text.lower():
                    return choice
            raise ValidationError(
                f"{self.name}: “{text}” is not one of {', '.join(self.choice_list)}."
            )
        return text


class AttributeValue(models.Model):
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="values")
    interviewee = models.ForeignKey(
        Interviewee,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attribute_values",
    )
    source = models.ForeignKey(
        "interviews.Source",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attribute_values",
    )
    value = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(interviewee__isnull=False) & Q(source__isnull=True))
                | (Q(interviewee__isnull=True) & Q(source__isnull=False)),
                name="attributevalue_one_owner",
            ),
            models.UniqueConstraint(
                fields=["attribute", "interviewee"],
                condition=Q(interviewee__isnull=False),
                name="attributevalue_unique_interviewee",
            ),
            models.UniqueConstraint(
                fields=["attribute", "source"],
                condition=Q(source__isnull=False),
                name="attributevalue_unique_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attribute.name} = {self.value}"


class SourceKind(models.TextChoices):
    INTERVIEW = "interview", "Interview transcript"
    POLICY = "policy", "Policy document"
    OTHER = "other", "Other"


class NlpStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


_WORD_RE = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)


def count_words(text: str) -> int:
    """Words in a text; each Chinese character counts as one word."""
    return len(_WORD_RE.findall(text))


def source_upload_path(instance: Source, filename: str) -> str:
    return f"sources/{instance.project_id}/{instance.guid}/{filename}"


class SourceQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """As QuerySet.bulk_create, keeping each new source's code points beside it."""
        created = super().bulk_create(objs, *args, **kwargs)
        SourceCodePoints.objects.bulk_create(
            [SourceCodePoints.of(source) for source in created if source.pk is not None],
            batch_size=kwargs.get("batch_size") or 100,
        )
        return created

    def visible_to(self, access, *, analysis: bool = False) -> SourceQuerySet:
        """The sources of the member's project; for analysis (search, retrieval, queries,
        reports, exports) without those of interviewees who withdrew consent. The rule as a
        whole is described in interviews/visibility.py."""
        return self.filter(source_visible(access, analysis=analysis))

    def spoken_by(self, interviewee) -> SourceQuerySet:
        """The sources the interviewee speaks in: linked to them, or with a speaker turn
        mapped to them."""
        return self.filter(
            Q(
                pk__in=Source.interviewees.through.objects.filter(interviewee=interviewee).values(
                    "source_id"
                )
            )
            | Q(pk__in=Segment.objects.filter(interviewee=interviewee).values("source_id"))
        )

    def withdrawn(self) -> SourceQuerySet:
        """Sources in which an interviewee who withdrew consent speaks — linked to the
        source, or speaking in a turn mapped to them (as erasure counts the sources a person
        speaks in): their words stay out of every analysis (reports, retrieval, queries)
        until an admin decides otherwise. The rule works per source, as reports attribute a
        source's codings to its people: a shared source goes out whole."""
        withdrawn = ConsentStatus.WITHDRAWN
        linked = Source.interviewees.through.objects.filter(
            interviewee__consent_status=withdrawn
        ).values("source_id")
        speaking = Segment.objects.filter(interviewee__consent_status=withdrawn).values("source_id")
        return self.filter(Q(pk__in=linked) | Q(pk__in=speaking))


def source_visible(access, *, analysis: bool = False, prefix: str = "") -> Q:
    """The rule of `Source.objects.visible_to` as a condition on sources, or on the rows
    that point to one (`prefix`, e.g. "source__"): a query of codings filters on its own
    columns, without a subquery of sources to build and plan."""
    condition = Q(**{f"{prefix}project": access.project})
    if analysis:
        withdrawn = Source.objects.withdrawn().values("pk")
        condition &= ~Q(**{f"{prefix}pk__in": withdrawn})
    return condition


class Source(models.Model):
    """A text to code [REFI-QDA TextSource]. `text` is the single truth for offsets."""

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: the (project, checksum) index leads with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="sources", db_index=False
    )
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=SourceKind.choices, default="interview")
    text = models.TextField()
    language = models.CharField(max_length=12, default="en", help_text="ISO code, e.g. en, ru.")
    date = models.DateField(null=True, blank=True)
    interviewer = models.CharField(max_length=200, blank=True)
    interviewees = models.ManyToManyField(Interviewee, blank=True, related_name="sources")
    original_file = models.FileField(upload_to=source_upload_path, blank=True, max_length=500)
    original_name = models.CharField(max_length=300, blank=True)
    checksum = models.CharField(max_length=64, blank=True, db_index=True)
    word_count = models.PositiveIntegerField(default=0)
    # The text's stored sentences (its segments of kind "sentence"), counted when they are
    # stored and moved, so that a page showing the number need not count a long text's
    # thousands of rows.
    sentence_count = models.PositiveIntegerField(default=0, editable=False)
    nlp_status = models.CharField(
        max_length=10, choices=NlpStatus.choices, default=NlpStatus.PENDING
    )
    nlp_pipeline = models.CharField(
        max_length=100, blank=True, help_text="The spaCy pipeline that processed the text."
    )
    frozen = models.BooleanField(
        default=False,
        editable=False,
        help_text="The text has codings and may not change. Kept by the coding app: set when "
        "the first coding is written, cleared when the last is removed.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["project", "title", "pk"]
        indexes = [models.Index(fields=["project", "checksum"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        text_changed = self._text_changed()
        if not self._state.adding and kwargs.get("update_fields") is None:
            # `frozen` belongs to the coding app: a full save of a copy loaded earlier must
            # not undo what a coding written since has set.
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "frozen"
            ]
        if text_changed and self.text_is_frozen:
            raise ValidationError(
                "This source has codings, so its text is frozen. "
                "Import a corrected revision instead."
            )
        adding = self._state.adding
        text_changed = text_changed or adding
        self.word_count = count_words(self.text)
        if not self.checksum:
            self.checksum = hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        super().save(*args, **kwargs)
        if adding:
            SourceCodePoints.of(self).save(force_insert=True)
        elif text_changed:
            self.text_derived_refresh()
        self._loaded_text = self.text

    def get_absolute_url(self) -> str:
        return reverse("interviews:source_detail", args=[self.project_id, self.pk])

    def clean(self) -> None:
        if self._text_changed() and self.text_is_frozen:
            raise ValidationError(
                {
                    "text": "This source has codings, so its text is frozen. "
                    "Import a corrected revision instead."
                }
            )

    def text_derived_refresh(self) -> None:
        """After the stored text changed (a save, a revision): its code points anew, and its
        pieces (`interviews.layout`) laid out anew when next asked for."""
        point = SourceCodePoints.of(self)
        SourceCodePoints.objects.update_or_create(
            source=self, defaults={"length": point.length, "utf32": point.utf32}
        )
        SourcePiece.objects.filter(source=self).delete()

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        if "text" in field_names:
            instance._loaded_text = values[field_names.index("text")]
        return instance

    @property
    def text_is_frozen(self) -> bool:
        """Whether the stored source has codings (read afresh: a coder may have coded it
        since this copy was loaded)."""
        if self.pk is None:
            return False
        self.frozen = Source.objects.filter(pk=self.pk).values_list("frozen", flat=True).first()
        return bool(self.frozen)

    def _text_changed(self) -> bool:
        loaded = getattr(self, "_loaded_text", None)
        if self.pk is None:
            return False
        if loaded is None:
            loaded = Source.objects.filter(pk=self.pk).values_list("text", flat=True).first()
        return loaded is not None and loaded != self.text


# Four bytes per code point, little-endian: code point n of a text is bytes [4n, 4n + 4).
CODE_POINT_ENCODING = "utf-32-le"
CODE_POINT_BYTES = 4


class SourceCodePoints(models.Model):
    """A source's text as fixed-width code points, kept beside it for the quote check.

    Offsets count code points. In UTF-8 a database finds code point n only by walking the
    text from its start, so checking a quote near the end of a long transcript would cost
    more than near its beginning. Here code point n is byte 4n: the quote check reads a
    slice of bytes, and PostgreSQL, which stores this column uncompressed (migration
    interviews 0005), fetches only the pages holding it. The text is frozen once coded,
    so the copy changes only with the text, in `Source.save`.
    """

    source = models.OneToOneField(
        Source, primary_key=True, on_delete=models.CASCADE, related_name="code_points"
    )
    length = models.PositiveIntegerField(help_text="The text's length in code points.")
    utf32 = models.BinaryField()

    def __str__(self) -> str:
        return f"code points of source {self.source_id} ({self.length})"

    @classmethod
    def of(cls, source: Source) -> SourceCodePoints:
        return cls(
            source=source,
            length=len(source.text),
            utf32=source.text.encode(CODE_POINT_ENCODING, "surrogatepass"),
        )

    @staticmethod
    def decode(data: bytes | memoryview | None) -> str:
        return bytes(data or b"").decode(CODE_POINT_ENCODING, "surrogatepass")

    @classmethod
    def restore(cls, source_ids) -> None:
        """Give the sources among `source_ids` that have no code points theirs: a source
        written around `Source.save` (raw SQL, a fixture) would otherwise lack them."""
        have = cls.objects.filter(source_id__in=source_ids).values("source_id")
        missing = Source.objects.filter(pk__in=source_ids).exclude(pk__in=have).only("text")
        cls.objects.bulk_create([cls.of(source) for source in missing], ignore_conflicts=True)

    @classmethod
    def lengths(cls, source_ids) -> dict[int, int]:
        """Each source's text length in code points, read without reading the texts."""
        source_ids = set(source_ids)

        def read() -> dict[int, int]:
            rows = cls.objects.filter(source_id__in=source_ids)
            return dict(rows.values_list("source_id", "length"))

        found = read()
        if len(found) < len(source_ids):
            cls.restore(source_ids)
            found = read()
        return found


class SegmentKind(models.TextChoices):
    TURN = "turn", "Speaker turn"
    PARAGRAPH = "paragraph", "Paragraph"
    SENTENCE = "sentence", "Sentence"


class Segment(models.Model):
    """A derived span of a source's text: a speaker turn, a paragraph or a sentence."""

    # No index of its own: the (source, kind, start) index below serves every lookup by
    # source, and one index fewer makes a long import's thousands of rows cheaper to write
    # (bench/README.md, "Import on PostgreSQL at 8,000, 50,000 and 200,000 words").
    # No constraint of Django's: on PostgreSQL, triggers check the key a statement at a time
    # rather than a row at a time; SQLite's table keeps its foreign key
    # (`interviews.migration_ops.ForeignKeyCheckedPerStatement`, migration 0017).
    source = models.ForeignKey(
        Source,
        on_delete=models.CASCADE,
        related_name="segments",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(max_length=10, choices=SegmentKind.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    speaker = models.CharField(max_length=200, blank=True)
    # Indexed only where set (the `segment_interviewee` index below): most segments, the
    # paragraphs and sentences, have no interviewee, and an import need not write an index
    # entry for each of them.
    interviewee = models.ForeignKey(
        Interviewee,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="segments",
        db_index=False,
    )
    is_interviewer = models.BooleanField(default=False)
    timestamp = models.FloatField(null=True, blank=True, help_text="Seconds from the start.")

    class Meta:
        ordering = ["source", "kind", "start"]
        indexes = [
            models.Index(fields=["source", "kind", "start"]),
            models.Index(
                fields=["interviewee"],
                condition=Q(interviewee__isnull=False),
                name="segment_interviewee",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=models.F("end")),
                name="segment_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} [{self.start}, {self.end})"

    @property
    def display_speaker(self) -> str:
        """Who speaks, as coders may see it: the pseudonym, 'Interviewer' or the raw label."""
        if self.interviewee_id:
            return self.interviewee.pseudonym
        if self.is_interviewer:
            return "Interviewer"
        return self.speaker

    def clean(self) -> None:
        if self.source_id and self.end > len(self.source.text):
            raise ValidationError("A segment cannot end beyond the source's text.")


def sentences_counted(segment_model: type[models.Model] = Segment) -> models.Expression:
    """Each source's number of stored sentences, counted from its segments: the value of
    `Source.sentence_count` in `Source.objects.update(sentence_count=…)`, for the rows of a
    restore and (with its historical `Segment`) the migration that added the field."""
    counted = (
        segment_model.objects.filter(source=models.OuterRef("pk"), kind=SegmentKind.SENTENCE)
        .order_by()
        .values("source")
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    return models.functions.Coalesce(models.Subquery(counted), models.Value(0))


class SourcePiece(models.Model):
    """One piece of a source's text as pages draw it: whole turns and paragraphs, about
    3,000 code points (`interviews.layout`). Kept so that a request for a stretch of a long
    text reads these rows and that stretch only; forgotten when the text or its turns
    change, laid out again when next asked for."""

    # No index of its own: the unique (source, index) and the (source, start) index leads with it.
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="pieces", db_index=False
    )
    index = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    blocks = models.JSONField(
        default=list,
        help_text="The piece's blocks: [start, end, speaker label, timestamp, part of a cut "
        "block].",
    )

    class Meta:
        ordering = ["source", "index"]
        indexes = [models.Index(fields=["source", "start"])]
        constraints = [
            models.UniqueConstraint(fields=["source", "index"], name="source_piece_unique"),
            models.CheckConstraint(
                condition=Q(start__lte=models.F("end")), name="source_piece_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return f"piece {self.index} [{self.start}, {self.end}) of source {self.source_id}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Job(models.Model):
    """Long work done outside the request (imports, exports, auto-coding), with its progress.

    The task itself runs through Django's task API; this row is what the progress page
    reads, so a user can leave and come back, from any web process.
    """

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    kind = models.CharField(max_length=40, help_text="e.g. import, export_qdpx")
    title = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    current = models.CharField(max_length=300, blank=True, help_text="What it is working on now.")
    messages = models.JSONField(
        default=list, blank=True, help_text="[{'level': 'error'|'warning'|'info', 'text': …}]"
    )
    result = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("interviews:job_detail", args=[self.guid])

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.DONE, JobStatus.FAILED}

    def progress(
        self, *, done: int | None = None, total: int | None = None, current: str | None = None
    ) -> None:
        """Record progress at once (outside any open transaction of the caller's work)."""
        fields = {"status": JobStatus.RUNNING}
        if done is not None:
            fields["done"] = done
        if total is not None:
            fields["total"] = total
        if current is not None:
            fields["current"] = current[:300]
        for name, value in fields.items():
            setattr(self, name, value)
        Job.objects.filter(pk=self.pk).update(**fields, updated_at=timezone.now())

    def note(self, text: str, level: str = "error") -> None:
        self.messages = [*self.messages, {"level": level, "text": text}]
        Job.objects.filter(pk=self.pk).update(messages=self.messages, updated_at=timezone.now())

    def finish(self, *, failed: bool = False, result: dict | None = None) -> None:
        self.status = JobStatus.FAILED if failed else JobStatus.DONE
        self.finished_at = timezone.now()
        if result is not None:
            self.result = result
        if not failed:
            self.done = max(self.done, self.total)
        self.current = ""
        self.save(
            update_fields=["status", "finished_at", "result", "done", "current", "updated_at"]
        )

    def as_json(self) -> dict:
        return {
            "guid": str(self.guid),
            "title": self.title,
            "status": self.status,
            "status_label": self.get_status_display(),
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "current": self.current,
            "messages": self.messages,
            "result": self.result,
            "finished": self.is_finished,
        }


class SelectionSnap(models.TextChoices):
    WORD = "word", "Whole words"
    SENTENCE = "sentence", "Whole sentences"
    TURN = "turn", "Whole speaker turns"


class Profile(models.Model):
    """What Parley keeps about a user beyond Django's auth: an exchange guid and preferences."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    selection_snap = models.CharField(
        max_length=10,
        choices=SelectionSnap.choices,
        default=SelectionSnap.WORD,
        help_text="What a selection in the coding page snaps to.",
    )

    def __str__(self) -> str:
        return f"Profile of {self.user}"


def profile_for(user) -> Profile:
    """The user's profile, created on first use."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


class MemberSession(AbstractBaseSession):
    """A browser's session (Django's database session) with the id of the member signed in
    as a column of its own, so that a request reads its session and its member in one query
    (config/sessions.py). Deleting a user ends their sessions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        # Written from the session's data: a user deleted meanwhile must not fail the save.
        db_constraint=False,
    )

    class Meta:
        db_table = "parley_session"

    @classmethod
    def get_session_store_class(cls):
        """The store of `SESSION_ENGINE` (for `get_decoded`)."""
        from importlib import import_module

        return import_module(settings.SESSION_ENGINE).SessionStore


class NamedEntity(models.Model):
    """A named entity the language pipeline found in a source (for de-identification and
    auto-coding): a person, organisation, place, date …, with its span of the text."""

    # No index of its own: the (source, label) index leads with it.
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="entities", db_index=False
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    label = models.CharField(max_length=30, help_text="spaCy's label, e.g. PERSON, ORG, GPE.")
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["source", "start"]
        indexes = [models.Index(fields=["source", "label"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=models.F("end")),
                name="namedentity_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} “{self.text}” [{self.start}, {self.end})"


# Recordings and sync points live in their own module; imported here so Django finds them.
# De-identification lives in its own package; its models belong to this app.
from interviews.deid.models import (  # noqa: E402,F401
    DeidSettings,
    IdentifyingEntity,
    IdentifyingSpan,
    IdentifyingTerm,
    SourceRevision,
)
from interviews.recordings.models import Recording, SyncPoint  # noqa: E402, F401
