"""Writes on the codebook and codings that span several models or record history."""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction

from coding.codebook_templates import TEMPLATES, CodeTemplate
from coding.models import (
    MAX_OFFSET,
    Change,
    ChangeAction,
    Code,
    CodePin,
    Coding,
    Memo,
    source_slice,
)
from interviews.access import Access, Perm, grant
from interviews.models import CODE_POINT_BYTES, Membership, Project, Source, SourceCodePoints


def coding_snapshot(coding: Coding) -> dict:
    return {
        "source": str(coding.source.guid),
        "code": str(coding.code.guid),
        "code_path": coding.code.full_path,
        "coder": coding.coder.username,
        "start": coding.start,
        "end": coding.end,
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


def _attnames(model, names) -> tuple[str, ...]:
    """`names` in the model's field order, as `Model.from_db` takes them."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in names)


# What a new coding reads of its code: whether it may be applied, and the names and guids
# up the tree for its history row (a deeper tree loads further parents when asked).
_TARGET_CODE = _attnames(Code, {"id", "guid", "project_id", "name", "is_codable", "parent_id"})
_TARGET_PARENT = _attnames(Code, {"id", "guid", "project_id", "name", "parent_id"})
_TARGET_SOURCE = _attnames(Source, {"id", "guid", "project_id"})


@functools.cache
def _target_query(using: str) -> tuple[str, tuple[str, ...], list[tuple[str, list, object]]]:
    """The SQL of `coding_target`, the project's columns, and per selected model column
    its attname, its converters (as the ORM applies them) and its expression."""
    connection = connections[using]
    qn = connection.ops.quote_name
    selected = []

    def columns(model, alias: str, names) -> str:
        for name in names:
            field = next(f for f in model._meta.concrete_fields if f.attname == name)
            col = field.get_col(alias)
            converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            selected.append((name, converters, col))
        return ", ".join(f"{alias}.{qn(c.target.column)}" for _, _, c in selected[-len(names) :])

    project_fields = _attnames(Project, {f.attname for f in Project._meta.concrete_fields})
    code, source = qn(Code._meta.db_table), qn(Source._meta.db_table)
    points = qn(SourceCodePoints._meta.db_table)
    membership = qn(Membership._meta.db_table)
    sql = (
        f"SELECT {columns(Project, 'p', project_fields)}, "
        f"(SELECT m.role FROM {membership} m WHERE m.project_id = p.id AND m.user_id = %s "
        f"LIMIT 1), {columns(Code, 'c', _TARGET_CODE)}, {columns(Code, 'c1', _TARGET_PARENT)}, "
        f"{columns(Code, 'c2', _TARGET_PARENT)}, {columns(Source, 's', _TARGET_SOURCE)}, "
        f"cp.length, substr(cp.utf32, %s, %s) "
        f"FROM {qn(Project._meta.db_table)} p "
        f"LEFT JOIN {code} c ON c.id = %s AND c.project_id = p.id "
        f"LEFT JOIN {code} c1 ON c1.id = c.parent_id "
        f"LEFT JOIN {code} c2 ON c2.id = c1.parent_id "
        f"LEFT JOIN {source} s ON s.id = %s AND s.project_id = p.id "
        f"LEFT JOIN {points} cp ON cp.source_id = s.id "
        f"WHERE p.id = %s"
    )
    return sql, project_fields, selected


def coding_target(
    user, project_pk: int, source_pk: int, code_id: int, span: tuple[int, int]
) -> tuple[Access, Source | None, Code | None]:
    """Everything a new coding checks, read by one query: the caller's access to the
    project (the rule of `project_access`), the source (without its text) with the text
    at `span` and the text's length, and the code with its parents.

    Raises as `project_access` does; a source or code not in the project comes back None.
    """
    if not user.is_authenticated:
        return grant(user, None, None, Perm.CODE), None, None
    start, end = span
    width = CODE_POINT_BYTES
    using = router.db_for_read(Coding)
    connection = connections[using]
    sql, project_fields, selected = _target_query(using)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                user.pk,
                start * width + 1,
                max(end - start, 0) * width,
                code_id,
                source_pk,
                project_pk,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return grant(user, None, None, Perm.CODE), None, None
    n = len(project_fields)
    role, (length, quote) = row[n], row[-2:]
    values = []
    for value, (_, converters, col) in zip(row[:n] + row[n + 1 : -2], selected, strict=True):
        for converter in converters:
            value = converter(value, col, connection)
        values.append(value)
    project = Project.from_db(using, project_fields, values[:n])
    access = grant(user, project, role, Perm.CODE)
    values = values[n:]
    code = source = None
    at = len(_TARGET_CODE)
    if values[0] is not None:
        code = Code.from_db(using, _TARGET_CODE, values[:at])
        node = code
        for _ in range(2):  # its parent and grandparent, when it has them
            if node.parent_id is None:
                node.parent = None
                break
            parent = Code.from_db(using, _TARGET_PARENT, values[at : at + len(_TARGET_PARENT)])
            node.parent = parent
            node, at = parent, at + len(_TARGET_PARENT)
    found = values[-len(_TARGET_SOURCE) :]
    if found[0] is not None:
        source = Source.from_db(using, _TARGET_SOURCE, found)
        source.project = project
        if length is not None and 0 <= start < end:
            source.__dict__.update(_quote=quote, _length=length, _slice_span=span)
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
    coding = Coding(source=source, code=code, coder=coder, start=start, end=end)
    found = None
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= MAX_OFFSET:
        found = source_slice(source, start, end)[0]  # also remembers the text's length
    coding.full_clean(
        exclude=["source", "code", "coder"], validate_unique=False, validate_constraints=False
    )
    if quote is not None and found != quote:
        raise ValidationError(QUOTE_MISMATCH)
    memo = memo.strip()
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
    with connection.cursor() as cursor:
        cursor.execute(
            ", ".join(sql) + f" SELECT {qn(Coding._meta.pk.column)} FROM new_coding", params
        )
        row = cursor.fetchone()
    if row is None:
        return False
    coding.pk = row[0]
    coding._state.adding, coding._state.db = False, using
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


def _create_codes(
    project: Project, nodes: list[CodeTemplate], parent: Code | None, user
) -> list[Code]:
    created: list[Code] = []
    siblings = Code.objects.filter(project=project, parent=parent)
    next_order = siblings.count()
    for node in nodes:
        code = siblings.filter(name__iexact=node["name"]).first()
        if code is None:
            code = Code(
                project=project,
                parent=parent,
                name=node["name"],
                colour=node.get("colour", "#1e88e5"),
                definition=node.get("definition", ""),
                inclusion=node.get("inclusion", ""),
                exclusion=node.get("exclusion", ""),
                example=node.get("example", ""),
                order=next_order,
            )
            code.full_clean()
            code.save()
            next_order += 1
            created.append(code)
            change_record(user=user, action=ChangeAction.CREATE, obj=code, project=project)
        created.extend(_create_codes(project, node.get("children", []), code, user))
    return created


@transaction.atomic
def codebook_apply_template(*, project: Project, template: str, user=None) -> list[Code]:
    """Add a template's codes to a project; codes it already has (same path) are kept."""
    if template not in TEMPLATES:
        raise ValidationError(f"There is no codebook template called “{template}”.")
    _label, nodes = TEMPLATES[template]
    return _create_codes(project, nodes, None, user)
