"""A source's text laid out in pieces, kept with the source.

Pages draw only the stretch of a text on screen and near it: the text's blocks (speaker
turns, and paragraphs outside turns; `interviews.reading`) are grouped into pieces of about
`PIECE_SIZE` code points, each piece whole blocks, and a page asks for the pieces it shows
(`api/routers/text.py`). Pieces cover the text without a gap — piece n+1 begins where piece
n ends (the blank between two blocks belongs to the piece before it) — so a page can rebuild
any passage exactly. Offsets are code points, half-open [start, end).

Laying out a text reads all of it and all its turns, which grows with its length; so the
pieces are stored (`SourcePiece`) when a source is imported, forgotten when its text or its
turns change (`Source.text_derived_refresh`), and laid out again on the first request that
finds none. A request then reads only the rows and the slice of text it sends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from django.db import transaction

from interviews.bulk import rows_insert
from interviews.models import Segment, SegmentKind, Source, SourcePiece
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


def text_pieces(text: str, turns: list) -> list[Piece]:
    """The pieces of `text` with its speaker turns (start, end, speaker, timestamp)."""
    return pieces_of(blocks_cut(reading_blocks(text, turns)), len(text))


def source_pieces_store(
    source_id: int, text: str | None = None, pieces: list[Piece] | None = None, *, new=False
) -> None:
    """Lay out the source's text as it is stored now (`text`, when the caller holds it, in
    the transaction that stored it) and keep its pieces, once: a second request laying out
    the same text at the same moment adds nothing. `pieces`: the text's pieces when the
    caller has laid them out already (`text_pieces` of the text and its turns). `new`: the
    source was created in the caller's transaction, so no other request can lay it out
    meanwhile, and its pieces go straight in (`interviews.bulk.rows_insert`: on PostgreSQL
    a COPY, a third of the time of an insert that passes over conflicts). Inside the
    caller's transaction no savepoint is made: nothing here is caught and gone past."""
    with transaction.atomic(savepoint=False):
        if pieces is None:
            pieces = _pieces_read(source_id, text)
        rows = [
            (
                source_id,
                piece.index,
                piece.start,
                piece.end,
                [[b.start, b.end, b.speaker, b.timestamp, b.part] for b in piece.blocks],
            )
            for piece in pieces
        ]
        if new:
            rows_insert(
                SourcePiece,
                ["source_id", "index", "start", "end", "blocks"],
                ((*row[:4], json.dumps(row[4])) for row in rows),
            )
            return
        SourcePiece.objects.bulk_create(
            [
                SourcePiece(source_id=s, index=i, start=start, end=end, blocks=blocks)
                for s, i, start, end, blocks in rows
            ],
            batch_size=500,
            ignore_conflicts=True,
        )


def _pieces_read(source_id: int, text: str | None) -> list[Piece]:
    """The pieces of the source's stored text and turns (`text` when the caller holds it)."""
    if text is None:
        # Locked as a revision locks it: the text read here is the one the pieces keep,
        # never one a revision replaces (and forgets the pieces of) meanwhile.
        text = Source.objects.select_for_update().values_list("text", flat=True).get(pk=source_id)
    turns = [
        TurnRow(*row)
        for row in Segment.objects.filter(source_id=source_id, kind=SegmentKind.TURN)
        .order_by("start")
        .values_list("start", "end", "speaker", "timestamp")
    ]
    return text_pieces(text, turns)


class TurnRow:
    """A speaker turn as its segment row keeps it."""

    __slots__ = ("start", "end", "speaker", "timestamp")

    def __init__(self, start: int, end: int, speaker: str, timestamp: float | None) -> None:
        self.start, self.end, self.speaker, self.timestamp = start, end, speaker, timestamp
