"""A source's text in pieces: what the coding page and the reading page draw as they scroll
(interviews/layout.py, coding/pieces.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import BaseModel

from api import guard
from coding.models import MAX_OFFSET
from coding.pieces import pieces_answer
from coding.search import kwic, parse_query

router = Router(tags=["sources"])

# The most code points one request may ask for: a few screens of text, never the whole of a
# long transcript (the whole text is GET .../text/).
MAX_SPAN = 60_000


class PiecesQuery(Schema):
    start: int = Field(0, ge=0, le=MAX_OFFSET, description="First code point wanted.")
    end: int | None = Field(
        None,
        ge=0,
        le=MAX_OFFSET,
        description="Code point after the last one wanted; by default only the piece "
        "holding `start`.",
    )
    outline: bool = Field(False, description="Also list every piece's [start, end).")


class BlockOut(BaseModel):
    start: int
    end: int
    body_start: int = Field(..., description="Where the words begin after a speaker label.")
    speaker: str = Field(..., description="Pseudonym, “Interviewer”, the label, or empty.")
    time: str = Field(..., description="The turn's time (hh:mm:ss) or empty.")
    part: bool = Field(..., description="A later part of a block cut for its length.")


class PieceOut(BaseModel):
    index: int
    start: int
    end: int
    text: str = Field(..., description="The source's text[start:end].")
    blocks: list[BlockOut]
    sentences: list[list[int]] = Field(..., description="Stored sentences [start, end).")


class PiecesOut(BaseModel):
    id: int
    length: int = Field(..., description="The text's length in code points.")
    count: int = Field(..., description="How many pieces the text has.")
    outline: list[list[int]] | None = Field(None, description="Every piece's [start, end).")
    pieces: list[PieceOut]


@router.get(
    "/projects/{id:pk}/sources/{id:source_pk}/pieces/",
    response=PiecesOut,
    url_name="source_pieces",
    summary="A source's text in pieces of whole turns and paragraphs",
    exclude_none=True,
)
def source_pieces(request: HttpRequest, pk: int, source_pk: int, query: Query[PiecesQuery]):
    """The pieces holding code points [start, end) of the text the caller may read (the
    text the coding page shows), with their speaker turns and sentences; with `outline`,
    every piece's span too, so that a page can place the pieces it has not fetched."""
    access, source = guard.project_source(request, pk, source_pk)
    length = guard.source_length(access, source)
    end = query.start if query.end is None else query.end
    if query.start > length:
        raise ValidationError(
            {"start": [f"The text has {length} code points; start lies beyond its end."]}
        )
    if end < query.start:
        raise ValidationError({"end": ["end comes before start."]})
    if end - query.start > MAX_SPAN:
        raise ValidationError({"end": [f"Ask for at most {MAX_SPAN} code points at a time."]})
    pieces = guard.source_pieces(access, source, query.start, end, outline=query.outline)
    return pieces_answer(source, pieces)


# The most places one search of a text answers: a page moves through them one at a time.
MAX_FOUND = 1000


class FoundOut(BaseModel):
    id: int
    terms: list[str] = Field(..., description="The words and phrases looked for.")
    count: int = Field(..., description="How many places hold one of them.")
    hits: list[list[int]] = Field(
        ..., description=f"The first {MAX_FOUND} places [start, end), in reading order."
    )


@router.get(
    "/projects/{id:pk}/sources/{id:source_pk}/find/",
    response=FoundOut,
    url_name="source_find",
    summary="Where words occur in a source's text",
)
def source_find(
    request: HttpRequest,
    pk: int,
    source_pk: int,
    q: str = Query(..., max_length=500, description="Words, “phrases” and prefixes*."),
):
    """Every place in the text the caller may read that holds one of the words or phrases
    of `q`, as the project's search finds them (whole words, case ignored), so that a page
    drawing the text in pieces can move from hit to hit."""
    access, source = guard.project_source(request, pk, source_pk)
    terms = parse_query(q)
    hits = [[start, end] for start, end, *_ in kwic(guard.source_text(access, source), terms, 0)]
    return {
        "id": source.pk,
        "terms": [term.label for term in terms],
        "count": len(hits),
        "hits": hits[:MAX_FOUND],
    }
