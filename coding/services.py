"""Writes on the codebook and codings that span several models or record history."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, FilteredRelation, OuterRef, Q

from coding.models import (
    MAX_OFFSET,
    Change,
    ChangeAction,
    Code,
    CodePin,
    CodePointSlice,
    Coding,
    Memo,
    memo_text_check,
    source_slice,
)
from interviews.access import Access, Perm, grant, member_role, project_with_role
from interviews.deid.services import CODING_REFUSED, coding_refused_expression
from interviews.deid.services import coding_refused as deid_refusal
from interviews.models import Project, Source


def coding_snapshot(coding: Coding) -> dict:
    return {
        "source": str(coding.source.guid),
        "code": str(coding.code.guid),
        "code_path": coding.code.full_path,
        "coder": coding.coder.username,
        "start": coding.start,
        "end": coding.end,
        **({"origin": coding.origin} if coding.origin else {}),
    }


def code_snapshot(code: Code) -> dict:
    return {
        "name": code.name,
        "path": code.full_path,
        "parent": str(code.parent.guid) if code.parent_id else None,
        "colour": code.colour,
        "definition": code.definition,
        "inclusion": code.inclusion,
        "exclusion": code.exclusion,
        "example": code.example,
        "order": code.order,
        "is_codable": code.is_codable,
    }


_AS_NOW = object()  # `after`: the object as it is now


def change_record(
    *,
    user,
    action: str,
    obj: Code | Coding,
    before: dict | None = None,
    after: dict | None | object = _AS_NOW,
    project: Project | None = None,
) -> Change:
    """Record a change to a code or a coding in the history.

    `after` is by default the object's snapshot as it is now (nothing for a deletion);
    `project` is by default the object's own (pass it when the caller holds it already).
    """
    if after is _AS_NOW:
        if action == ChangeAction.DELETE:
            after = None
        else:
            after = code_snapshot(obj) if isinstance(obj, Code) else coding_snapshot(obj)
    if project is None:
        project = obj.project if isinstance(obj, Code) else obj.source.project
    return Change.objects.create(
        project=project,
        user=user,
        action=action,
        object_type=obj._meta.model_name,
        object_guid=obj.guid,
        source=getattr(obj, "source", None),
        before=before,
        after=after,
    )


QUOTE_MISMATCH = (
    "The selected text does not match the source at those positions; "
    "reload the page and select again."
)


def _check_quote(source: Source, start: int, end: int, quote: str | None) -> None:
    if quote is not None and source_slice(source, start, end)[0] != quote:
        raise ValidationError(QUOTE_MISMATCH)


def coding_target(
    user, project_pk: int, source_pk: int, code_id: int, span: tuple[int, int]
) -> tuple[Access, Source | None, Code | None]:
    """Everything a new coding checks, read by one ORM query when the code is in the
    project: the code with its parent and grandparent (for its history row) and its project,
    annotated with the caller's membership role (the rule of `project_access`) and with the
    source's guid and `frozen` flag, the text at `span` and the text's length, cut by the
    database from the source's fixed-width code points (`with_slice`), so a write costs the
    same on a short text and a long one. Only a code that is not in the project (a request
    that fails) reads the project and the source apart.

    Raises as `project_access` does; a source or code not in the project comes back None.

    Measured against the hand-written join it replaced (`bench/coding_read_bench.py`,
    PostgreSQL, 2026-12-03, load average 9–13 on 2 cores): p50 11.95 ms against 3.21 ms,
    the difference being the ORM's compiling of the query in Python (bench/README.md).
    """
    if not user.is_authenticated:
        return grant(user, None, None, Perm.CODE), None, None
    start, end = span
    code = (
        Code.objects.filter(pk=code_id, project_id=project_pk)
        .select_related("parent__parent", "project")
        .annotate(
            member_role=member_role(user, OuterRef("project_id")),
            target=FilteredRelation(
                "project__sources", condition=Q(project__sources__pk=source_pk)
            ),
            source_guid=F("target__guid"),
            source_frozen=F("target__frozen"),
            source__quote=CodePointSlice("target__code_points__utf32", start, end),
            source__length=F("target__code_points__length"),
            source__deid_refused=coding_refused_expression(source=source_pk),
        )
        .order_by()[:1]  # one row by its key: no ORDER BY, which `first()` would add
    )
    code = code[0] if code else None
    if code is None:
        project = project_with_role(user, project_pk)
        access = grant(user, project, getattr(project, "member_role", None), Perm.CODE)
        source = (
            Source.objects.filter(pk=source_pk, project=project)
            .only("id", "guid", "project_id", "frozen")
            .order_by()
            .first()
        )
        return access, source, None
    project = code.project
    access = grant(user, project, code.member_role, Perm.CODE)
    source = None
    if code.source_guid is not None:
        using = code._state.db
        source = Source.from_db(
            using,
            ["id", "guid", "project_id", "frozen"],
            [source_pk, code.source_guid, project.pk, code.source_frozen],
        )
        source.project = project
        if code.source__length is not None and 0 <= start < end:
            source.__dict__.update(
                _quote=code.source__quote, _length=code.source__length, _slice_span=span
            )
        source.__dict__["_deid_refused"] = code.source__deid_refused
    return access, source, code


def _memo_set(coding: Coding, *, text: str, author) -> None:
    """The coding's memo becomes `text`; an empty text removes it."""
    text = text.strip()
    memo = coding.memos.order_by("pk").first()
    if not text:
        if memo is not None:
            memo.delete()
        return
    if memo is None:
        memo = Memo(project=coding.source.project, author=author, coding=coding)
    memo.text = text
    memo.full_clean()
    memo.save()


def coding_create(
    *,
    source: Source,
    code: Code,
    coder,
    start: int,
    end: int,
    quote: str | None = None,
    memo: str = "",
    origin: str = "",
) -> Coding:
    """Apply a code to [start, end) of a source.

    When `quote` is given it must equal the text at those offsets, so that a client whose
    idea of the text differs from the server's cannot store a misplaced coding.
    The work is a handful of short queries whatever the length of the text: the database
    cuts the quote, and the source, code and coder are taken as given. On PostgreSQL the
    coding, its memo and its history row are written by one statement.
    """
    if not code.is_codable:
        raise ValidationError(f"“{code.name}” is a grouping code and cannot be applied.")
    refused = source.__dict__.get("_deid_refused")
    if refused or (refused is None and deid_refusal(source)):
        raise ValidationError(CODING_REFUSED)
    coding = Coding(source=source, code=code, coder=coder, start=start, end=end, origin=origin)
    found = None
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= MAX_OFFSET:
        found = source_slice(source, start, end)[0]  # also remembers the text's length
    coding.full_clean(
        exclude=["source", "code", "coder"], validate_unique=False, validate_constraints=False
    )
    if quote is not None and found != quote:
        raise ValidationError(QUOTE_MISMATCH)
    memo = memo.strip()
    memo_text_check(memo)
    note = Memo(project=source.project, author=coder, text=memo) if memo else None
    history = Change(
        project=source.project,
        user=coder,
        action=ChangeAction.CREATE,
        object_type=Coding._meta.model_name,
        object_guid=coding.guid,
        source=source,
        before=None,
        after=coding_snapshot(coding),
    )
    using = router.db_for_write(Coding)
    if connections[using].vendor == "postgresql":
        created = _insert_coding_statement(coding, note, history, using=using)
    else:
        created = _insert_coding_orm(coding, note, history, using=using)
    if not created:
        raise ValidationError(
            f"You have already coded exactly this passage with “{code.name}”.", code="conflict"
        )
    return coding


def _insert_coding_orm(coding: Coding, note: Memo | None, history: Change, *, using: str) -> bool:
    try:
        # Outermost, this is one transaction; inside a caller's, a savepoint.
        with transaction.atomic(using=using):
            coding.save(using=using)
            if note is not None:
                note.coding = coding
                note.save(using=using)
            history.save(using=using)
    except IntegrityError:
        return False
    return True


# The span a coder may code once with one code: the columns of `coding_unique_span`.
_UNIQUE_SPAN = ("source", "code", "coder", "start", "end")


def _insert_coding_statement(
    coding: Coding, note: Memo | None, history: Change, *, using: str
) -> bool:
    """Insert a coding, its memo and its history row in one PostgreSQL statement.

    One round trip instead of five (BEGIN, three INSERTs, COMMIT): a single statement is
    atomic on its own, so outside a caller's transaction none is opened, and inside one no
    savepoint is needed because an existing span is skipped (`ON CONFLICT … DO NOTHING`)
    rather than raised. The memo and the history row are inserted only when the coding
    was; False means the coder had already coded exactly this span with this code.

    The only hand-written SQL of a coding write, kept because the ORM insert
    (`_insert_coding_orm`) measures slower by more than 10 %: `bench/workspace_bench.py
    --write-paths`, server-side p50 of the whole write, ORM slower by 9, 10, 19 and 19 %
    (2026-12-03 14:45–15:25) and by 13 % (15:49, 51,729 words, load average 10 on 2 cores)
    with the reads as one ORM query; see bench/README.md, "Coding workspace".
    """
    connection = connections[using]
    qn = connection.ops.quote_name
    fields = [f for f in Coding._meta.concrete_fields if not f.primary_key]
    conflict = ", ".join(qn(Coding._meta.get_field(name).column) for name in _UNIQUE_SPAN)
    sql = [
        f"WITH new_coding AS (INSERT INTO {qn(Coding._meta.db_table)} "
        f"({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {qn(Coding._meta.pk.column)})"
    ]
    params = [f.get_db_prep_save(f.pre_save(coding, True), connection) for f in fields]
    for name, row in (("new_memo", note), ("new_change", history)):
        if row is None:
            continue
        fields = [f for f in row._meta.concrete_fields if not f.primary_key]
        values = []
        for f in fields:
            if f.name == "coding":
                values.append(f"new_coding.{qn(Coding._meta.pk.column)}")
            else:
                values.append(f"%s::{f.cast_db_type(connection)}")
                params.append(f.get_db_prep_save(f.pre_save(row, True), connection))
        sql.append(
            f"{name} AS (INSERT INTO {qn(row._meta.db_table)} "
            f"({', '.join(qn(f.column) for f in fields)}) "
            f"SELECT {', '.join(values)} FROM new_coding)"
        )
    source = coding.source
    if not source.frozen:  # the source's first coding: its text may no longer change
        table = qn(Source._meta.db_table)
        sql.append(
            f"new_frozen AS (UPDATE {table} SET {qn(Source._meta.get_field('frozen').column)} "
            f"= TRUE FROM new_coding WHERE {table}.{qn(Source._meta.pk.column)} = %s)"
        )
        params.append(source.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            ", ".join(sql) + f" SELECT {qn(Coding._meta.pk.column)} FROM new_coding", params
        )
        row = cursor.fetchone()
    if row is None:
        return False
    coding.pk = row[0]
    coding._state.adding, coding._state.db = False, using
    source.frozen = True
    return True


@transaction.atomic
def coding_update(
    *,
    coding: Coding,
    user,
    code: Code | None = None,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    memo: str | None = None,
) -> Coding:
    """Change a coding's code, move its boundaries or set its memo, and record the change.

    The row is locked while it changes, so two people editing the same coding at once
    are applied one after the other and neither edit is half-applied.
    """
    locked = Coding.objects.select_for_update().filter(pk=coding.pk).first()
    if locked is None:
        raise ValidationError("This coding has been deleted in the meantime.")
    locked.source = coding.source
    before = coding_snapshot(locked)
    if code is not None:
        if code.project_id != locked.source.project_id:
            raise ValidationError("The code belongs to another project.")
        if not code.is_codable:
            raise ValidationError(f"“{code.name}” is a grouping code and cannot be applied.")
        locked.code = code
    if start is not None:
        locked.start = start
    if end is not None:
        locked.end = end
    locked.full_clean(validate_unique=False, validate_constraints=False)
    if start is not None or end is not None:
        _check_quote(locked.source, locked.start, locked.end, quote)
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise ValidationError(
            f"This passage is already coded exactly so with “{locked.code.name}”.", code="conflict"
        ) from None
    if memo is not None:
        _memo_set(locked, text=memo, author=user)
    after = coding_snapshot(locked)
    if after != before or memo is not None:
        change_record(user=user, action=ChangeAction.UPDATE, obj=locked, before=before, after=after)
    return locked


@transaction.atomic
def coding_delete(*, coding: Coding, user) -> None:
    """Delete a coding (and its memo), keeping its last state in the history."""
    locked = Coding.objects.select_for_update().filter(pk=coding.pk).first()
    if locked is None:
        return
    locked.source = coding.source
    change_record(user=user, action=ChangeAction.DELETE, obj=locked, before=coding_snapshot(locked))
    locked.delete()


@transaction.atomic
def code_pin_set(*, user, code: Code, slot: int | None) -> None:
    """Put a code under number key `slot` (1–9) for this user, or unpin it when slot is None."""
    CodePin.objects.filter(user=user, code=code).delete()
    if slot is None:
        return
    if not code.is_codable:
        raise ValidationError(f"“{code.name}” is a grouping code and cannot be applied.")
    if not 1 <= slot <= 9:
        raise ValidationError("Pin a code to a number key from 1 to 9.")
    CodePin.objects.filter(user=user, project_id=code.project_id, slot=slot).delete()
    CodePin.objects.create(user=user, project_id=code.project_id, code=code, slot=slot)
