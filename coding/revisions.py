"""Codings and suggestions follow their words when a source's text is revised (de-identified
or corrected).

Connected to `interviews.deid.revisions.source_revised`; runs inside the revision's
transaction. Every coding keeps its words: a boundary inside a replaced range grows to the
whole replacement. A correction that would leave a coding with no words at all is refused
(nothing changes). Two codings of the same code and coder that end up on exactly the same
words become one, keeping both memos. Each moved coding and the revision itself are
recorded in the history. Coding help's suggestions on the source move the same way
(`spans_follow`, the one re-anchoring of both); a suggestion left with no words goes.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import models

from coding.models import Change, ChangeAction, Coding, Memo
from coding.services import coding_snapshot
from coding.suggestion_models import Suggestion, SuggestionStatus


def spans_follow(rows: Sequence, span_map) -> tuple[list[tuple[object, int, int]], list]:
    """Where the words of each row (with .start, .end) are in the revised text: (row, start,
    end) for the rows that move, and the rows left with no words."""
    moved, lost = [], []
    for row in rows:
        start, end = span_map.span(row.start, row.end)
        if start >= end:
            lost.append(row)
        elif (start, end) != (row.start, row.end):
            moved.append((row, start, end))
    return moved, lost


def _rows_move(model: type[models.Model], rows: Sequence, length: int) -> None:
    """Store the new spans of rows unique on their span, in two steps so that no span is
    taken twice along the way."""
    targets = {row.pk: (row.start, row.end) for row in rows}
    offset = 2 * max([length, *[row.end for row in rows], 1])
    for row in rows:
        row.start, row.end = row.start + offset, row.end + offset
    model.objects.bulk_update(rows, ["start", "end"], batch_size=500)
    for row in rows:
        row.start, row.end = targets[row.pk]
    model.objects.bulk_update(rows, ["start", "end"], batch_size=500)


def codings_follow(sender, *, source, revision, span_map, user, **kwargs) -> int:
    codings = list(
        Coding.objects.filter(source=source).select_related("code", "coder").order_by("pk")
    )
    moved: list[tuple[Coding, dict]] = []
    following, lost = spans_follow(codings, span_map)
    for coding, start, end in following:
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
    to_move = [c for c, _ in moved if c.pk not in duplicates]
    _rows_move(Coding, to_move, len(source.text))
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


def suggestions_follow(sender, *, source, revision, span_map, user, **kwargs) -> None:
    """Coding help's suggestions on the source follow their words as codings do; one left
    with no words goes. Two of one code that come to the same words become one: a decided
    one is kept (a rejection stays remembered), else the earliest. Returns nothing: the
    revision counts the codings moved."""
    suggestions = list(Suggestion.objects.filter(source=source).order_by("pk"))
    following, lost = spans_follow(suggestions, span_map)
    for suggestion, start, end in following:
        suggestion.start, suggestion.end = start, end
    gone = {s.pk for s in lost}
    kept: set[tuple[int, int, int]] = set()
    for suggestion in sorted(
        (s for s in suggestions if s.pk not in gone),
        key=lambda s: (s.status == SuggestionStatus.PENDING, s.pk),
    ):
        key = (suggestion.code_id, suggestion.start, suggestion.end)
        if key in kept:
            gone.add(suggestion.pk)
        kept.add(key)
    Suggestion.objects.filter(pk__in=gone).delete()
    _rows_move(Suggestion, [s for s, _, _ in following if s.pk not in gone], len(source.text))
