"""Restoring what a change deleted: a code (with the codings deleted together with it) or a
coding, with their memos, under their old guids."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from coding.codebook_services import _next_order, _sibling_clash, _where
from coding.models import Change, ChangeAction, Code, Coding, Memo
from coding.services import change_record
from interviews.models import Project, Source


def restorable(change: Change) -> bool:
    """A deleted code or coding that does not exist again."""
    return change.pk in restorable_ids([change])


def restorable_ids(changes) -> set[int]:
    """Ids of the changes that are deletions of codes or codings not existing again.

    Two queries at most, however many changes: the history page asks this for a whole page.
    """
    deletions = [
        c
        for c in changes
        if c.action == ChangeAction.DELETE and c.object_type in ("code", "coding")
    ]
    existing: set = set()
    for object_type, model in (("code", Code), ("coding", Coding)):
        guids = {c.object_guid for c in deletions if c.object_type == object_type}
        if guids:
            existing |= set(model.objects.filter(guid__in=guids).values_list("guid", flat=True))
    return {c.pk for c in deletions if c.object_guid not in existing}


def _restore_memos(project: Project, snapshots: list[dict], **target) -> None:
    User = get_user_model()
    for snap in snapshots or []:
        if Memo.objects.filter(guid=snap["guid"]).exists():
            continue
        author = User.objects.filter(username=snap.get("author")).first()
        Memo.objects.create(
            project=project,
            guid=uuid.UUID(snap["guid"]),
            author=author,
            title=snap.get("title", ""),
            text=snap["text"],
            **target,
        )


@transaction.atomic
def code_restore(*, change: Change, user) -> tuple[Code, int]:
    """Bring back a deleted code (same guid) and the codings deleted together with it."""
    if change.object_type != "code" or not restorable(change):
        raise ValidationError("This change cannot be restored.")
    snap = change.before or {}
    project = change.project
    parent = None
    if snap.get("parent"):
        parent = Code.objects.filter(project=project, guid=snap["parent"]).first()
    if _sibling_clash(project, parent, snap["name"]):
        raise ValidationError(
            f"There is already a code called “{snap['name']}” {_where(parent)}; "
            "rename it before restoring."
        )
    code = Code.from_fields(
        project=project,
        parent=parent,
        name=snap["name"],
        order=_next_order(project, parent),
        fields=snap,
        guid=change.object_guid,
    )
    code.full_clean()
    code.save()
    _restore_memos(project, snap.get("memos", []), code=code)
    change_record(user=user, action=ChangeAction.RESTORE, obj=code, project=project)
    restored = 0
    for coding_change in Change.objects.filter(
        project=project,
        object_type="coding",
        action=ChangeAction.DELETE,
        before__deleted_with_code=str(code.guid),
    ).order_by("pk"):
        if restorable(coding_change):
            coding_restore(change=coding_change, user=user)
            restored += 1
    return code, restored


@transaction.atomic
def coding_restore(*, change: Change, user) -> Coding:
    """Bring back a deleted coding (same guid, span, code and coder) with its memos."""
    if change.object_type != "coding" or not restorable(change):
        raise ValidationError("This change cannot be restored.")
    snap = change.before or {}
    project = change.project
    source = Source.objects.filter(project=project, guid=snap.get("source")).first()
    if source is None:
        raise ValidationError("The coding's source no longer exists.")
    code = Code.objects.filter(project=project, guid=snap.get("code")).first()
    if code is None:
        raise ValidationError(
            f"The code “{snap.get('code_path', '')}” no longer exists; restore it first."
        )
    coder = get_user_model().objects.filter(username=snap.get("coder")).first()
    if coder is None:
        raise ValidationError("The coding's coder no longer exists.")
    if Coding.objects.filter(
        source=source, code=code, coder=coder, start=snap["start"], end=snap["end"]
    ).exists():
        raise ValidationError("The same coding exists already.")
    coding = Coding(
        guid=change.object_guid,
        source=source,
        code=code,
        coder=coder,
        start=snap["start"],
        end=snap["end"],
    )
    coding.full_clean(validate_unique=False, validate_constraints=False)
    coding.save()
    _restore_memos(project, snap.get("memos", []), coding=coding)
    change_record(user=user, action=ChangeAction.RESTORE, obj=coding, project=project)
    return coding
