"""A source's text in pieces for the coding page.

The page draws only the stretch of text on screen and near it: the text's blocks (speaker
turns, and paragraphs outside turns; `interviews.reading`) are grouped into pieces of about
`PIECE_SIZE` code points, each piece whole blocks, and the page asks for the pieces it shows
through the API. Pieces cover the text without a gap — piece n+1 begins where piece n ends
(the blank between two blocks belongs to the piece before it) — so the page can rebuild any
passage exactly. Offsets are code points, half-open [start, end).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from coding.turn_labels import label_length
from interviews.models import SegmentKind, Source
from interviews.reading import Block, reading_blocks

PIECE_SIZE = 3000
# A block longer than this (a paragraph of a document without blank lines, a very long turn)
# is cut into parts at a blank, so that no piece grows with the text.
BLOCK_LIMIT = 4 * PIECE_SIZE


@dataclass(frozen=True)
class Piece:
    index: int
    start: int
    end: int
    blocks: tuple[Block, ...]


def blocks_cut(blocks: list[Block], limit: int = BLOCK_LIMIT) -> list[Block]:
    """The blocks with each one longer than `limit` cut into parts of at most `limit` code
    points, at the last white space before the limit (or at the limit when there is none)."""
    cut: list[Block] = []
    for block in blocks:
        while block.end - block.start > limit:
            head = block.text[:limit]
            at = max(head.rfind(" "), head.rfind("\n"))
            at = at + 1 if at > 0 else limit
            cut.append(replace(block, end=block.start + at, text=block.text[:at]))
            # The rest is the same turn, with no speaker label at its head.
            block = replace(
                block, start=block.start + at, text=block.text[at:], timestamp=None, part=True
            )
        cut.append(block)
    return cut


def pieces_of(blocks: list[Block], length: int, size: int = PIECE_SIZE) -> list[Piece]:
    """Whole blocks grouped into pieces of about `size` code points covering [0, length)."""
    pieces: list[Piece] = []
    current: list[Block] = []
    start = 0
    for block in blocks:
        if current and block.start - start >= size:
            pieces.append(Piece(len(pieces), start, block.start, tuple(current)))
            current, start = [], block.start
        current.append(block)
    pieces.append(Piece(len(pieces), start, length, tuple(current)))
    return pieces


@dataclass(frozen=True)
class Layout:
    """A source's text and its pieces."""

    text: str
    pieces: list[Piece]

    def covering(self, start: int, end: int) -> list[Piece]:
        """The pieces that hold any of [start, end), or the one holding `start` when empty."""
        end = max(end, start + 1)
        return [p for p in self.pieces if p.start < end and (p.end > start or p is self.last)]

    @property
    def last(self) -> Piece:
        return self.pieces[-1]


def source_layout(source: Source, text: str) -> Layout:
    """The pieces of `text`, the source's text as the reader may read it."""
    turns = [
        _Turn(start, end, speaker, timestamp)
        for start, end, speaker, timestamp in source.segments.filter(kind=SegmentKind.TURN)
        .order_by("start")
        .values_list("start", "end", "speaker", "timestamp")
    ]
    blocks = blocks_cut(reading_blocks(text, turns))
    return Layout(text=text, pieces=pieces_of(blocks, len(text)))


def pieces_json(source: Source, layout: Layout, pieces: list[Piece]) -> list[dict]:
    """The pieces as the page draws them: their text, blocks and stored sentences."""
    if not pieces:
        return []
    within = {"start__lt": pieces[-1].end, "end__gt": pieces[0].start}
    sentences = list(
        source.segments.filter(kind=SegmentKind.SENTENCE, **within)
        .order_by("start")
        .values_list("start", "end")
    )
    # Who speaks in each turn of these pieces, as coders may see it: the pseudonym,
    # "Interviewer", or the label itself when it is mapped to no one.
    names = {
        start: pseudonym or ("Interviewer" if is_interviewer else speaker)
        for start, speaker, pseudonym, is_interviewer in source.segments.filter(
            kind=SegmentKind.TURN, **within
        ).values_list("start", "speaker", "interviewee__pseudonym", "is_interviewer")
    }
    rows = []
    for piece in pieces:
        rows.append(
            {
                "index": piece.index,
                "start": piece.start,
                "end": piece.end,
                "text": layout.text[piece.start : piece.end],
                "blocks": [_block_json(block, names) for block in piece.blocks],
                "sentences": [[s, e] for s, e in sentences if s < piece.end and e > piece.start],
            }
        )
    return rows


def _block_json(block: Block, names: dict[int, str]) -> dict:
    return {
        "start": block.start,
        "end": block.end,
        # Where the words begin after a leading "Speaker 2:" label, so that coding a whole
        # turn codes the answer only.
        "body_start": block.start + (0 if block.part else label_length(block.text, block.speaker)),
        # A later part of a cut turn names no one: its turn's head does.
        "speaker": "" if block.part or not block.speaker else names.get(block.start, ""),
        "time": block.timestamp_label,
        "part": block.part,
    }


class _Turn:
    __slots__ = ("start", "end", "speaker", "timestamp")

    def __init__(self, start: int, end: int, speaker: str, timestamp: float | None) -> None:
        self.start, self.end, self.speaker, self.timestamp = start, end, speaker, timestamp
