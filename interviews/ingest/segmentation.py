"""Segmentation: the speaker turns, paragraphs and sentences of a source, stored as segments."""

from __future__ import annotations

from dataclasses import dataclass

from interviews import nlp
from interviews.bulk import rows_insert
from interviews.importers import (
    Imported,
)
from interviews.ingest.speakers import INTERVIEWER, SpeakerTarget
from interviews.layout import Piece, TurnRow, text_pieces
from interviews.models import (
    Interviewee,
    Segment,
    SegmentKind,
    Source,
)
from interviews.reading import paragraph_spans


def turn_sentence_spans(text: str, language: str, turns: list) -> list[tuple[int, int]]:
    """Sentences within turns and paragraphs, speaker labels left out."""
    labels = [(t.start, t.body) for t in turns if t.body is not None]
    return nlp.sentence_spans(text, language, [t.start for t in turns], labels)


@dataclass(frozen=True)
class TextLayout:
    """What a new text's segments and pieces are made of, worked out without the database."""

    paragraphs: list[tuple[int, int]]
    sentences: list[tuple[int, int]]
    pieces: list[Piece]


def text_layout(text: str, language: str, turns: list) -> TextLayout:
    """The paragraphs, sentences and pieces of a text with its speaker turns, as they are
    stored (the pieces laid out with the turns as their rows keep them)."""
    rows = [TurnRow(t.start, t.end, t.speaker[:200], t.timestamp) for t in turns]
    return TextLayout(
        paragraphs=paragraph_spans(text),
        sentences=turn_sentence_spans(text, language, turns),
        pieces=text_pieces(text, sorted(rows, key=lambda t: t.start)),
    )


SEGMENT_COLUMNS = (
    "source_id", "kind", "start", "end", "speaker", "interviewee_id", "is_interviewer", "timestamp",
)  # fmt: skip


def segment_rows(
    *,
    source: Source,
    imported: Imported,
    speaker_map: dict[str, SpeakerTarget],
    layout: TextLayout,
) -> list[tuple]:
    """Turn, paragraph and sentence rows (values of SEGMENT_COLUMNS) of a freshly imported
    source, for `segments_insert`, from the text's `layout` (`text_layout`)."""
    pk = source.pk
    rows = []
    for turn in imported.turns:
        target = speaker_map.get(turn.speaker)
        rows.append(
            (
                pk,
                SegmentKind.TURN.value,
                turn.start,
                turn.end,
                turn.speaker[:200],
                target.pk if isinstance(target, Interviewee) else None,
                target == INTERVIEWER,
                turn.timestamp,
            )
        )
    paragraph = SegmentKind.PARAGRAPH.value
    rows.extend((pk, paragraph, s, e, "", None, False, None) for s, e in layout.paragraphs)
    sentence = SegmentKind.SENTENCE.value
    rows.extend((pk, sentence, s, e, "", None, False, None) for s, e in layout.sentences)
    return rows


def segments_insert(rows: list[tuple]) -> None:
    """Store segment rows (values of SEGMENT_COLUMNS) straight in the table
    (`interviews.bulk.rows_insert`): a source has thousands of them."""
    if rows:
        rows_insert(Segment, SEGMENT_COLUMNS, rows)
