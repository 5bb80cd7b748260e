"""The codebook, codings, memos and their history."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connections, models, router
from django.db.models import Q
from django.db.models.functions import Lower, Substr

from interviews.compiled import Compiled
from interviews.limits import LimitExceeded, check_code_depth, check_memo
from interviews.models import (
    CODE_POINT_BYTES,
    ConsentStatus,
    Interviewee,
    Project,
    Source,
    SourceCodePoints,
    source_visible,
)

colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", "Give a colour as #rrggbb, for example #1e88e5."
)

PATH_SEPARATOR = "/"
# The largest offset a database integer column holds (PostgreSQL's integer).
MAX_OFFSET = 2_147_483_647
SLICE_LIMIT = 2**30


class CodeQuerySet(models.QuerySet):
    def tree_order(self) -> list[Code]:
        """The codes depth-first, siblings by their order; each gets `.depth` and `.path`."""
        return tree_ordered(list(self.order_by("order", "name", "pk")))


def tree_ordered(codes: list) -> list:
    """Codes (or rows with `pk`, `parent_id` and `name`) sorted by order, name and pk, put
    depth-first; each gets `.depth` and `.path`."""
    children: dict[int | None, list] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    ordered: list = []
    # An explicit stack, not recursion: no depth of tree can exhaust Python's stack.
    stack = [(code, 0, "") for code in reversed(children.get(None, []))]
    while stack:
        code, depth, prefix = stack.pop()
        code.depth = depth
        code.path = f"{prefix}{code.name}"
        ordered.append(code)
        below = children.get(code.pk, [])
        stack.extend((sub, depth + 1, f"{code.path}{PATH_SEPARATOR}") for sub in reversed(below))
    return ordered


DEFAULT_COLOUR = "#1e88e5"
CODE_TEXTS = ("definition", "inclusion", "exclusion", "example")


class Code(models.Model):
    """A category of the codebook [REFI-QDA Code]; codes form a tree."""

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="codes")
    # RESTRICT, not PROTECT: a code with sub-codes or codings cannot be deleted on its own
    # (the codebook asks what becomes of them), but goes with its whole project.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="children"
    )
    name = models.CharField(max_length=200)
    colour = models.CharField(max_length=7, default=DEFAULT_COLOUR, validators=[colour_validator])
    definition = models.TextField(blank=True)
    inclusion = models.TextField("inclusion criteria", blank=True)
    exclusion = models.TextField("exclusion criteria", blank=True)
    example = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    is_codable = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CodeQuerySet.as_manager()

    class Meta:
        ordering = ["project", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                "project",
                "parent",
                Lower("name"),
                condition=Q(parent__isnull=False),
                name="code_unique_sibling_name",
                violation_error_message="Another code under the same parent has this name.",
            ),
            models.UniqueConstraint(
                "project",
                Lower("name"),
                condition=Q(parent__isnull=True),
                name="code_unique_top_level_name",
                violation_error_message="Another top-level code has this name.",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="code_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def from_fields(
        cls, *, project: Project, parent: Code | None, name: str, order: int, fields=None, guid=None
    ) -> Code:
        """An unsaved code built from a mapping of its other fields (a template node, a
        history snapshot, a codebook file row, a REFI-QDA code, a form): a missing or empty
        colour is the default, missing texts are empty, a code is codable unless it says not.
        Every way of adding a code builds it here and then validates it."""
        fields = fields or {}
        code = cls(
            project=project,
            parent=parent,
            name=name,
            order=order,
            colour=fields.get("colour") or DEFAULT_COLOUR,
            is_codable=fields.get("is_codable", True),
            **{text: fields.get(text) or "" for text in CODE_TEXTS},
        )
        if guid is not None:
            code.guid = guid
        return code

    def ancestors(self) -> list[Code]:
        chain: list[Code] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def full_path(self) -> str:
        return PATH_SEPARATOR.join([*(a.name for a in self.ancestors()), self.name])

    def descendant_ids(self) -> set[int]:
        """Ids of every code below this one (not itself)."""
        return {pk for level in self._levels_below() for pk in level}

    def _levels_below(self) -> list[list[int]]:
        """Ids of the codes below this one, a list per level."""
        levels: list[list[int]] = []
        frontier = [self.pk]
        while frontier:
            frontier = list(
                Code.objects.filter(parent_id__in=frontier).order_by().values_list("pk", flat=True)
            )
            if frontier:
                levels.append(frontier)
        return levels

    def clean(self) -> None:
        # A line break or tab in a name would break paths, exports and file names.
        self.name = " ".join((self.name or "").split())
        if PATH_SEPARATOR in self.name:
            raise ValidationError({"name": f"A code name cannot contain “{PATH_SEPARATOR}”."})
        if self.parent_id is None:
            return
        if self.parent.project_id != self.project_id:
            raise ValidationError({"parent": "The parent code belongs to another project."})
        levels = self._levels_below() if self.pk else []
        if self.pk and (
            self.parent_id == self.pk or any(self.parent_id in level for level in levels)
        ):
            raise ValidationError(
                {"parent": "A code cannot be moved under itself or its own sub-code."}
            )
        try:
            check_code_depth(len(self.ancestors()) + 1 + len(levels), name=self.name)
        except LimitExceeded as error:
            raise ValidationError({"parent": str(error)}) from None


def source_slice(source: Source, start: int, end: int) -> tuple[str, int]:
    """The text of [start, end) of a source and the length of its whole text.

    When the source was loaded without its text (a long transcript), the database cuts the
    slice from the source's fixed-width code points, so checking one coding costs the same
    on a short text and on a long one, near its start and near its end.
    """
    if "text" in source.__dict__:
        return source.text[start:end], len(source.text)
    known = source.__dict__
    if known.get("_length") is not None and end <= start:
        return "", known["_length"]
    # SQLite, the source read with its code points' rowid (`with_slice`): any span is read
    # in place.
    in_place = source_quotes(source, [(start, end)])
    if in_place is not None:
        return in_place[0], known["_length"]
    if known.get("_length") is not None and known.get("_slice_span") == (start, end):
        return _decoded(known.get("_quote")), known["_length"]
    row = (
        with_slice(Source.objects.filter(pk=source.pk), *slice_bytes(start, end))
        .values_list("_quote", "_length")
        .get()
    )
    if row[1] is None:  # a source stored without its code points: add them now
        SourceCodePoints.restore([source.pk])
        return source_slice(source, start, end)
    # The text of a source with codings is frozen, so its length can be remembered.
    slice_known(source, row[0], row[1], (start, end))
    return source_slice(source, start, end)


def slice_known(source: Source, quote, length: int | None, span: tuple[int, int]) -> None:
    """Keep on `source` what a `with_slice` query read of it, for `source_slice` and
    `source_quotes`: the text's length and, on SQLite, the rowid of its code points (any
    span is then read in place, see `CodePointSlice`), elsewhere the bytes of `span`."""
    if isinstance(quote, int):
        source.__dict__.update(_rowid=quote, _length=length)
    else:
        source.__dict__.update(_quote=quote, _length=length, _slice_span=span)


def _code_points_read(rowid: int, spans: list[tuple[int, int]], using: str | None) -> list[bytes]:
    """The bytes of code points [start, end) of each span, read from SQLite's blob in place,
    the blob opened once: the pages that hold them (and the page numbers of those before,
    which SQLite follows from one page to the next), where `substr` reads the whole blob
    (5 MB for 200,000 words)."""
    connection = connections[using or router.db_for_read(SourceCodePoints)]
    table = SourceCodePoints._meta.db_table
    found = []
    with connection.connection.blobopen(table, "utf32", rowid, readonly=True) as blob:
        for start, end in spans:
            first, count = slice_bytes(start, end)
            if first - 1 >= len(blob):
                found.append(b"")
                continue
            blob.seek(first - 1)
            found.append(blob.read(count))
    return found


def _decoded(quote: str | bytes | memoryview | None) -> str:
    return quote if isinstance(quote, str) else SourceCodePoints.decode(quote)


class CodePointSlice(models.Func):
    """`count` bytes from byte `first` of a `SourceCodePoints.utf32` column, as
    `slice_bytes` gives them for a span of code points (PostgreSQL's bytea and SQLite's
    blob `substr` both count bytes from 1)."""

    function = "substr"
    output_field = models.BinaryField()

    def __init__(self, expression, first: int, count: int):
        super().__init__(expression, models.Value(first), models.Value(count))

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite's substr reads the whole blob, whose length grows with the text's: the
        # query reads the row's rowid instead, and `source_slice` the slice in place.
        sql, params = compiler.compile(self.source_expressions[0])
        column = "." + connection.ops.quote_name("utf32")
        if not sql.endswith(column):
            return self.as_sql(compiler, connection, **extra_context)
        return sql.removesuffix(column) + ".rowid", params


def slice_bytes(start: int, end: int) -> tuple[int, int]:
    """`substr` arguments (first byte from 1, byte count) of the code points [start, end).

    Byte positions past 2**30 lie past any stored text (upload limits keep texts far
    shorter): clamped there they stay database integers and cut an empty slice, where
    offsets above MAX_OFFSET / 4 would overflow one and fail the query."""
    width = CODE_POINT_BYTES
    return min(start * width + 1, SLICE_LIMIT), min(max(end - start, 0) * width, SLICE_LIMIT)


def with_slice(
    sources: models.QuerySet, first: int, count: int, *, prefix: str = ""
) -> models.QuerySet:
    """Sources annotated with the bytes of a span of their text (`_quote`, decoded by
    source_slice; `first` and `count` from `slice_bytes`) and the text's length
    (`_length`), read from their code points. `prefix` leads from the query's rows to the
    sources (for a query of other rows)."""
    return sources.annotate(
        _quote=CodePointSlice(f"{prefix}code_points__utf32", first, count),
        _length=models.F(f"{prefix}code_points__length"),
    )


def source_quotes(source: Source, spans: list[tuple[int, int]]) -> list[str] | None:
    """The words of each span of the source's text, read in place when the source was read
    with its code points' rowid (SQLite, `with_slice`, see `source_slice`); None when it
    was not (the caller asks `coding_quotes`)."""
    known = source.__dict__
    if known.get("_length") is None or not isinstance(known.get("_rowid"), int):
        return None
    read = _code_points_read(known["_rowid"], spans, source._state.db)
    return [SourceCodePoints.decode(data) for data in read]


def source_span_quotes(source: Source, spans: list[tuple[int, int]]) -> list[str] | None:
    """The words of each span of the source's text (a list of its codings' quotes): read
    once, as the stretch of text from the first span's start to the last one's end, when
    that is no longer than the spans together (codings overlap: 2,000 codings of an
    8,000-word interview quote its text eight times over), so that it is cut and decoded
    once, not span by span (`_stretch`); otherwise span by span as `source_quotes` reads
    them (None where it cannot: the caller asks `coding_quotes`)."""
    if not spans:
        return []
    first = min(start for start, _end in spans)
    last = max(end for _start, end in spans)
    if last - first <= sum(max(end - start, 0) for start, end in spans):
        text = _stretch(source, first, max(last, first))
        return [text[start - first : end - first] for start, end in spans]
    return source_quotes(source, spans)


def _stretch(source: Source, start: int, end: int) -> str:
    """The text of [start, end) of a source, a stretch that quotes overlap in: on SQLite
    read in place from its code points (`source_slice`); on PostgreSQL cut by the database
    from the text itself, which is sent as UTF-8, where the code points' bytes would be
    sent as hexadecimal, eight bytes a character (3 ms against 8 ms for 350,000 characters,
    bench/README.md "The coding page's codings as text")."""
    using = source._state.db or router.db_for_read(Source)
    if "text" in source.__dict__ or connections[using].vendor == "sqlite":
        return source_slice(source, start, end)[0]
    found = _STRETCH.row(using, source=source.pk, first=start + 1, count=end - start)
    return (found[0] if found else None) or ""


def _stretch_query(*, source, first, count):
    # `Value`s: Substr refuses a position below 1, and the compiled query's stand-ins are
    # negative.
    words = Substr("text", models.Value(first), models.Value(count))
    return Source.objects.filter(pk=source).annotate(_words=words).values_list("_words")


_STRETCH = Compiled(_stretch_query, ("source", "first", "count"))


def span_bytes() -> models.Func:
    """The bytes of a row's [start, end) of its source's text (a coding's words, a piece's
    text), cut by the database from the source's code points, to annotate a query of rows
    with `source`, `start` and `end` (not on SQLite, whose substr reads the whole blob);
    `SourceCodePoints.decode` gives the text, and None means the source has no code points
    stored yet."""
    return models.Func(
        models.F("source__code_points__utf32"),
        models.F("start") * CODE_POINT_BYTES + 1,
        (models.F("end") - models.F("start")) * CODE_POINT_BYTES,
        function="substr",
        output_field=models.BinaryField(),
    )


def coding_quotes(codings: models.QuerySet) -> dict[int, str]:
    """The words of each coding of the queryset, by id, each cut by the database from its
    source's code points: a list of codings reads their quotes, never their sources' texts
    (5 MB for a 200,000-word transcript)."""
    codings = codings.order_by()
    using = codings.db
    if connections[using].vendor != "sqlite":
        rows = codings.annotate(_quote=span_bytes()).values_list("pk", "source_id", "_quote")
        found = {pk: (source_id, quote) for pk, source_id, quote in rows}
        missing = {source_id for source_id, quote in found.values() if quote is None}
        if missing:  # sources stored without their code points: add them, read again
            SourceCodePoints.restore(missing)
            return coding_quotes(codings)
        return {pk: SourceCodePoints.decode(quote) for pk, (_source, quote) in found.items()}
    # SQLite's substr would read each source's whole blob once a coding: each source's
    # blob is opened once and its codings' bytes read in place (`_code_points_read`).
    spans: dict[int, list[tuple[int, int, int]]] = {}
    for pk, source_id, start, end in codings.values_list("pk", "source_id", "start", "end"):
        spans.setdefault(source_id, []).append((pk, start, end))
    rowids = dict(
        with_slice(Source.objects.filter(pk__in=list(spans)), *slice_bytes(0, 1)).values_list(
            "pk", "_quote"
        )
    )
    if any(rowids.get(source_id) is None for source_id in spans):
        SourceCodePoints.restore(list(spans))
        return coding_quotes(codings)
    quotes: dict[int, str] = {}
    for source_id, rows in spans.items():
        read = _code_points_read(rowids[source_id], [(s, e) for _pk, s, e in rows], using)
        quotes.update(
            (pk, SourceCodePoints.decode(data))
            for (pk, _s, _e), data in zip(rows, read, strict=True)
        )
    return quotes


def sources_frozen_refresh(source_ids) -> None:
    """Keep `Source.frozen` in step after codings of these sources (ids or a query of ids)
    were written or removed in bulk: a source is frozen exactly when it has codings."""
    Source.objects.filter(pk__in=source_ids).update(
        frozen=models.Exists(Coding.objects.filter(source=models.OuterRef("pk")))
    )


def sources_freeze(source_ids) -> None:
    """Codings of these sources were written: their texts may no longer change."""
    Source.objects.filter(pk__in=source_ids, frozen=False).update(frozen=True)


def source_freeze(source_id: int, source: Source | None = None) -> None:
    """As `sources_freeze` for one source; costs nothing when the loaded source is already
    known to be frozen."""
    if source is not None and source.frozen:
        return
    sources_freeze([source_id])
    if source is not None:
        source.frozen = True


class CodingQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """As QuerySet.bulk_create; the sources coded become frozen."""
        created = super().bulk_create(objs, *args, **kwargs)
        sources_freeze({coding.source_id for coding in created})
        return created

    def delete(self):
        """As QuerySet.delete; a source whose last coding went is no longer frozen."""
        sources = set(self.order_by().values_list("source_id", flat=True).distinct())
        result = super().delete()
        sources_frozen_refresh(sources)
        return result

    delete.alters_data = True
    delete.queryset_only = True

    def visible_to(self, access) -> CodingQuerySet:
        """The codings an Access may see: all, or under blinded coding only the user's own
        (interviews/visibility.py holds the rule)."""
        from interviews.visibility import coding_filter

        return self.filter(coding_filter(access))

    def for_analysis(self, access) -> CodingQuerySet:
        """What search, retrieval, queries and exports read: the codings the member may see
        in the project's sources, without the words of interviewees who withdrew consent."""
        return self.visible_to(access).filter(
            source_visible(access, analysis=True, prefix="source__")
        )


class ChangeQuerySet(models.QuerySet):
    def visible_to(self, access) -> ChangeQuerySet:
        """History a member may read: under blinded coding a coder or viewer reads the
        changes of codes and of their own codings only (made by them or to them)."""
        if access.sees_all_codings:
            return self
        name = access.user.get_username()
        theirs = Q(user=access.user) | Q(before__coder=name) | Q(after__coder=name)
        return self.filter(~Q(object_type="coding") | theirs)


class Coding(models.Model):
    """One code applied to one span of a source [REFI-QDA PlainTextSelection + Coding].

    Offsets are half-open [start, end) indices into Source.text in code points.
    """

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: the (source, start) index and the unique span lead with it.
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="codings", db_index=False
    )
    code = models.ForeignKey(Code, on_delete=models.RESTRICT, related_name="codings")
    # No index of its own: the (coder, modified_at) index leads with it.
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="codings",
        db_index=False,
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    # A database default too: imports write codings with SQL that names no origin.
    origin = models.CharField(
        max_length=250,
        blank=True,
        default="",
        db_default="",
        help_text="The rule or model whose suggestion it was.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = CodingQuerySet.as_manager()

    class Meta:
        ordering = ["source", "start", "end", "pk"]
        # Every index is written by each coding: none repeats another's leading columns
        # (the foreign key `code` has its own). A coder's codings by time changed: the
        # coding page's codes used last are the latest of them, read in that order and no
        # further (`coding.workspace_data.recent_code_ids`), not all of a coder's sorted.
        indexes = [
            models.Index(fields=["source", "start"]),
            models.Index(fields=["coder", "modified_at"], name="coding_coder_modified"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=models.F("end")),
                name="coding_start_before_end",
            ),
            models.UniqueConstraint(
                fields=["source", "code", "coder", "start", "end"], name="coding_unique_span"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} [{self.start}, {self.end}) by {self.coder}"

    def save(self, *args, **kwargs) -> None:
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:
            source_freeze(self.source_id, self._state.fields_cache.get("source"))

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        sources_frozen_refresh([self.source_id])
        return result

    @property
    def quote(self) -> str:
        return source_slice(self.source, self.start, self.end)[0]

    def editable_by(self, access) -> bool:
        """Coders change their own codings; leads and admins change everyone's."""
        from interviews.access import Perm

        if access.can(Perm.REVIEW):
            return True
        return access.can(Perm.CODE) and self.coder_id == access.user.pk

    def clean(self) -> None:
        if self.start is None or self.end is None:
            return
        if self.start < 0 or self.end <= self.start:
            raise ValidationError("A coding must cover at least one character (start < end).")
        if self.source_id and self.end > source_slice(self.source, 0, 0)[1]:
            raise ValidationError("A coding cannot end beyond the source's text.")
        if self.source_id and self.code_id and self.code.project_id != self.source.project_id:
            raise ValidationError("The code belongs to another project.")


def memo_text_check(text: str) -> None:
    """ValidationError for a memo longer than PARLEY_MAX_MEMO_CHARS: a memo is shown beside
    its passage on every coding page of the source."""
    if "\x00" in (text or ""):
        raise ValidationError({"text": "A memo cannot hold a NUL character."})
    try:
        check_memo(text or "")
    except LimitExceeded as error:
        raise ValidationError({"text": str(error)}) from None


class MemoQuerySet(models.QuerySet):
    def visible_to(self, access) -> MemoQuerySet:
        """The project's memos a member may read: those `reportable` leaves, and in a blinded
        project, of the memos on codings, a coder's or viewer's own codings' only (every other
        kind of memo is shared). The rule as a whole is described in
        interviews/visibility.py."""
        from interviews.visibility import coding_filter

        memos = self.filter(project=access.project).reportable()
        if not access.sees_all_codings:
            memos = memos.filter(Q(coding__isnull=True) | coding_filter(access, "coding__"))
        return memos

    def reportable(self) -> MemoQuerySet:
        """Without the memos about an interviewee who withdrew consent, about a source they
        speak in, or on its codings: like their words, these stay out of every list,
        search and export until an admin changes the status again."""
        withdrawn = Source.objects.withdrawn().values("pk")
        return (
            self.exclude(interviewee__consent_status=ConsentStatus.WITHDRAWN)
            .exclude(source__in=withdrawn)
            .exclude(coding__source__in=withdrawn)
        )


class Memo(models.Model):
    """Free analytic text [REFI-QDA Note], attached to the project or to one object of it."""

    TARGETS = ("source", "code", "interviewee", "coding")

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memos")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="memos"
    )
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.CASCADE, related_name="memos"
    )
    code = models.ForeignKey(
        Code, null=True, blank=True, on_delete=models.CASCADE, related_name="memos"
    )
    interviewee = models.ForeignKey(
        Interviewee, null=True, blank=True, on_delete=models.CASCADE, related_name="memos"
    )
    coding = models.ForeignKey(
        Coding, null=True, blank=True, on_delete=models.CASCADE, related_name="memos"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = MemoQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-modified_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(source__isnull=True, code__isnull=True, interviewee__isnull=True)
                    | Q(source__isnull=True, code__isnull=True, coding__isnull=True)
                    | Q(source__isnull=True, interviewee__isnull=True, coding__isnull=True)
                    | Q(code__isnull=True, interviewee__isnull=True, coding__isnull=True)
                ),
                name="memo_at_most_one_target",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.text[:60]

    def clean(self) -> None:
        memo_text_check(self.text)

    @property
    def target(self):
        for name in self.TARGETS:
            obj = getattr(self, name)
            if obj is not None:
                return obj
        return self.project

    @property
    def target_kind(self) -> str:
        for name in self.TARGETS:
            if getattr(self, f"{name}_id") is not None:
                return name
        return "project"


class ChangeAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    MERGE = "merge", "Merged"
    MOVE = "move", "Moved"
    RESTORE = "restore", "Restored"
    EXPORT = "export", "Exported the identified text of"
    ERASE = "erase", "Erased"


class Change(models.Model):
    """History: who changed which code or coding, when, and what it was before and after."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=10, choices=ChangeAction.choices)
    object_type = models.CharField(max_length=20)
    object_guid = models.UUIDField(db_index=True)
    # No index of its own: the (source, id) index leads with it.
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="changes",
        db_index=False,
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        # A source's changes in the order they were made: its last one (the coding page's
        # cursor) is one entry of the index, and a poll reads only those after its cursor,
        # however long the source's history.
        indexes = [models.Index(fields=["source", "id"], name="change_source_latest")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_type} {self.object_guid}"


class SavedQuery(models.Model):
    """A coding query kept under a name so that it can be run again as the codings grow."""

    # No index of its own: the unique (project, name) leads with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="saved_queries", db_index=False
    )
    name = models.CharField(max_length=200)
    definition = models.JSONField(help_text="Operator, codes, distance and filters.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="savedquery_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class CodePin(models.Model):
    """A code a user keeps under a number key (1–9) in the coding workspace of a project."""

    # No index of its own: the unique (user, project, slot) and (user, code) leads with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="code_pins", db_index=False
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="pins")
    slot = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["user", "project", "slot"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "project", "slot"], name="code_pin_one_per_slot"
            ),
            models.UniqueConstraint(fields=["user", "code"], name="code_pin_once_per_code"),
            models.CheckConstraint(
                condition=Q(slot__gte=1) & Q(slot__lte=9), name="code_pin_slot_1_to_9"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slot}: {self.code}"


from coding.suggestion_models import (  # noqa: E402, F401  (models of the same app)
    AutocodeRule,
    Suggestion,
    SuggestionModel,
)
