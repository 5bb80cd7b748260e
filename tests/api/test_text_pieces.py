"""GET /api/v1/projects/{pk}/sources/{source_pk}/pieces/: the text the coding page draws."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interviews.layout import BLOCK_LIMIT, PIECE_SIZE, blocks_cut, pieces_of
from interviews.models import Interviewee, SegmentKind, SourcePiece
from interviews.reading import Block
from interviews.services import source_create

pytestmark = pytest.mark.django_db


def pieces_url(source) -> str:
    return reverse("api:source_pieces", args=[source.project_id, source.pk])


def long_transcript(turns: int) -> str:
    lines = []
    for i in range(turns):
        if i % 2:
            lines.append(
                f"Respondent: Answer {i} 🎬 about the studio in Minsk. It was hard. 观众很喜欢."
            )
        else:
            lines.append(f"Interviewer: Question {i}, how did it go?")
    return "\n\n".join(lines)


@pytest.fixture
def long_source(project, interviewee):
    return source_create(
        project=project,
        title="Long",
        text=long_transcript(400),
        interviewees=[interviewee],
        speaker_map={"Interviewer": "interviewer", "Respondent": interviewee},
    )


def all_pieces(client, source) -> tuple[dict, list[dict]]:
    first = client.get(pieces_url(source), {"start": 0, "outline": "true"}).json()
    pieces = []
    for start, end in first["outline"]:
        answer = client.get(pieces_url(source), {"start": start, "end": end}).json()
        assert answer["count"] == first["count"]
        assert "outline" not in answer
        pieces.extend(p for p in answer["pieces"] if p["start"] == start)
    return first, pieces


def test_the_pieces_rebuild_the_text_exactly_with_its_turns_and_sentences(
    client_for, long_source, interviewee
):
    text = long_source.text
    first, pieces = all_pieces(client_for("coder"), long_source)
    assert first["length"] == len(text)
    assert first["count"] == len(first["outline"]) == len(pieces) > 5
    assert first["outline"][0][0] == 0 and first["outline"][-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(first["outline"], first["outline"][1:], strict=False))
    assert "".join(p["text"] for p in pieces) == text
    for piece in pieces:
        assert piece["text"] == text[piece["start"] : piece["end"]]
        # Whole turns, about PIECE_SIZE code points each.
        assert all(piece["start"] <= b["start"] < b["end"] <= piece["end"] for b in piece["blocks"])
    assert all(PIECE_SIZE <= p["end"] - p["start"] < PIECE_SIZE + 200 for p in pieces[:-1])
    turns = [b for p in pieces for b in p["blocks"]]
    stored = list(long_source.segments.filter(kind=SegmentKind.TURN).order_by("start"))
    assert [(b["start"], b["end"]) for b in turns] == [(t.start, t.end) for t in stored]
    assert {b["speaker"] for b in turns} == {"Interviewer", interviewee.pseudonym}
    answer = turns[1]
    assert text[answer["start"] : answer["body_start"]] == "Respondent: "
    sentences = [tuple(s) for p in pieces for s in p["sentences"]]
    assert sentences == list(
        long_source.segments.filter(kind=SegmentKind.SENTENCE)
        .order_by("start")
        .values_list("start", "end")
    )


def test_a_range_brings_the_pieces_that_hold_it(client_for, long_source):
    client = client_for("viewer")
    outline = client.get(pieces_url(long_source), {"outline": "1"}).json()["outline"]
    (s3, e3), (s4, e4) = outline[3], outline[4]
    answer = client.get(pieces_url(long_source), {"start": e3 - 1, "end": s4 + 1}).json()
    assert [(p["index"], p["start"], p["end"]) for p in answer["pieces"]] == [
        (3, s3, e3),
        (4, s4, e4),
    ]
    assert "outline" not in answer
    # Without `end`, the piece holding `start`; at the very end, the last piece.
    one = client.get(pieces_url(long_source), {"start": s4 + 10}).json()["pieces"]
    assert [p["index"] for p in one] == [4]
    length = len(long_source.text)
    last = client.get(pieces_url(long_source), {"start": length}).json()["pieces"]
    assert [p["index"] for p in last] == [len(outline) - 1]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": 10**6}, "start lies beyond its end"),
        ({"start": 50, "end": 10}, "end comes before start"),
        ({"start": 0, "end": 60_001}, "Ask for at most 60000 code points at a time."),
        ({"start": -1}, "start"),
        ({"start": "abc"}, "start"),
        ({"end": "1e9"}, "end"),
    ],
)
def test_bad_ranges_are_refused_with_a_clear_message(client_for, long_source, params, message):
    response = client_for("coder").get(pieces_url(long_source), params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_outsiders_and_strangers_find_nothing(client_for, source, project, other_project):
    assert client_for("outsider").get(pieces_url(source)).status_code == 404
    foreign = other_project.sources.get()
    url = reverse("api:source_pieces", args=[project.pk, foreign.pk])
    assert client_for("coder").get(url).status_code == 404
    assert Client().get(pieces_url(source)).status_code == 401
    # Bad input from an outsider is still "not found", never a hint about the text.
    assert client_for("outsider").get(pieces_url(source), {"start": -1}).status_code == 404
    assert client_for("viewer").get(pieces_url(source)).status_code == 200


def test_a_coder_reads_the_de_identified_text(client_for, project, users):
    from interviews.deid import services as deid
    from interviews.deid.models import SpanStatus

    hanna = Interviewee.objects.create(
        project=project, pseudonym="BY-07", real_name="Hanna Karpovich", organisation="Lanka"
    )
    text = (
        "Interviewer: Thank you, Hanna. How did it start?\n\n"
        "Hanna Karpovich: At Lanka we met Ms Karpovich's partner in 2018."
    )
    source = source_create(
        project=project,
        title="Named",
        text=text,
        interviewees=[hanna],
        speaker_map={"Interviewer": "interviewer", "Hanna Karpovich": hanna},
    )
    deid.source_detect(source=source)
    source.identifying_spans.update(status=SpanStatus.ACCEPTED, decided_by=users["admin"])
    deid.source_deidentify(source=source, user=users["admin"])
    source.refresh_from_db()
    assert "Hanna" not in source.text
    for name in ("coder", "admin"):
        answer = client_for(name).get(pieces_url(source), {"outline": "1"}).json()
        words = "".join(p["text"] for p in answer["pieces"])
        assert words == source.text
        assert "Karpovich" not in words and "Lanka" not in words
        assert {b["speaker"] for b in answer["pieces"][0]["blocks"]} == {"Interviewer", "BY-07"}
        assert answer["length"] == len(source.text)


def test_a_long_block_is_cut_at_a_blank_and_pieces_stay_small(client_for, project):
    words = " ".join(f"word{i}" for i in range(8000))  # one paragraph, no blank line
    source = source_create(project=project, title="Wall", text=words)
    first, pieces = all_pieces(client_for("coder"), source)
    assert "".join(p["text"] for p in pieces) == words
    blocks = [b for p in pieces for b in p["blocks"]]
    assert len(blocks) > 3
    assert all(b["end"] - b["start"] <= BLOCK_LIMIT for b in blocks)
    assert [b["part"] for b in blocks] == [False] + [True] * (len(blocks) - 1)
    assert all(words[b["start"] - 1] == " " for b in blocks[1:])  # cut after a blank
    assert max(p["end"] - p["start"] for p in pieces) <= PIECE_SIZE + BLOCK_LIMIT


def test_pieces_of_an_empty_text_and_of_blocks_without_blanks():
    assert [(p.start, p.end, p.blocks) for p in pieces_of([], 0)] == [(0, 0, ())]
    solid = Block(2, 2 + 3 * BLOCK_LIMIT, "x" * 3 * BLOCK_LIMIT)
    cut = blocks_cut([solid])
    assert [(b.start, b.end, b.part) for b in cut] == [
        (2, 2 + BLOCK_LIMIT, False),
        (2 + BLOCK_LIMIT, 2 + 2 * BLOCK_LIMIT, True),
        (2 + 2 * BLOCK_LIMIT, 2 + 3 * BLOCK_LIMIT, True),
    ]
    pieces = pieces_of(cut, 2 + 3 * BLOCK_LIMIT + 5)
    assert [(p.start, p.end) for p in pieces] == [
        (0, 2 + BLOCK_LIMIT),
        (2 + BLOCK_LIMIT, 2 + 2 * BLOCK_LIMIT),
        (2 + 2 * BLOCK_LIMIT, 2 + 3 * BLOCK_LIMIT + 5),
    ]


def test_the_pieces_are_kept_at_import_and_laid_out_anew_when_the_text_is_corrected(
    client_for, project, users
):
    from interviews.deid.revisions import source_correct

    source = source_create(project=project, title="Kept", text=long_transcript(60))
    kept = list(SourcePiece.objects.filter(source=source).values_list("start", "end"))
    assert kept[0][0] == 0 and kept[-1][1] == len(source.text) and len(kept) > 1
    corrected = "Interviewer: A new first line.\n\n" + source.text[source.text.index("Resp") :]
    source_correct(source=source, text=corrected, user=users["admin"])
    assert not SourcePiece.objects.filter(source=source).exists()
    first, pieces = all_pieces(client_for("coder"), source)
    assert "".join(p["text"] for p in pieces) == corrected
    blocks = [b for p in pieces for b in p["blocks"]]
    assert [b["start"] for b in blocks[:2]] == [0, corrected.index("Resp")]
    assert list(SourcePiece.objects.filter(source=source).values_list("start", "end")) == [
        tuple(span) for span in first["outline"]
    ]


def test_a_request_reads_only_the_pieces_it_sends_never_the_whole_text(client_for, long_source):
    client = client_for("coder")
    outline = client.get(pieces_url(long_source), {"outline": "1"}).json()["outline"]
    start, end = outline[5]
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(pieces_url(long_source), {"start": start + 1})
    assert answer.json()["pieces"][0]["text"] == long_source.text[start:end]
    reads = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"interviews_source"."text"' not in reads
    assert "substr" in reads or "rowid" in reads  # the slice is cut by the database


def test_a_source_stored_without_its_pieces_is_laid_out_on_the_first_request(
    client_for, long_source
):
    SourcePiece.objects.filter(source=long_source).delete()
    first, pieces = all_pieces(client_for("viewer"), long_source)
    assert "".join(p["text"] for p in pieces) == long_source.text
    assert SourcePiece.objects.filter(source=long_source).count() == first["count"] > 5


def find_url(source) -> str:
    return reverse("api:source_find", args=[source.project_id, source.pk])


def test_find_answers_every_place_of_the_words_in_reading_order(client_for, long_source):
    text = long_source.text
    answer = client_for("viewer").get(find_url(long_source), {"q": 'minsk "it was hard"'}).json()
    minsk = [[i, i + 5] for i in range(len(text)) if text.startswith("Minsk", i)]
    hard = [[i, i + 11] for i in range(len(text)) if text.startswith("It was hard", i)]
    assert answer["terms"] == ["minsk", "“it was hard”"]
    assert answer["count"] == len(minsk) + len(hard) == 400
    assert answer["hits"] == sorted(minsk + hard)
    cjk = client_for("viewer").get(find_url(long_source), {"q": "观众"}).json()
    assert cjk["count"] == 200
    assert text[cjk["hits"][-1][0] : cjk["hits"][-1][1]] == "观众"


@pytest.mark.parametrize(
    ("params", "message"),
    [({"q": "  ,, "}, "Type one or more words"), ({}, "q"), ({"q": "x" * 501}, "q")],
)
def test_find_refuses_a_search_without_words(client_for, long_source, params, message):
    response = client_for("viewer").get(find_url(long_source), params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_outsiders_find_nothing(client_for, source):
    assert client_for("outsider").get(find_url(source), {"q": "Minsk"}).status_code == 404
