"""Pure layout of a source's text for reading: speaker turns, or paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol


class TurnLike(Protocol):
    start: int
    end: int
    speaker: str
    timestamp: float | None


@dataclass(frozen=True)
class Block:
    start: int
    end: int
    text: str
    speaker: str = ""
    timestamp: float | None = None
    # The second or later part of a block cut for length (no speaker label at its head).
    part: bool = False

    @property
    def timestamp_label(self) -> str:
        return timestamp_label(self.timestamp)


def timestamp_label(seconds: float | None) -> str:
    """A turn's time as pages show it, "01:02:03", or "" without one."""
    if seconds is None:
        return ""
    total = int(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each paragraph (text between blank lines), without surrounding space."""
    spans: list[tuple[int, int]] = []
    position = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        stop = match.start() if match else len(text)
        chunk = text[position:stop]
        stripped = chunk.strip()
        if stripped:
            start = position + (len(chunk) - len(chunk.lstrip()))
            spans.append((start, start + len(stripped)))
        if match:
            position = match.end()
    return spans


def reading_blocks(text: str, turns: list[TurnLike]) -> list[Block]:
    """Blocks that cover the text: each turn with its speaker, and paragraphs between turns."""
    if not turns:
        return [Block(s, e, text[s:e]) for s, e in paragraph_spans(text)]
    blocks: list[Block] = []
    position = 0
    for turn in sorted(turns, key=lambda t: t.start):
        if turn.start > position:
            for s, e in paragraph_spans(text[position : turn.start]):
                blocks.append(Block(position + s, position + e, text[position + s : position + e]))
        speaker = getattr(turn, "display_speaker", turn.speaker)
        blocks.append(
            Block(turn.start, turn.end, text[turn.start : turn.end], speaker, turn.timestamp)
        )
        position = max(position, turn.end)
    for s, e in paragraph_spans(text[position:]):
        blocks.append(Block(position + s, position + e, text[position + s : position + e]))
    return blocks
