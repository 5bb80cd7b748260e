"""Editing the codebook: create, update, move, reorder, merge and delete codes, without losing
a coding or its history.

Every function here runs in one transaction and records what it changed in `Change`
(who, when, before and after), so that history is visible per code and per source and a
lead can restore what was deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from coding.codebook_templates import TEMPLATES, CodeTemplate
from coding.models import DEFAULT_COLOUR, Change, ChangeAction, Code, Coding, Memo
from coding.services import change_record, code_snapshot
from interviews.models import Project

CODE_FIELDS = ("name", "colour", "definition", "inclusion", "exclusion", "example", "is_codable")
DELETE_CHOICES = {
    "parent": "Move its codings to the parent code",
    "delete": "Delete its codings",
}
CHUNK = 2000


# Small helpers ---------------------------------------------------------------------------


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _sibling_clash(project: Project, parent: Code | None, name: str, exclude_pk=None) -> bool:
    siblings = Code.objects.filter(project=project, parent=parent, name__iexact=name.strip())
    if exclude_pk is not None:
        siblings = siblings.exclude(pk=exclude_pk)
    return siblings.exists()


def _where(parent: Code | None) -> str:
    return f"under “{parent.full_path}”" if parent else "at the top level"


def _next_order(project: Project, parent: Code | None) -> int:
    top = Code.objects.filter(project=project, parent=parent).aggregate(m=Max("order"))["m"]
    return 0 if top is None else top + 1


def _memo_snapshot(memo: Memo) -> dict:
    return {
        "guid": str(memo.guid),
        "title": memo.title,
        "text": memo.text,
        "author": memo.author.username if memo.author_id else None,
    }


def _coding_rows(codings) -> list[dict]:
    """Snapshots of many codings in a few queries (the shape of `coding_snapshot`)."""
    return list(
        codings.values(
            "pk",
            "guid",
            "source_id",
            "source__guid",
            "coder_id",
            "coder__username",
            "start",
            "end",
        )
    )


def _snapshot_from_row(row: dict, code_guid, code_path: str) -> dict:
    return {
        "source": str(row["source__guid"]),
        "code": str(code_guid),
        "code_path": code_path,
        "coder": row["coder__username"],
        "start": row["start"],
        "end": row["end"],
    }


def _changes_bulk(project: Project, user, items: list[tuple[str, dict, dict | None, dict | None]]):
    """Record many coding changes at once: (action, row, before, after)."""
    now = timezone.now()
    Change.objects.bulk_create(
        [
            Change(
                project=project,
                user=user,
                at=now,
                action=action,
                object_type="coding",
                object_guid=row["guid"],
                source_id=row["source_id"],
                before=before,
                after=after,
            )
            for action, row, before, after in items
        ],
        batch_size=1000,
    )


# Create, edit, move, reorder -------------------------------------------------------------


@transaction.atomic
def code_create(
    *,
    project: Project,
    user,
    name: str,
    parent: Code | None = None,
    colour: str = DEFAULT_COLOUR,
    definition: str = "",
    inclusion: str = "",
    exclusion: str = "",
    example: str = "",
    is_codable: bool = True,
) -> Code:
    if parent is not None and parent.project_id != project.pk:
        raise ValidationError("The parent code belongs to another project.")
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the code a name.")
    if _sibling_clash(project, parent, name):
        raise ValidationError(
            f"There is already a code called “{name}” {_where(parent)}.", code="conflict"
        )
    code = Code.from_fields(
        project=project,
        parent=parent,
        name=name,
        order=_next_order(project, parent),
        fields={
            "colour": colour,
            "definition": definition,
            "inclusion": inclusion,
            "exclusion": exclusion,
            "example": example,
            "is_codable": is_codable,
        },
    )
    code.full_clean()
    code.save()
    change_record(user=user, action=ChangeAction.CREATE, obj=code, project=project)
    return code


@transaction.atomic
def code_update(*, code: Code, user, **fields) -> Code:
    """Rename, recolour or edit the definition, criteria and example of a code."""
    unknown = set(fields) - set(CODE_FIELDS)
    if unknown:
        raise ValueError(f"cannot update {sorted(unknown)}")
    code = Code.objects.select_for_update().get(pk=code.pk)
    before = code_snapshot(code)
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationError("Give the code a name.")
        if _sibling_clash(code.project, code.parent, fields["name"], exclude_pk=code.pk):
            raise ValidationError(
                f"There is already a code called “{fields['name']}” {_where(code.parent)}.",
                code="conflict",
            )
    if fields.get("is_codable") is False and code.is_codable:
        count = Coding.objects.filter(code=code).count()
        if count:
            raise ValidationError(
                f"“{code.name}” has {count} coding{'s' if count != 1 else ''}, so it cannot "
                "become a grouping code; move its codings to a sub-code (merge) first."
            )
    for name, value in fields.items():
        setattr(code, name, value)
    code.full_clean()
    after = code_snapshot(code)
    if after == before:
        return code
    code.save()
    change_record(user=user, action=ChangeAction.UPDATE, obj=code, before=before, after=after)
    return code


@transaction.atomic
def code_move(*, code: Code, user, parent: Code | None) -> Code:
    """Put a code (with its sub-codes and codings) under another parent, last among siblings."""
    code = Code.objects.select_for_update().get(pk=code.pk)
    if parent is not None:
        if parent.project_id != code.project_id:
            raise ValidationError("The new parent code belongs to another project.")
        if parent.pk == code.pk or parent.pk in code.descendant_ids():
            raise ValidationError(
                f"“{code.name}” cannot be moved under itself or one of its own sub-codes."
            )
    if code.parent_id == (parent.pk if parent else None):
        return code
    if _sibling_clash(code.project, parent, code.name, exclude_pk=code.pk):
        raise ValidationError(
            f"There is already a code called “{code.name}” {_where(parent)}.", code="conflict"
        )
    before = code_snapshot(code)
    code.parent = parent
    code.order = _next_order(code.project, parent)
    code.full_clean()
    code.save()
    change_record(user=user, action=ChangeAction.MOVE, obj=code, before=before)
    return code


@transaction.atomic
def code_reorder(*, code: Code, user, direction: str) -> Code:
    """Move a code one place up or down among its siblings."""
    if direction not in ("up", "down"):
        raise ValidationError("Move a code up or down.")
    siblings = list(
        Code.objects.filter(project=code.project_id, parent=code.parent_id).order_by(
            "order", "name", "pk"
        )
    )
    index = next(i for i, c in enumerate(siblings) if c.pk == code.pk)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(siblings):
        return code
    before = code_snapshot(siblings[index])
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        if sibling.order != position:
            Code.objects.filter(pk=sibling.pk).update(order=position)
    moved = Code.objects.get(pk=code.pk)
    change_record(user=user, action=ChangeAction.MOVE, obj=moved, before=before)
    return moved


# Merge and delete ------------------------------------------------------------------------


@dataclass
class CodingsMoved:
    moved: int = 0
    collapsed: int = 0
    memos_repointed: int = 0


def _move_codings(*, project: Project, user, from_code: Code, to_code: Code) -> CodingsMoved:
    """Give every coding of one code to another; exact duplicates collapse into the existing.

    A duplicate is a coding of the target with the same source, coder, start and end; the
    moving coding's memos are re-pointed to it before the moving one is removed.
    """
    result = CodingsMoved()
    rows = _coding_rows(Coding.objects.filter(code=from_code))
    if not rows:
        return result
    source_ids = {r["source_id"] for r in rows}
    existing = {
        (source_id, coder_id, start, end): pk
        for pk, source_id, coder_id, start, end in Coding.objects.filter(
            code=to_code, source_id__in=source_ids
        ).values_list("pk", "source_id", "coder_id", "start", "end")
    }
    from_path, to_path = from_code.full_path, to_code.full_path
    moving: list[dict] = []
    duplicates: list[tuple[dict, int]] = []
    for row in rows:
        key = (row["source_id"], row["coder_id"], row["start"], row["end"])
        if key in existing:
            duplicates.append((row, existing[key]))
        else:
            moving.append(row)
    now = timezone.now()
    for chunk in _chunks([r["pk"] for r in moving]):
        Coding.objects.filter(pk__in=chunk).update(code=to_code, modified_at=now)
    survivors = {r["pk"]: target for r, target in duplicates}
    guid_of = dict(Coding.objects.filter(pk__in=survivors.values()).values_list("pk", "guid"))
    for memo in Memo.objects.filter(coding_id__in=list(survivors)):
        memo.coding_id = survivors[memo.coding_id]
        memo.save(update_fields=["coding"])
        result.memos_repointed += 1
    for chunk in _chunks(list(survivors)):
        Coding.objects.filter(pk__in=chunk).delete()
    changes = [
        (
            ChangeAction.MOVE,
            row,
            _snapshot_from_row(row, from_code.guid, from_path),
            _snapshot_from_row(row, to_code.guid, to_path),
        )
        for row in moving
    ]
    changes += [
        (
            ChangeAction.MERGE,
            row,
            _snapshot_from_row(row, from_code.guid, from_path),
            {"collapsed_into": str(guid_of[target]), "code_path": to_path},
        )
        for row, target in duplicates
    ]
    _changes_bulk(project, user, changes)
    result.moved, result.collapsed = len(moving), len(duplicates)
    return result


def _lift_children(*, code: Code, to_parent: Code | None, user) -> list[str]:
    """Re-parent a code's sub-codes (refusing a name clash at the new level)."""
    children = list(code.children.order_by("order", "name", "pk"))
    clashes = [
        c.name
        for c in children
        if Code.objects.filter(project=code.project, parent=to_parent, name__iexact=c.name)
        .exclude(pk=code.pk)
        .exists()
    ]
    if clashes:
        raise ValidationError(
            f"“{code.name}” has sub-codes named like codes {_where(to_parent)}: "
            + ", ".join(f"“{n}”" for n in clashes)
            + ". Rename or merge them first."
        )
    order = _next_order(code.project, to_parent)
    lifted = []
    for child in children:
        before = code_snapshot(child)
        child.parent = to_parent
        child.order = order
        order += 1
        child.save(update_fields=["parent", "order", "updated_at"])
        change_record(
            user=user, action=ChangeAction.MOVE, obj=child, before=before, project=code.project
        )
        lifted.append(child.name)
    return lifted


@dataclass
class MergeReport:
    source_name: str
    target_path: str
    moved: int
    collapsed: int
    memos_repointed: int
    children_moved: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        text = (
            f"Merged “{self.source_name}” into “{self.target_path}”: "
            f"{self.moved} coding{'s' if self.moved != 1 else ''} moved"
        )
        if self.collapsed:
            text += f", {self.collapsed} exact duplicate{'s' if self.collapsed != 1 else ''} joined"
        return text + "."


def _check_merge(code: Code, into: Code) -> None:
    """ValidationError when `code` cannot be merged into `into`."""
    if into.project_id != code.project_id:
        raise ValidationError("Codes of different projects cannot be merged.")
    if into.pk == code.pk:
        raise ValidationError("A code cannot be merged into itself.")
    if into.pk in code.descendant_ids():
        raise ValidationError(
            f"“{code.name}” cannot be merged into its own sub-code “{into.name}”; "
            "move that sub-code out first."
        )
    if not into.is_codable and code.codings.exists():
        raise ValidationError(
            f"“{into.name}” is a grouping code and cannot hold codings; choose another code."
        )


@transaction.atomic
def code_merge(*, code: Code, into: Code, user) -> MergeReport:
    """Merge `code` into `into`: every coding, memo and sub-code moves, then `code` goes."""
    code = Code.objects.select_for_update().get(pk=code.pk)
    into = Code.objects.select_for_update().get(pk=into.pk)
    _check_merge(code, into)
    project = code.project
    before = code_snapshot(code)
    children = _lift_children(code=code, to_parent=into, user=user)
    moved = _move_codings(project=project, user=user, from_code=code, to_code=into)
    memos = Memo.objects.filter(code=code).update(code=into)
    report = MergeReport(
        source_name=code.name,
        target_path=into.full_path,
        moved=moved.moved,
        collapsed=moved.collapsed,
        memos_repointed=moved.memos_repointed + memos,
        children_moved=children,
    )
    change_record(
        project=project,
        user=user,
        action=ChangeAction.MERGE,
        obj=code,
        before=before,
        after={
            "merged_into": str(into.guid),
            "path": into.full_path,
            "codings_moved": moved.moved,
            "codings_collapsed": moved.collapsed,
        },
    )
    code.delete()
    return report


@dataclass
class MergeImpact:
    codings: int  # codings of the code that move
    duplicates: int  # of those, exact duplicates of a coding of the target, which join it
    coders: int
    memos: int  # memos on the code and on its codings, which go with them
    subcodes: list[str]  # names of the sub-codes that move under the target


def code_merge_impact(code: Code, into: Code) -> MergeImpact:
    """What merging `code` into `into` would move, shown before the user confirms;
    ValidationError when the merge is not possible."""
    _check_merge(code, into)
    codings = Coding.objects.filter(code=code)
    target = set(
        Coding.objects.filter(code=into).values_list("source_id", "coder_id", "start", "end")
    )
    rows = list(codings.values_list("source_id", "coder_id", "start", "end"))
    return MergeImpact(
        codings=len(rows),
        duplicates=sum(row in target for row in rows),
        coders=len({row[1] for row in rows}),
        memos=Memo.objects.filter(code=code).count()
        + Memo.objects.filter(coding__code=code).count(),
        subcodes=list(code.children.order_by("order", "name").values_list("name", flat=True)),
    )


@dataclass
class DeleteImpact:
    codings: int
    subcodes: int
    memos: int
    coders: int


def code_delete_impact(code: Code) -> DeleteImpact:
    """What deleting a code would affect, shown before the user chooses."""
    codings = Coding.objects.filter(code=code)
    return DeleteImpact(
        codings=codings.count(),
        subcodes=code.children.count(),
        memos=Memo.objects.filter(code=code).count()
        + Memo.objects.filter(coding__code=code).count(),
        coders=codings.values("coder").distinct().count(),
    )


@transaction.atomic
def code_delete(*, code: Code, user, codings: str) -> str:
    """Delete a code; its codings move to the parent (`codings="parent"`) or go (`"delete"`).

    Sub-codes are kept and move up to the deleted code's parent. Deleted codings keep a full
    snapshot (with their memos) in the history so that a lead can restore them.
    """
    if codings not in DELETE_CHOICES:
        raise ValidationError(
            "Choose what happens to the code's codings: move them or delete them."
        )
    code = Code.objects.select_for_update().get(pk=code.pk)
    project, parent = code.project, code.parent
    count = Coding.objects.filter(code=code).count()
    if codings == "parent" and count:
        if parent is None:
            raise ValidationError(
                f"“{code.name}” is a top-level code, so its codings have no parent to move to. "
                "Merge it into another code, or delete its codings."
            )
        if not parent.is_codable:
            raise ValidationError(
                f"The parent “{parent.name}” is a grouping code and cannot hold codings. "
                "Merge this code into another code, or delete its codings."
            )
    before = code_snapshot(code)
    before["guid"] = str(code.guid)
    children = _lift_children(code=code, to_parent=parent, user=user)
    if codings == "parent":
        moved = (
            _move_codings(project=project, user=user, from_code=code, to_code=parent)
            if count
            else CodingsMoved()
        )
        Memo.objects.filter(code=code).update(code=parent)
        message = (
            f"Deleted “{code.name}”; {moved.moved} coding{'s' if moved.moved != 1 else ''} "
            f"moved to “{parent.name}”"
            if parent
            else f"Deleted “{code.name}”"
        )
        if moved.collapsed:
            message += f" ({moved.collapsed} exact duplicates joined)"
        before["codings"] = "moved to parent"
    else:
        message = _delete_codings(project=project, user=user, code=code, count=count)
        before["codings"] = "deleted"
        before["memos"] = [_memo_snapshot(m) for m in Memo.objects.filter(code=code)]
    if children:
        message += f"; sub-codes moved up: {', '.join(children)}"
    change_record(user=user, action=ChangeAction.DELETE, obj=code, before=before, project=project)
    code.delete()
    return message + "."


def _delete_codings(*, project: Project, user, code: Code, count: int) -> str:
    rows = _coding_rows(Coding.objects.filter(code=code))
    memos: dict[int, list[dict]] = {}
    for memo in Memo.objects.filter(coding__code=code).select_related("author"):
        memos.setdefault(memo.coding_id, []).append(_memo_snapshot(memo))
    path = code.full_path
    changes = []
    for row in rows:
        before = _snapshot_from_row(row, code.guid, path)
        before["deleted_with_code"] = str(code.guid)
        before["memos"] = memos.get(row["pk"], [])
        changes.append((ChangeAction.DELETE, row, before, None))
    _changes_bulk(project, user, changes)
    for chunk in _chunks([r["pk"] for r in rows]):
        Coding.objects.filter(pk__in=chunk).delete()
    return f"Deleted “{code.name}” and its {count} coding{'s' if count != 1 else ''}"


# Templates -------------------------------------------------------------------------------


def _create_codes(
    project: Project, nodes: list[CodeTemplate], parent: Code | None, user
) -> list[Code]:
    created: list[Code] = []
    siblings = Code.objects.filter(project=project, parent=parent)
    next_order = siblings.count()
    for node in nodes:
        code = siblings.filter(name__iexact=node["name"]).first()
        if code is None:
            code = Code.from_fields(
                project=project, parent=parent, name=node["name"], order=next_order, fields=node
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
