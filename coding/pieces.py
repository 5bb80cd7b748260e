"""A source's text in pieces, as the coding page and the source's reading page draw it.

The pieces are laid out and kept by `interviews.layout`; this module answers a request for
some of them: their rows, the slice of text they cover (cut by the database from the
source's fixed-width code points, `coding.models.source_slice`), who speaks in their turns
and their stored sentences — what the pages draw, read without reading the rest of the text.
Offsets are code points, half-open [start, end).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.db import connections, router
from django.db.models import (
    Aggregate,
    BigIntegerField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
)

from coding.models import source_slice, span_bytes
from coding.turn_labels import label_length
from interviews.compiled import Compiled
from interviews.layout import source_pieces_store
from interviews.models import (
    Segment,
    SegmentKind,
    Source,
    SourceCodePoints,
    SourcePiece,
)
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
    rows, spans, count, text = _picked(source, start, end, length, outline=outline)
    if not rows:  # laid out for the first time since the text or its turns changed
        source_pieces_store(source.pk)
        rows, spans, count, text = _picked(source, start, end, length, outline=outline)
    if text is None:
        text = source_slice(source, rows[0].start, rows[-1].end)[0] if rows else ""
    return Pieces(length=length, count=count, outline=spans, rows=rows, text=text)


def _picked(
    source: Source, start: int, end: int, length: int, *, outline: bool
) -> tuple[list[SourcePiece], list | None, int, str | None]:
    """The pieces holding any of [start, end) as `source_pieces` picks them, the number of
    pieces, with `outline` every piece's (start, end), and, where the database cuts it (not
    on SQLite, see `span_bytes`), the text of the pieces picked (None otherwise: the pieces
    tile the text, so theirs is the text of their span), read by one query (the ORM's,
    compiled once, `interviews.compiled`: the coding page asks it each time it opens, and
    for a piece as the coder scrolls). The query gives a row for each piece picked only,
    each carrying the ends of all the pieces as one text (or the last piece's index): a
    200,000-word text has some 300 pieces, and a row for each cost more than the rest of
    the query."""
    using = router.db_for_read(SourcePiece)
    values = _picked_values(source, start, end, length)
    found = _picked_compiled(using, outline=outline).rows(using, **values)
    cut = connections[using].vendor != "sqlite"
    if not found:
        return [], [] if outline else None, 0, None
    rows, parts = [], []
    for index, piece_start, piece_end, blocks, _all, *words in found:
        rows.append(
            SourcePiece(
                source_id=source.pk, index=index, start=piece_start, end=piece_end, blocks=blocks
            )
        )
        parts.append(words[0] if cut else None)
    if outline:
        # The pieces tile the text from 0: each starts where the one before it ends.
        ends = sorted(int(one) for one in found[0][4].split(","))
        spans = list(zip([0, *ends[:-1]], ends, strict=True))
        count = len(spans)
    else:
        spans, count = None, found[0][4] + 1
    if not cut or any(part is None for part in parts):
        return rows, spans, count, None
    return rows, spans, count, "".join(SourceCodePoints.decode(part) for part in parts)


def _picked_compiled(using: str, *, outline: bool) -> Compiled:
    return _PICKED[(connections[using].vendor != "sqlite", outline)]


def _picked_values(source: Source, start: int, end: int, length: int) -> dict:
    return {"source": source.pk, "before": max(end, start + 1), "start": start, "length": length}


def first_view(source: Source) -> Pieces:
    """What the coding page carries of the text when it opens: the piece at its start, with
    the outline."""
    return source_pieces(source, 0, 0, outline=True)


def first_view_queries(source: Source) -> list[tuple[Compiled, dict]]:
    """The queries `first_view` and its answer (`pieces_answer`) run, with their values, for
    `interviews.compiled.sent_together`: the first piece with the outline, and its
    sentences and turns."""
    using = router.db_for_read(SourcePiece)
    return [
        (
            _picked_compiled(using, outline=True),
            _picked_values(source, 0, 0, source_length(source)),
        ),
        (_FIRST_PIECE_SEGMENTS, {"source": source.pk}),
    ]


def _holding(before, start, length) -> Q:
    """The pieces `source_pieces` picks: those starting before `before` that end after
    `start`, or the last one (which ends at the text's `length`)."""
    return Q(start__lt=before) & (Q(end__gt=start) | Q(end=length))


class _Joined(Aggregate):
    """The values of a column as one text, joined by commas, in no given order."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s)"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s((%(expressions)s)::text, ',')",
            **extra,
        )


def _picked_query(*, source, before, start, length, cut: bool, outline: bool):
    # The values as expressions, not integers: the ORM finds no row for a negative integer
    # compared with a positive field, and the compiled query's stand-ins are negative.
    before, start, length = (
        Value(v, output_field=BigIntegerField()) for v in (before, start, length)
    )
    of_source = SourcePiece.objects.filter(source_id=OuterRef("source_id")).order_by()
    if outline:
        every = of_source.values("source_id").annotate(ends=_Joined("end")).values("ends")
    else:  # the last piece's index, from the (source, index) index
        every = of_source.order_by("-index").values("index")[:1]
    pieces = SourcePiece.objects.filter(Q(source_id=source) & _holding(before, start, length))
    columns = ["blocks", Subquery(every)]
    if cut:
        columns.append(span_bytes())
    return pieces.order_by("index").values_list("index", "start", "end", *columns)


_PICKED = {
    (cut, outline): Compiled(
        partial(_picked_query, cut=cut, outline=outline), ("source", "before", "start", "length")
    )
    for cut in (True, False)
    for outline in (True, False)
}


def pieces_answer(source: Source, pieces: Pieces) -> dict:
    """The answer of the pieces API (`api/routers/text.py`), which the coding page also
    carries for its first view: the pieces with the text's length, their count and, when
    asked for, the outline."""
    data = {
        "id": source.pk,
        "length": pieces.length,
        "count": pieces.count,
        "pieces": pieces_json(source, pieces),
    }
    if pieces.outline is not None:
        data["outline"] = [list(span) for span in pieces.outline]
    return data


def pieces_json(source: Source, pieces: Pieces) -> list[dict]:
    """The pieces as the pages draw them: their text, blocks and stored sentences."""
    rows = pieces.rows
    if not rows:
        return []
    # The stored sentences of these pieces, and who speaks in each of their turns as coders
    # may see it: the pseudonym, "Interviewer", or the label itself when it is mapped to no
    # one (one query).
    sentences, names = [], {}
    for kind, start, end, speaker, pseudonym, is_interviewer in _segments_of(source, rows):
        if kind == SegmentKind.SENTENCE:
            sentences.append((start, end))
        else:
            names[start] = pseudonym or ("Interviewer" if is_interviewer else speaker)
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


def _segments_query(*, source, first, last, with_last: bool = False):
    # One kind a branch: each reads its rows by the (source, kind, start) index from the
    # source's first segment of that kind to `last`. With `kind IN (…)` PostgreSQL may leave
    # the kind out of the index's range (a plan made while the table's statistics still
    # describe it before a large import, kept by the prepared statement), and then reads
    # every segment of the source: 0.16-0.22 ms where 0.06 would do, at 50,000 words
    # (bench/README.md, "The first piece's sentences read by one kind at a time").
    first, last = (
        Value(v, output_field=BigIntegerField()) if isinstance(v, int) else v for v in (first, last)
    )
    columns = ["kind", "start", "end", "speaker", "interviewee__pseudonym", "is_interviewer"]

    def of(kind: str):
        rows = Segment.objects.filter(source_id=source, kind=kind, start__lt=last, end__gt=first)
        if with_last:
            return rows.annotate(_last=last).values_list(*columns, "_last")
        return rows.values_list(*columns)

    return (
        of(SegmentKind.SENTENCE)
        .order_by()
        .union(of(SegmentKind.TURN).order_by(), all=True)
        .order_by("start", "end", "kind")
    )


_SEGMENTS = Compiled(_segments_query, ("source", "first", "last"))


def _first_piece_segments_query(*, source):
    # The first view's piece is the text's first (index 0, from 0): its end is read in the
    # query, so that the query needs only the source and goes with the page's others
    # (`first_view_queries`). Each row carries that end, checked against the piece read.
    end = SourcePiece.objects.filter(source_id=source, index=0).order_by().values("end")[:1]
    last = Subquery(end, output_field=BigIntegerField())
    return _segments_query(source=source, first=0, last=last, with_last=True)


_FIRST_PIECE_SEGMENTS = Compiled(_first_piece_segments_query, ("source",))


def _segments_of(source: Source, rows: list[SourcePiece]) -> list:
    """The sentences and turns of these pieces (`_segments_query`'s rows)."""
    using = router.db_for_read(Segment)
    if len(rows) == 1 and rows[0].index == 0:
        found = _FIRST_PIECE_SEGMENTS.rows(using, source=source.pk)
        # Read again below when the pieces were laid out after the query ran (its end is
        # not the piece's), or when it found nothing.
        if found and all(row[6] == rows[0].end for row in found):
            return [row[:6] for row in found]
    return _SEGMENTS.rows(using, source=source.pk, first=rows[0].start, last=rows[-1].end)


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
