"""De-identification: detection with the roster, review, applying as a revision, the key."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coding.models import Change, Code, Coding, Memo
from coding.services import coding_create
from interviews.deid import detect as detection
from interviews.deid import key
from interviews.deid import services as deid
from interviews.deid.models import (
    DeidSettings,
    IdentifyingSpan,
    RevisionKind,
    SourceRevision,
    SpanStatus,
)
from interviews.deid.revisions import source_correct
from interviews.models import Interviewee, NamedEntity, Segment, Source
from interviews.services import source_create

TEXT = (
    "Interviewer: Thank you, Hanna. How did it start?\n\n"
    "Hanna Karpovich: At Lanka Pictures we met Ms Karpovich's partner in 2018. "
    "Write to hanna.k@example.org any time.\n\n"
    "Interviewer: And the money?\n\n"
    "Hanna Karpovich: Money was always short, but the partners trusted each other."
)


@pytest.fixture
def named_source(project, hanna) -> Source:
    return source_create(
        project=project,
        title="Interview with Hanna Karpovich",
        text=TEXT,
        interviewees=[hanna],
        speaker_map={"Interviewer": "interviewer", "Hanna Karpovich": hanna},
    )


def test_the_roster_finds_every_form_of_an_interviewees_name(named_source, hanna):
    spans = deid.source_detect(source=named_source)
    found = {(s.text, s.entity.placeholder, s.origin) for s in spans}
    assert ("Hanna", "[BY-07]", "roster") in found
    assert ("Hanna Karpovich", "[BY-07]", "roster") in found
    assert ("Karpovich", "[BY-07]", "roster") in found  # in “Ms Karpovich's”
    assert ("Lanka Pictures", "[ORG 1]", "roster") in found
    assert ("hanna.k@example.org", "[EMAIL 1]", "roster") in found
    # every occurrence: two speaker labels, “Hanna” and “Ms Karpovich's”
    assert sum(1 for s in spans if s.entity.interviewee_id == hanna.pk) == 4


def test_russian_inflected_forms_and_chinese_names_are_matched(project):
    Interviewee.objects.create(project=project, pseudonym="BY-02", real_name="Ганна Карпович")
    Interviewee.objects.create(project=project, pseudonym="CN-03", real_name="王佳瑞")
    text = "Мы говорили с Ганной и с Карповичем. 王佳瑞说，佳瑞和王女士是同一个人。"
    source = source_create(project=project, title="ru", text=text, language="ru")
    texts = sorted(s.text for s in deid.source_detect(source=source))
    assert texts == sorted(["Ганной", "Карповичем", "王佳瑞", "佳瑞", "王女士"])


def test_a_single_short_name_keeps_its_case(project):
    Interviewee.objects.create(project=project, pseudonym="EN-01", real_name="Grace Rose")
    source = source_create(
        project=project, title="t", text="Grace said: by grace we plant a rose for Rose."
    )
    assert [s.text for s in deid.source_detect(source=source)] == ["Grace", "Rose"]


def test_a_name_that_is_a_common_word_counts_only_after_a_title(project):
    Interviewee.objects.create(project=project, pseudonym="CN-07", real_name="He Wenjing")
    source = source_create(project=project, title="t", text="He said Ms He and Wenjing agreed.")
    assert [s.text for s in deid.source_detect(source=source)] == ["Ms He", "Wenjing"]


def test_project_terms_always_and_never(project, named_source):
    deid.term_add(project=project, text="Grodno", action="always", kind="PLACE")
    deid.term_add(project=project, text="Lanka Pictures", action="never", kind="ORG")
    source = source_create(
        project=project, title="t2", text="We filmed near Grodno for Lanka Pictures."
    )
    assert [(s.text, s.kind) for s in deid.source_detect(source=source)] == [("Grodno", "PLACE")]


def test_detection_needs_no_network(named_source, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("detection tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    spans = deid.source_detect(source=named_source)
    assert "hanna.k@example.org" in {s.text for s in spans}
    extractor = detection._offline_extractor()
    assert extractor.suffix_list_urls == ()
    assert extractor("mail.example.co.uk").suffix == "co.uk"


def test_detection_reuses_the_stored_named_entities(project):
    source = source_create(project=project, title="t", text="We met Piotr Nowak in Minsk.")
    NamedEntity.objects.create(source=source, start=7, end=18, label="PERSON", text="Piotr Nowak")
    Source.objects.filter(pk=source.pk).update(nlp_status="done")
    source.refresh_from_db()
    spans = deid.source_detect(source=source)
    assert [(s.text, s.kind, s.origin) for s in spans] == [("Piotr Nowak", "PERSON", "model")]


def test_the_detection_job_records_progress(project, named_source, users):
    job = deid.detect_start(project=project, user=users["admin"])
    job.refresh_from_db()
    assert job.status == "done"
    assert (job.done, job.total) == (1, 1)
    assert job.result["spans"] == IdentifyingSpan.objects.filter(source=named_source).count() > 0


def accept_all(source, user):
    deid.source_detect(source=source)
    source.identifying_spans.update(status=SpanStatus.ACCEPTED, decided_by=user)


def test_applying_replaces_words_keeps_the_key_and_moves_codings(
    project, named_source, users, hanna
):
    code = Code.objects.create(project=project, name="Money")
    quote = "Money was always short"
    start = named_source.text.index(quote)
    coding = coding_create(
        source=named_source, code=code, coder=users["coder"], start=start, end=start + 22
    )
    # a coding over part of the name and the words after it
    name_at = named_source.text.index("Karpovich's partner")
    edge = coding_create(
        source=named_source,
        code=code,
        coder=users["coder"],
        start=name_at + 3,
        end=name_at + 19,
    )
    accept_all(named_source, users["admin"])
    revision = deid.source_deidentify(source=named_source, user=users["admin"])
    named_source.refresh_from_db()
    text = named_source.text
    assert "Hanna" not in text and "Karpovich" not in text and "Lanka" not in text
    assert "hanna.k@" not in text
    assert text.startswith("Interviewer: Thank you, [BY-07]. How did it start?\n\n[BY-07]: At")
    assert "[ORG 1]" in text and "[EMAIL 1]" in text
    assert named_source.title == "Interview with [BY-07]"
    coding.refresh_from_db()
    edge.refresh_from_db()
    assert text[coding.start : coding.end] == quote
    assert text[edge.start : edge.end] == "[BY-07]'s partner"
    assert revision.codings_moved == 2
    assert revision.text_before == TEXT
    assert revision.title_before == "Interview with Hanna Karpovich"
    # the identified original and the key stay, for admins
    assert key.identified_text(named_source) == TEXT
    assert key.reidentify(named_source, edge.start, edge.end) == "Karpovich's partner"
    assert key.reidentify(named_source, edge.start + 2, edge.end) == "Karpovich's partner"
    entities = key.key_for(project)
    person = next(e for e in entities if e["placeholder"] == "[BY-07]")
    assert person["interviewee"] == "BY-07"
    assert sorted(s["original"] for s in person["spans"]) == sorted(
        ["Hanna", "Hanna Karpovich", "Karpovich", "Hanna Karpovich"]
    )
    # turns keep their speaker, without the name
    speakers = set(named_source.segments.filter(kind="turn").values_list("speaker", flat=True))
    assert "Hanna Karpovich" not in speakers
    # the history names the revision and each coding moved
    assert Change.objects.filter(object_type="source", source=named_source).count() == 1
    assert Change.objects.filter(object_type="coding", action="move").count() == 2
    # segments still lie inside the new text and start on the same words
    for segment in Segment.objects.filter(source=named_source):
        assert 0 <= segment.start < segment.end <= len(text)


def test_sync_points_follow_their_words_when_the_source_is_revised(project, named_source, users):
    from interviews.recordings import services as recordings
    from interviews.recordings.models import SyncPoint

    for words, time in (("Lanka Pictures", 3.0), ("Pictures", 3.5), ("Money was", 20.0)):
        recordings.sync_point_set(source=named_source, position=TEXT.index(words), time=time)
    recordings.sync_points_from_cues(source=named_source, cues=[(TEXT.index("Write to"), 9.0)])
    accept_all(named_source, users["admin"])
    deid.source_deidentify(source=named_source, user=users["admin"])
    named_source.refresh_from_db()
    text = named_source.text
    points = list(SyncPoint.objects.filter(source=named_source).values_list("position", "time"))
    # The two points in the replaced organisation's name are one now, on its placeholder.
    assert points == [
        (text.index("[ORG 1]"), 3.0),
        (text.index("Write to"), 9.0),
        (text.index("Money was"), 20.0),
    ]
    source_correct(source=named_source, text=text.replace("Write to", "Do write to"), user=None)
    assert list(
        SyncPoint.objects.filter(source=named_source).values_list("position", flat=True)
    ) == [text.index("[ORG 1]"), text.index("Write to"), text.index("Money was") + 3]


def test_coding_can_be_required_to_wait_for_deidentification(
    project, named_source, users, client_for
):
    DeidSettings.objects.create(project=project, required_before_coding=True)
    code = Code.objects.create(project=project, name="Money")
    with pytest.raises(ValidationError, match="requires de-identification"):
        coding_create(source=named_source, code=code, coder=users["coder"], start=0, end=5)
    from django.urls import reverse

    url = reverse("api:source_codings", args=[project.pk, named_source.pk])
    response = client_for("coder").post(
        url,
        {"code": code.pk, "start": 0, "end": 5, "quote": named_source.text[:5]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "requires de-identification" in response.content.decode()
    assert not Coding.objects.exists()
    deid.source_deidentify(source=named_source, user=users["admin"])  # nothing to replace
    named_source.refresh_from_db()
    coding_create(source=named_source, code=code, coder=users["coder"], start=0, end=5)
    assert Coding.objects.count() == 1


def test_a_correction_after_coding_moves_the_codings_and_keeps_each_revision(
    project, source, users, code
):
    quote = "Money was always short"
    start = source.text.index(quote)
    coding = coding_create(
        source=source, code=code, coder=users["coder"], start=start, end=start + len(quote)
    )
    corrected = source.text.replace("It started at", "It all started at").replace(
        "always short", "allways short"
    )
    first = source_correct(source=source, text=corrected, user=users["lead"])
    source.refresh_from_db()
    coding.refresh_from_db()
    assert source.text[coding.start : coding.end] == "Money was allways short"
    second = source_correct(
        source=source, text=source.text.replace("allways", "always"), user=users["lead"]
    )
    coding.refresh_from_db()
    source.refresh_from_db()
    assert source.text[coding.start : coding.end] == quote
    assert [r.number for r in SourceRevision.objects.filter(source=source)] == [1, 2]
    assert (first.kind, second.kind) == (RevisionKind.CORRECTION, RevisionKind.CORRECTION)
    assert "allways" in second.text_before


def test_a_correction_that_removes_all_of_a_codings_words_is_refused(
    project, source, users, code, coding
):
    before = source.text
    with pytest.raises(ValidationError, match="remove every word of 1 coding"):
        source_correct(
            source=source, text=before.replace("Money was always short", ""), user=users["lead"]
        )
    source.refresh_from_db()
    assert source.text == before
    assert not SourceRevision.objects.exists()


def test_a_correction_may_not_cut_into_a_placeholder(project, named_source, users):
    accept_all(named_source, users["admin"])
    deid.source_deidentify(source=named_source, user=users["admin"])
    named_source.refresh_from_db()
    before = named_source.text
    with pytest.raises(ValidationError, match="cuts into the placeholder"):
        source_correct(
            source=named_source, text=before.replace("[BY-07]:", "[BY-7]:", 1), user=users["lead"]
        )
    named_source.refresh_from_db()
    assert named_source.text == before


def test_two_codings_that_end_on_the_same_words_become_one_with_both_memos(
    project, named_source, users
):
    code = Code.objects.create(project=project, name="Names")
    at = named_source.text.index("Hanna.")
    first = coding_create(
        source=named_source, code=code, coder=users["coder"], start=at, end=at + 3, memo="one"
    )
    coding_create(
        source=named_source, code=code, coder=users["coder"], start=at + 1, end=at + 5, memo="two"
    )
    deid.span_add(source=named_source, start=at, end=at + 5, kind="PERSON", user=users["admin"])
    deid.source_deidentify(source=named_source, user=users["admin"])
    survivor = Coding.objects.get()
    assert survivor.pk == first.pk
    named_source.refresh_from_db()
    assert named_source.text[survivor.start : survivor.end] == "[PERSON 1]"
    assert sorted(Memo.objects.filter(coding=survivor).values_list("text", flat=True)) == [
        "one",
        "two",
    ]


NAME = "Hanna Karpovich"
PLAIN = "The partners trusted each other. "


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    names=st.lists(st.integers(0, 4), min_size=1, max_size=4, unique=True),
    codings=st.lists(st.tuples(st.integers(0, 200), st.integers(1, 60)), min_size=1, max_size=8),
)
def test_property_no_coding_is_lost_or_shifted_off_its_words(project, users, hanna, names, codings):
    """Codings overlapping the edges of replaced names in every way keep their words."""
    from django.db import transaction

    with transaction.atomic():
        parts = [(NAME + " said: " if i in names else "") + PLAIN for i in range(5)]
        text = "".join(parts)
        source = Source.objects.create(project=project, title="p", text=text)
        code_names = [f"c{i}" for i in range(len(codings))]
        codes = [Code.objects.create(project=project, name=n) for n in code_names]
        made = []
        for code, (start, length) in zip(codes, codings, strict=True):
            start = start % len(text)
            end = min(len(text), start + length)
            if start < end:
                made.append(
                    coding_create(
                        source=source, code=code, coder=users["coder"], start=start, end=end
                    )
                )
        replaced = [(i, i + len(NAME)) for i in _occurrences(text, NAME)]
        expected = {c.pk: _expected(text, replaced, c.start, c.end) for c in made}
        accept_all(source, users["admin"])
        deid.source_deidentify(source=source, user=users["admin"])
        source.refresh_from_db()
        assert NAME not in source.text
        after = {c.pk: source.text[c.start : c.end] for c in Coding.objects.filter(source=source)}
        assert after == expected
        transaction.set_rollback(True)


def _occurrences(text: str, word: str) -> list[int]:
    found, at = [], text.find(word)
    while at >= 0:
        found.append(at)
        at = text.find(word, at + 1)
    return found


def _expected(text: str, replaced: list[tuple[int, int]], start: int, end: int) -> str:
    for a, b in replaced:
        if a < start < b:
            start = a
        if a < end < b:
            end = b
    words = text[start:end]
    return words.replace(NAME, "[BY-07]")


def test_overlapping_accepted_spans_leave_the_source_unchanged(project, named_source, users):
    deid.span_add(source=named_source, start=0, end=11, kind="OTHER", user=users["admin"])
    IdentifyingSpan.objects.create(
        source=named_source, start=5, end=15, text=named_source.text[5:15], kind="OTHER",
        origin="model", status=SpanStatus.ACCEPTED,
        entity=IdentifyingSpan.objects.get().entity,
    )  # fmt: skip
    counts = deid.project_deidentify(project=project, user=users["admin"])
    assert counts["sources"] == 0
    assert counts["refused"] == [
        "Interview with Hanna Karpovich: Two accepted spans overlap at position 5; "
        "reject one of them."
    ]
    named_source.refresh_from_db()
    assert named_source.text == TEXT
    assert not SourceRevision.objects.exists()


def test_applying_again_with_nothing_accepted_changes_nothing(project, named_source, users):
    deid.source_deidentify(source=named_source, user=users["admin"])
    with pytest.raises(ValidationError, match="nothing to apply"):
        deid.source_deidentify(source=named_source, user=users["admin"])
    assert deid.project_deidentify(project=project, user=users["admin"])["sources"] == 0
    assert SourceRevision.objects.count() == 1


def test_reidentify_many_reads_the_key_once(
    project, named_source, users, django_assert_num_queries
):
    accept_all(named_source, users["admin"])
    deid.source_deidentify(source=named_source, user=users["admin"])
    named_source.refresh_from_db()
    text = named_source.text
    spans = [(0, len(text)), (text.index("[ORG 1]"), text.index("[ORG 1]") + 3)]
    with django_assert_num_queries(1):
        found = key.reidentify_many(named_source, spans)
    assert found == [TEXT, "Lanka Pictures"]


def test_speaker_labels_mapped_to_an_interviewee_are_matched_unless_generic(project):
    from interviews.deid.detect import roster_terms

    person = Interviewee.objects.create(project=project, pseudonym="BY-04", real_name="")
    labels = {person.pk: {"Speaker 2", "Respondent", "Nadia", "BY-04", "发言人2"}}
    assert [t.text for t in roster_terms([person], labels)] == ["Nadia"]


def test_latin_names_are_found_between_chinese_characters(project, hanna):
    source = source_create(
        project=project, title="t", text="我在Lanka Pictures工作，Hanna是我的同事。", language="zh"
    )
    assert [s.text for s in deid.source_detect(source=source)] == ["Lanka Pictures", "Hanna"]


def test_an_admins_identified_export_reads_the_original_words(project, named_source, users):
    from interviews.visibility import Disclosure

    accept_all(named_source, users["admin"])
    deid.source_deidentify(source=named_source, user=users["admin"])
    named_source.refresh_from_db()
    at = named_source.text.index("Money was always short")
    readable = Disclosure(project=project, identified=True).texts([named_source.pk])
    assert readable[named_source.pk].text == TEXT
    assert readable[named_source.pk].passage(at, at + 22) == "Money was always short"
    plain = Disclosure(project=project).texts([named_source.pk])[named_source.pk]
    assert "Hanna" not in plain.text
