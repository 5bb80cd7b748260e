"""Writes on the codebook and codings that span several models or record history."""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction

from coding.memos import source_withdrawn, withdrawn_refusal
from coding.models import (
    MAX_OFFSET,
    Change,
    ChangeAction,
    Code,
    CodePin,
    Coding,
    Memo,
    memo_text_check,
    slice_bytes,
    source_slice,
)
from interviews.access import Access, Perm, grant
from interviews.deid.models import DeidSettings, RevisionKind, SourceRevision
from interviews.deid.services import CODING_REFUSED
from interviews.deid.services import coding_refused as deid_refusal
from interviews.models import Membership, Project, Source, SourceCodePoints


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


def _target_columns(model, names: set[str] | None = None) -> list:
    """The model's concrete fields (those named, or all) in their declared order, as
    `Model.from_db` takes them."""
    return [f for f in model._meta.concrete_fields if names is None or f.attname in names]


# What a new coding reads: the project (all of it, for the caller's Access), of the code
# whether it may be applied and, up to its grandparent, the names and guids for the history
# row (other fields, and further parents of a deeper tree, load when asked), and the source
# without its text.
_PARENT = {"id", "guid", "project_id", "name", "parent_id"}
_TARGET_ROWS = (
    ("p", Project, None),
    ("c", Code, _PARENT | {"is_codable"}),
    ("c1", Code, _PARENT),
    ("c2", Code, _PARENT),
    ("s", Source, {"id", "guid", "project_id", "frozen"}),
)


@functools.cache
def _target_statement(using: str) -> tuple[str, list]:
    """The SQL of `coding_target` for a database, and per row of `_TARGET_ROWS` its model,
    attnames and, per column, the converters the ORM would apply and the column."""
    connection = connections[using]
    qn = connection.ops.quote_name

    def table(model) -> str:
        return qn(model._meta.db_table)

    def column(model, name: str) -> str:
        return qn(model._meta.get_field(name).column)

    selected, readers = [], []
    for alias, model, names in _TARGET_ROWS:
        fields = _target_columns(model, names)
        columns = []
        for field in fields:
            col = field.get_col(alias)
            converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            columns.append((converters, col))
            selected.append(f"{alias}.{qn(field.column)}")
        readers.append((model, tuple(f.attname for f in fields), columns))
    code, source = table(Code), table(Source)
    sql = (
        # the caller's membership role: the rule of `member_role`
        f"SELECT (SELECT m.{column(Membership, 'role')} FROM {table(Membership)} m "
        f"WHERE m.{column(Membership, 'project')} = p.{column(Project, 'id')} "
        f"AND m.{column(Membership, 'user')} = %s LIMIT 1), "
        # the text's length and the quote's bytes: `with_slice`
        f"cp.{column(SourceCodePoints, 'length')}, "
        # (on SQLite the row's rowid: its substr reads the whole blob, see CodePointSlice)
        + (
            "cp.rowid, "
            if connection.vendor == "sqlite"
            else f"substr(cp.{column(SourceCodePoints, 'utf32')}, %s, %s), "
        )
        +
        # de-identification first: the rule of `coding_refused_expression`
        f"(EXISTS (SELECT 1 FROM {table(DeidSettings)} d "
        f"WHERE d.{column(DeidSettings, 'project')} = p.{column(Project, 'id')} "
        f"AND d.{column(DeidSettings, 'required_before_coding')} = %s) "
        f"AND NOT EXISTS (SELECT 1 FROM {table(SourceRevision)} r "
        f"WHERE r.{column(SourceRevision, 'source')} = s.{column(Source, 'id')} "
        f"AND r.{column(SourceRevision, 'kind')} = %s)), "
        f"{', '.join(selected)} "
        f"FROM {table(Project)} p "
        f"LEFT JOIN {code} c ON c.{column(Code, 'id')} = %s "
        f"AND c.{column(Code, 'project')} = p.{column(Project, 'id')} "
        f"LEFT JOIN {code} c1 ON c1.{column(Code, 'id')} = c.{column(Code, 'parent')} "
        f"LEFT JOIN {code} c2 ON c2.{column(Code, 'id')} = c1.{column(Code, 'parent')} "
        f"LEFT JOIN {source} s ON s.{column(Source, 'id')} = %s "
        f"AND s.{column(Source, 'project')} = p.{column(Project, 'id')} "
        f"LEFT JOIN {table(SourceCodePoints)} cp "
        f"ON cp.{column(SourceCodePoints, 'source')} = s.{column(Source, 'id')} "
        f"WHERE p.{column(Project, 'id')} = %s"
    )
    return sql, readers


def coding_target(
    user, project_pk: int, source_pk: int, code_id: int, span: tuple[int, int]
) -> tuple[Access, Source | None, Code | None]:
    """Everything a new coding checks, read by one statement: the project with the
    caller's membership role (the rule of `project_access`); the code with its parent and
    grandparent; the source's guid and `frozen` flag, the text at `span` and the text's
    length, cut by the database from the source's fixed-width code points (`with_slice`),
    so a write costs the same on a short text and a long one; and whether the project
    wants the source de-identified before it is coded (`coding_refused_expression`).

    Raises as `project_access` does; a source or code not in the project comes back None.

    The one hand-written SQL statement of a coding write, because the same read as one
    ORM query measured about four times slower, the difference being Django compiling the
    query in Python on every call: `bench/coding_read_bench.py`, PostgreSQL, p50 11.5 ms
    for this statement against 45.4 ms for the ORM query (2026-12-03 18:21, load average
    15.6 on 2 cores; bench/README.md, "Coding workspace").
    """
    if not user.is_authenticated:
        return grant(user, None, None, Perm.CODE), None, None
    start, end = span
    using = router.db_for_read(Coding)
    connection = connections[using]
    sql, readers = _target_statement(using)
    cut = () if connection.vendor == "sqlite" else slice_bytes(start, end)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [user.pk, *cut, True, RevisionKind.DEIDENTIFY, code_id, source_pk, project_pk],
        )
        row = cursor.fetchone()
    if row is None:
        return grant(user, None, None, Perm.CODE), None, None
    role, length, quote, refused = row[:4]
    at, rows = 4, []
    for model, attnames, columns in readers:
        converted = []
        for (converters, col), value in zip(columns, row[at : at + len(columns)], strict=True):
            for converter in converters:
                value = converter(value, col, connection)
            converted.append(value)
        at += len(columns)
        rows.append(None if converted[0] is None else model.from_db(using, attnames, converted))
    project, code, parent, grandparent, source = rows
    access = grant(user, project, role, Perm.CODE)
    if code is not None:
        code.project = project
        code.parent = parent
        if parent is not None:
            parent.parent = grandparent
    if source is not None:
        source.project = project
        if length is not None and 0 <= start < end:
            source.__dict__.update(_quote=quote, _length=length, _slice_span=span)
        source.__dict__["_deid_refused"] = bool(refused)
    return access, source, code


def _memo_set(coding: Coding, memo: Memo | None, *, text: str, author) -> None:
    """The coding's memo (`memo`, its first, or None) becomes `text`; an empty text removes
    it."""
    text = text.strip()
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
    cuts the quote, and the source, code and coder are taken as given.
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
    if memo and source_withdrawn(source.pk):
        raise ValidationError(withdrawn_refusal("coding"))
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
    created = _coding_insert(coding, note, history, using=router.db_for_write(Coding))
    if not created:
        raise ValidationError(
            f"You have already coded exactly this passage with “{code.name}”.", code="conflict"
        )
    return coding


def _coding_insert(coding: Coding, note: Memo | None, history: Change, *, using: str) -> bool:
    """Save a new coding, its memo and its history row together; False, and nothing
    saved, when the coder had already coded exactly this span with this code.

    By the ORM on both databases. On PostgreSQL one hand-written statement (INSERT … ON
    CONFLICT DO NOTHING for the three rows) made the whole write 6–20 % faster (p50,
    2026-12-03, load average 12–15 on 2 cores), but a write keeps one hand-written
    statement, and its read (`coding_target`) saves more by it (bench/README.md, "Coding
    workspace").
    """
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
    note = locked.memos.order_by("pk").first() if memo is not None else None
    if (
        memo is not None
        and memo.strip() != (note.text if note is not None else "")
        and source_withdrawn(locked.source_id)
    ):
        # As every memo write about them: refused, and nothing else changes either.
        raise ValidationError(withdrawn_refusal("coding"))
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
        _memo_set(locked, note, text=memo, author=user)
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
