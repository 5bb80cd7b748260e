"""Editing a text while keeping every span anchored to its words (pure, no database).

An edit replaces the half-open range [start, end) of the old text with new words; an empty
range inserts, an empty replacement deletes. Edits of one revision never overlap and are
given in old-text positions. Anything anchored to the text (codings, segments, key spans)
moves with `span_map`:

- a boundary outside every edit keeps its words: it moves by what the edits before it
  added or removed;
- a span that starts or ends inside an edited range grows to the whole of its
  replacement, so a coding that covered part of a name covers its whole placeholder, and
  one that started just after it still starts just after the placeholder;
- words inserted exactly at a span's boundary stay outside it (insertions inside it join it).

So the new text of a span is its old text, grown outwards to the edges of any edit it
touched, with the edits inside applied, and no span loses its words or shifts off them.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str

    @property
    def delta(self) -> int:
        return len(self.text) - (self.end - self.start)

    def as_list(self) -> list:
        return [self.start, self.end, self.text]


class EditError(ValueError):
    """Edits that cannot apply to a text (overlapping or out of range)."""


def normalised(edits: Iterable[Edit | Sequence], length: int) -> list[Edit]:
    """The edits sorted, checked (in range, not overlapping) and without no-ops."""
    result = sorted(
        (e if isinstance(e, Edit) else Edit(int(e[0]), int(e[1]), str(e[2])) for e in edits),
        key=lambda e: (e.start, e.end),
    )
    previous_end = 0
    checked: list[Edit] = []
    for edit in result:
        if not 0 <= edit.start <= edit.end <= length:
            raise EditError(f"The change [{edit.start}, {edit.end}) lies outside the text.")
        if edit.start < previous_end or (
            checked and edit.start == previous_end == checked[-1].start == checked[-1].end
        ):
            raise EditError(f"Two changes overlap at position {edit.start}.")
        previous_end = edit.end
        checked.append(edit)
    return checked


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """The text with the (normalised) edits applied."""
    pieces: list[str] = []
    position = 0
    for edit in edits:
        pieces.append(text[position : edit.start])
        pieces.append(edit.text)
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)


class SpanMap:
    """Maps spans of the old text to spans of the new one, for one list of edits."""

    def __init__(self, edits: Sequence[Edit]):
        self.edits = list(edits)
        self.starts = [e.start for e in self.edits]
        self.shifts = [0]  # shifts[k]: what the first k edits added (negative: removed)
        for edit in self.edits:
            self.shifts.append(self.shifts[-1] + edit.delta)

    def _replacement(self, index: int) -> tuple[int, int]:
        edit = self.edits[index]
        begin = edit.start + self.shifts[index]
        return begin, begin + len(edit.text)

    def start(self, position: int) -> int:
        """Where a span starting at `position` starts in the new text."""
        before = bisect.bisect_left(self.starts, position)  # edits starting before it
        if before and self.edits[before - 1].end > position:
            return self._replacement(before - 1)[0]  # starts inside a replaced range
        if before < len(self.edits) and self.edits[before].end == position:
            before += 1  # words inserted at the span's start stay before it
        return position + self.shifts[before]

    def end(self, position: int) -> int:
        """Where a span ending at `position` ends in the new text."""
        before = bisect.bisect_left(self.starts, position)
        if before and self.edits[before - 1].end >= position:
            edit = self.edits[before - 1]
            if edit.start < edit.end:
                return self._replacement(before - 1)[1]  # ends inside or at a replaced range
        return position + self.shifts[before]  # words inserted at its end stay after it

    def span(self, start: int, end: int) -> tuple[int, int]:
        new_start, new_end = self.start(start), self.end(end)
        return new_start, max(new_start, new_end)


_TOKENS = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


def diff_edits(old: str, new: str) -> list[Edit]:
    """The edits that turn `old` into `new`, word by word (as a person reads a correction)."""
    if old == new:
        return []
    old_tokens = _TOKENS.findall(old)
    new_tokens = _TOKENS.findall(new)
    old_offsets = _offsets(old_tokens)
    new_offsets = _offsets(new_tokens)
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    edits: list[Edit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(Edit(old_offsets[i1], old_offsets[i2], new[new_offsets[j1] : new_offsets[j2]]))
    return edits


def _offsets(tokens: list[str]) -> list[int]:
    offsets = [0]
    for token in tokens:
        offsets.append(offsets[-1] + len(token))
    return offsets
