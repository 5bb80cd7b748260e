"""Writes on the codebook and codings that span several models or record history."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import FilteredRelation, OuterRef, Q

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
    slice_known,
    source_freeze,
    source_slice,
    with_slice,
)
from interviews.access import Access, Perm, grant, member_role
from interviews.compiled import Compiled
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


# What a new coding reads: the project (all of it, for the caller's Access), of the code
# whether it may be applied and, up to its grandparent, the names and guids for the history
# row (other fields, and further parents of a deeper tree, load when asked), and the source
# without its text.
_PARENT = {"id", "guid", "project_id", "name", "parent_id"}


def _declared(model, names: set[str] | None = None) -> tuple[str, ...]:
    """The model's concrete fields' attnames (those named, or all) in their declared order,
    as `Model.from_db` takes them."""
    return tuple(
        f.attname for f in model._meta.concrete_fields if names is None or f.attname in names
    )


_TARGET_ROWS = (
    (Project, "", _declared(Project)),
    (Code, "c__", _declared(Code, _PARENT | {"is_codable"})),
    (Code, "c__parent__", _declared(Code, _PARENT)),
    (Code, "c__parent__parent__", _declared(Code, _PARENT)),
    (Source, "s__", _declared(Source, {"id", "guid", "project_id", "frozen"})),
)


def _target_query(*, user, project, source, code, first, count):
    """The project with the caller's role, the code and its parents, the source, the quote's
    bytes and the text's length, and whether de-identification must come first, as one
    query: the rules of `member_role`, `with_slice` and `coding_refused_expression`."""
    rows = Project.objects.filter(pk=project).order_by()
    rows = rows.annotate(
        c=FilteredRelation("codes", condition=Q(codes__pk=code)),
        s=FilteredRelation("sources", condition=Q(sources__pk=source)),
    )
    rows = with_slice(rows, first, count, prefix="s__")
    rows = rows.annotate(
        _role=member_role(user, OuterRef("pk")),
        _refused=coding_refused_expression(project=OuterRef("pk"), source=OuterRef("s__pk")),
    )
    columns = [prefix + name for _model, prefix, names in _TARGET_ROWS for name in names]
    return rows.values_list("_role", "_length", "_quote", "_refused", *columns)


_TARGET = Compiled(_target_query, ("user", "project", "source", "code", "first", "count"))


def coding_target(
    user, project_pk: int, source_pk: int, code_id: int, span: tuple[int, int]
) -> tuple[Access, Source | None, Code | None]:
    """Everything a new coding checks, read by one query: the project with the caller's
    membership role (the rule of `project_access`); the code with its parent and
    grandparent; the source's guid and `frozen` flag, the text at `span` and the text's
    length, cut by the database from the source's fixed-width code points (`with_slice`),
    so a write costs the same on a short text and a long one; and whether the project
    wants the source de-identified before it is coded (`coding_refused_expression`).

    Raises as `project_access` does; a source or code not in the project comes back None.

    The query is the ORM's, compiled once (`interviews.compiled`): compiled on every call
    it measured about four times slower than the same SQL run directly
    (`bench/coding_read_bench.py`; bench/README.md, "Coding workspace").
    """
    if not user.is_authenticated:
        return grant(user, None, None, Perm.CODE), None, None
    start, end = span
    using = router.db_for_read(Coding)
    first, count = slice_bytes(start, end)
    row = _TARGET.row(
        using,
        user=user.pk,
        project=project_pk,
        source=source_pk,
        code=code_id,
        first=first,
        count=count,
    )
    if row is None:
        return grant(user, None, None, Perm.CODE), None, None
    role, length, quote, refused = row[:4]
    at, found = 4, []
    for model, _prefix, names in _TARGET_ROWS:
        values = row[at : at + len(names)]
        at += len(names)
        found.append(None if values[0] is None else model.from_db(using, names, values))
    project, code, parent, grandparent, source = found
    access = grant(user, project, role, Perm.CODE)
    if code is not None:
        code.project = project
        code.parent = parent
        if parent is not None:
            parent.parent = grandparent
    if source is not None:
        source.project = project
        if length is not None and 0 <= start < end:
            slice_known(source, quote, length, span)
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
    """Save a new coding, its memo and its history row together, and freeze its source's
    text; False, and nothing saved, when the coder had already coded exactly this span with
    this code.

    On PostgreSQL by one hand-written statement (`_coding_insert_statement`), on SQLite by
    one hand-written statement a row (`_coding_insert_statements`), otherwise by the ORM.
    """
    vendor = connections[using].vendor
    if vendor == "postgresql":
        return _coding_insert_statement(coding, note, history, using=using)
    if vendor == "sqlite":
        return _coding_insert_statements(coding, note, history, using=using)
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


def _insert_sql(row, connection) -> tuple[str, list]:
    """The `INSERT` of a new row (its primary key left to the database) and its values, as
    the ORM would write them."""
    qn = connection.ops.quote_name
    fields = [f for f in row._meta.concrete_fields if not f.primary_key]
    sql = (
        f"INSERT INTO {qn(row._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    return sql, [f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields]


def _coding_insert_sql(coding: Coding, connection) -> tuple[str, list]:
    """The coding's `INSERT`, which skips a span the coder has coded with the code already
    (`coding_unique_span`) and returns the new row's key."""
    qn = connection.ops.quote_name
    span = ", ".join(
        qn(Coding._meta.get_field(name).column)
        for name in ("source", "code", "coder", "start", "end")
    )
    sql, params = _insert_sql(coding, connection)
    return f"{sql} ON CONFLICT ({span}) DO NOTHING RETURNING {qn(Coding._meta.pk.column)}", params


def _coding_written(coding: Coding, note: Memo | None, pk: int, using: str) -> None:
    """The coding as saved (its key, its database), and its memo's link to it."""
    coding.pk = pk
    coding._state.adding, coding._state.db = False, using
    if note is not None:
        note.coding = coding


def _coding_insert_statements(
    coding: Coding, note: Memo | None, history: Change, *, using: str
) -> bool:
    """`_coding_insert` on SQLite: the coding's `INSERT … ON CONFLICT DO NOTHING
    RETURNING`, then, only if it was written, the memo's and the history row's `INSERT`s and
    the source's `frozen` flag, in one transaction (inside a caller's, in the caller's: an
    existing span is skipped rather than raised, so no savepoint is needed). Through the
    ORM's `save` the write took 1.46–1.52 ms of CPU, by these statements 1.26–1.32
    (bench/README.md, "The coding write on SQLite by statements")."""
    connection = connections[using]
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        cursor.execute(*_coding_insert_sql(coding, connection))
        row = cursor.fetchone()
        if row is None:
            return False
        _coding_written(coding, note, row[0], using)
        for other in (note, history):
            if other is not None:
                cursor.execute(*_insert_sql(other, connection))
        source_freeze(coding.source_id, coding._state.fields_cache.get("source"))
    return True


def _coding_insert_statement(
    coding: Coding, note: Memo | None, history: Change, *, using: str
) -> bool:
    """`_coding_insert` on PostgreSQL, in one statement: the coding write's one hand-written
    SQL statement.

    One round trip instead of five (BEGIN, the INSERTs, COMMIT). A single statement is
    atomic on its own, so outside a caller's transaction none is opened, and inside one no
    savepoint is needed, as an existing span is skipped (`ON CONFLICT … DO NOTHING`) rather
    than raised. The memo, the history row and the source's `frozen` flag are written only
    when the coding was. With the ORM instead, the coding write's p50 was 38–54 % slower
    (bench/README.md, "The coding write on a quiet machine"), and still 30 % slower with
    statements prepared on the server ("Statements prepared on the server").
    """
    connection = connections[using]
    qn = connection.ops.quote_name
    pk = qn(Coding._meta.pk.column)
    insert, params = _coding_insert_sql(coding, connection)
    sql = [f"WITH new_coding AS ({insert})"]
    for name, row in (("new_memo", note), ("new_change", history)):
        if row is None:
            continue
        fields = [f for f in row._meta.concrete_fields if not f.primary_key]
        values = []
        for f in fields:
            if f.name == "coding":
                values.append(f"new_coding.{pk}")
            else:
                values.append(f"%s::{f.cast_db_type(connection)}")
                params.append(f.get_db_prep_save(f.pre_save(row, True), connection))
        sql.append(
            f"{name} AS (INSERT INTO {qn(row._meta.db_table)} "
            f"({', '.join(qn(f.column) for f in fields)}) "
            f"SELECT {', '.join(values)} FROM new_coding)"
        )
    source = coding.source
    if not source.frozen:
        frozen = Source._meta.get_field("frozen")
        sql.append(
            f"new_frozen AS (UPDATE {qn(Source._meta.db_table)} SET {qn(frozen.column)} = true "
            f"WHERE {qn(Source._meta.pk.column)} = %s AND NOT {qn(frozen.column)} "
            f"AND EXISTS (SELECT 1 FROM new_coding))"
        )
        params.append(source.pk)
    answer = f" SELECT {pk} FROM new_coding"
    if not connection.in_atomic_block and not settings.PARLEY_CODING_COMMIT_WAIT:
        # The statement is its own transaction: its commit returns before the write-ahead
        # log reaches the disk (`deploy/README.md`, "Durability of a coding").
        answer += " WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL"
    with connection.cursor() as cursor:
        cursor.execute(", ".join(sql) + answer, params)
        row = cursor.fetchone()
    if row is None:
        return False
    _coding_written(coding, note, row[0], using)
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
