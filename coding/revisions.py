"""Codings follow their words when a source's text is revised (de-identified or corrected).

Connected to `interviews.deid.revisions.source_revised`; runs inside the revision's
transaction. Every coding keeps its words: a boundary inside a replaced range grows to the
whole replacement. A correction that would leave a coding with no words at all is refused
(nothing changes). Two codings of the same code and coder that end up on exactly the same
words become one, keeping both memos. Each moved coding and the revision itself are
recorded in the history.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from coding.models import Change, ChangeAction, Coding, Memo
from coding.services import coding_snapshot


def codings_follow(sender, *, source, revision, span_map, user, **kwargs) -> int:
    codings = list(
        Coding.objects.filter(source=source).select_related("code", "coder").order_by("pk")
    )
    moved: list[tuple[Coding, dict]] = []
    lost: list[Coding] = []
    for coding in codings:
        start, end = span_map.span(coding.start, coding.end)
        if start >= end:
            lost.append(coding)
        elif (start, end) != (coding.start, coding.end):
            before = coding_snapshot(coding)
            coding.start, coding.end = start, end
            moved.append((coding, before))
    if lost:
        names = ", ".join(f"“{c.code.name}” by {c.coder.username}" for c in lost[:5])
        raise ValidationError(
            f"This change would remove every word of {len(lost)} coding(s) ({names}). "
            "Keep at least one of their words, or delete those codings first."
        )
    # Codings that now cover the same words with the same code and coder become one.
    kept: dict[tuple, Coding] = {}
    joined: list[tuple[Coding, Coding]] = []
    moved_pks = {coding.pk for coding, _ in moved}
    for coding in sorted(codings, key=lambda c: (c.pk in moved_pks, c.pk)):
        key = (coding.code_id, coding.coder_id, coding.start, coding.end)
        if key in kept:
            joined.append((coding, kept[key]))
        else:
            kept[key] = coding
    history = []

    def record(action: str, obj, before: dict, after: dict) -> None:
        history.append(
            Change(
                project=source.project,
                user=user,
                action=action,
                object_type=obj._meta.model_name,
                object_guid=obj.guid,
                source=source,
                before=before,
                after=after,
            )
        )

    for duplicate, survivor in joined:
        Memo.objects.filter(coding=duplicate).update(coding=survivor)
        after = {"collapsed_into": str(survivor.guid), "code_path": survivor.code.full_path}
        record(ChangeAction.MERGE, duplicate, coding_snapshot(duplicate), after)
    duplicates = {d.pk for d, _ in joined}
    Coding.objects.filter(pk__in=duplicates).delete()
    # Move codings in two steps so that no unique span is taken twice along the way.
    to_move = [c for c, _ in moved if c.pk not in duplicates]
    targets = {c.pk: (c.start, c.end) for c in to_move}
    offset = 2 * max([len(source.text), *[c.end for c in to_move], 1])
    for coding in to_move:
        coding.start, coding.end = coding.start + offset, coding.end + offset
    Coding.objects.bulk_update(to_move, ["start", "end"], batch_size=500)
    for coding in to_move:
        coding.start, coding.end = targets[coding.pk]
    Coding.objects.bulk_update(to_move, ["start", "end"], batch_size=500)
    for coding, before in moved:
        if coding.pk in duplicates:
            continue
        record(ChangeAction.MOVE, coding, before, coding_snapshot(coding))
    summary = {
        "revision": revision.number,
        "kind": revision.kind,
        "changes": len(revision.edits),
        "codings_moved": len(to_move),
        "codings_joined": len(joined),
    }
    record(ChangeAction.UPDATE, source, {"revision": revision.number - 1}, summary)
    Change.objects.bulk_create(history)
    return len(to_move)
