"""A source's text in pieces, as the coding page and the source's reading page draw it.

The pieces are laid out and kept by `interviews.layout`; this module answers a request for
some of them: their rows, the slice of text they cover (cut by the database from the
source's fixed-width code points, `coding.models.source_slice`), who speaks in their turns
and their stored sentences — what the pages draw, read without reading the rest of the text.
Offsets are code points, half-open [start, end).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max, Q

from coding.models import source_slice
from coding.turn_labels import label_length
from interviews.layout import source_pieces_store
from interviews.models import SegmentKind, Source, SourcePiece
from interviews.reading import timestamp_label


@dataclass(frozen=True)
class Pieces:
    """Some pieces of a source's text, with the text they cover."""

    length: int
    count: int
    outline: list[tuple[int, int]] | None
    rows: list[SourcePiece]
    text: str  # text[rows[0].start : rows[-1].end]

    @property
    def start(self) -> int:
        return self.rows[0].start if self.rows else 0


def source_length(source: Source) -> int:
    """The length of the source's text in code points, read without reading the text."""
    return source_slice(source, 0, 0)[1]


def source_pieces(source: Source, start: int, end: int, *, outline: bool = False) -> Pieces:
    """The pieces holding any of [start, end) (the one holding `start` when the range is
    empty; the last one at the very end), `start` at most the text's length."""
    length = source_length(source)
    stored = SourcePiece.objects.filter(source_id=source.pk)
    wanted = stored.filter(start__lt=max(end, start + 1)).filter(Q(end__gt=start) | Q(end=length))
    rows = list(wanted.order_by("index"))
    if not rows:  # laid out for the first time since the text or its turns changed
        source_pieces_store(source.pk)
        rows = list(wanted.order_by("index"))
    if outline:
        spans = list(stored.order_by("index").values_list("start", "end"))
        count = len(spans)
    else:
        spans = None
        count = (stored.aggregate(last=Max("index"))["last"] or 0) + 1
    text = source_slice(source, rows[0].start, rows[-1].end)[0] if rows else ""
    return Pieces(length=length, count=count, outline=spans, rows=rows, text=text)


def pieces_json(source: Source, pieces: Pieces) -> list[dict]:
    """The pieces as the pages draw them: their text, blocks and stored sentences."""
    rows = pieces.rows
    if not rows:
        return []
    within = {"start__lt": rows[-1].end, "end__gt": rows[0].start}
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
    offset = pieces.start
    text = pieces.text
    return [
        {
            "index": piece.index,
            "start": piece.start,
            "end": piece.end,
            "text": text[piece.start - offset : piece.end - offset],
            "blocks": [_block_json(block, text, offset, names) for block in piece.blocks],
            "sentences": [[s, e] for s, e in sentences if s < piece.end and e > piece.start],
        }
        for piece in rows
    ]


def _block_json(block: list, text: str, offset: int, names: dict[int, str]) -> dict:
    start, end, speaker, timestamp, part = block
    words = text[start - offset : end - offset]
    return {
        "start": start,
        "end": end,
        # Where the words begin after a leading "Speaker 2:" label, so that coding a whole
        # turn codes the answer only.
        "body_start": start + (0 if part else label_length(words, speaker)),
        # A later part of a cut turn names no one: its turn's head does.
        "speaker": "" if part or not speaker else names.get(start, ""),
        "time": timestamp_label(timestamp),
        "part": part,
    }
