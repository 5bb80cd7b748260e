"""De-identification pages, the key, corrections and the deidentify command."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from coding.models import Code, Coding
from interviews.deid.models import IdentifyingSpan, SourceRevision, SpanStatus
from interviews.models import Source
from interviews.services import source_create

TEXT = (
    "Interviewer: Thank you, Hanna.\n\n"
    "Hanna Karpovich: I produce films at Lanka Pictures. Money was always short.\n\n"
    "Interviewer: Who else?\n\n"
    "Hanna Karpovich: My colleague Hanna Karpovich — no, I mean me. Mail hanna.k@example.org."
)


@pytest.fixture
def named(project, hanna) -> Source:
    return source_create(
        project=project,
        title="Interview BY-07",
        text=TEXT,
        interviewees=[hanna],
        speaker_map={"Interviewer": "interviewer", "Hanna Karpovich": hanna},
    )


def url(name, project, *args):
    return reverse(f"deid:{name}", args=[project.pk, *args])


def test_only_admins_open_de_identification(client_for, project, named):
    for name in ("lead", "coder", "viewer"):
        client = client_for(name)
        assert client.get(url("overview", project)).status_code == 403
        assert client.get(url("key_export", project)).status_code == 403
        assert client.get(url("identified", project, named.pk)).status_code == 403
        assert client.get(url("source_review", project, named.pk)).status_code == 403
        assert client.post(url("detect", project)).status_code == 403
    assert client_for("outsider").get(url("overview", project)).status_code == 404
    assert not IdentifyingSpan.objects.exists()


def test_an_admin_detects_reviews_by_surface_form_and_applies(client_for, project, named, users):
    admin = client_for("admin")
    response = admin.post(url("detect", project))
    assert response.status_code == 302  # to the job's progress page
    page = admin.get(url("overview", project)).content.decode()
    assert "<strong>Hanna Karpovich</strong> — 3 places in 1 source" in page
    assert "becomes <code>[BY-07]</code>" in page
    assert "<mark>Hanna</mark>" in page  # each place with its context
    open_ids = list(IdentifyingSpan.objects.values_list("pk", flat=True))
    admin.post(
        url("decide", project), {"spans": ",".join(map(str, open_ids)), "decision": "accept"}
    )
    assert not IdentifyingSpan.objects.filter(status=SpanStatus.PENDING).exists()
    admin.post(url("apply_all", project))
    named.refresh_from_db()
    assert "Hanna" not in named.text and "Lanka" not in named.text
    # members read the de-identified text; the admin still reads the original
    pieces = reverse("api:source_pieces", args=[project.pk, named.pk])
    for name in ("lead", "coder", "viewer"):
        body = client_for(name).get(named.get_absolute_url()).content.decode()
        assert "Hanna" not in body and "Karpovich" not in body and "hanna.k@" not in body
        # The reading page draws the text from its pieces.
        words = "".join(p["text"] for p in client_for(name).get(pieces).json()["pieces"])
        assert "[BY-07]" in words
        assert "Hanna" not in words and "Karpovich" not in words and "hanna.k@" not in words
    identified = admin.get(url("identified", project, named.pk)).content.decode()
    assert "Thank you, Hanna." in identified


def test_the_key_exports_for_admins_only(client_for, project, named, users):
    from interviews.deid import services

    services.source_detect(source=named)
    named.identifying_spans.update(status=SpanStatus.ACCEPTED)
    services.source_deidentify(source=named, user=users["admin"])
    response = client_for("admin").get(url("key_export", project))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    originals = sorted(r["original"] for r in rows if r["placeholder"] == "[BY-07]")
    assert originals == ["Hanna", "Hanna Karpovich", "Hanna Karpovich", "Hanna Karpovich"]
    key = json.loads(client_for("admin").get(url("key_export", project) + "?format=json").content)
    assert {e["placeholder"] for e in key} == {"[BY-07]", "[ORG 1]", "[EMAIL 1]"}
    for name in ("lead", "coder", "viewer"):
        response = client_for(name).get(url("key_export", project))
        assert response.status_code == 403
        assert "Hanna" not in response.content.decode()


def test_an_admin_marks_a_missed_span_by_its_offsets(client_for, project, named):
    admin = client_for("admin")
    start = named.text.index("films")
    response = admin.post(
        url("span_add", project, named.pk),
        {"start": start, "end": start + 5, "kind": "OTHER", "placeholder": "[WORK]"},
    )
    assert response.status_code == 302
    span = IdentifyingSpan.objects.get()
    assert (span.text, span.status, span.entity.placeholder) == ("films", "accepted", "[WORK]")
    for bad in ({"start": 5, "end": 2}, {"start": "x", "end": 3}, {"start": 0, "end": 10**6}):
        response = admin.post(
            url("span_add", project, named.pk), {**bad, "kind": "PERSON"}, follow=True
        )
        assert response.status_code == 200
    assert IdentifyingSpan.objects.count() == 1
    response = admin.post(
        url("span_add", project, named.pk),
        {"start": start + 1, "end": start + 3, "kind": "PERSON"},
        follow=True,
    )
    assert "overlaps an accepted span" in response.content.decode()
    assert IdentifyingSpan.objects.count() == 1


def test_an_admin_edits_a_spans_boundaries(client_for, project, named):
    from interviews.deid import services

    services.source_detect(source=named)
    span = IdentifyingSpan.objects.get(text="Lanka Pictures")
    client_for("admin").post(
        url("span_edit", project, named.pk, span.pk), {"start": span.start, "end": span.start + 5}
    )
    span.refresh_from_db()
    assert (span.text, span.status) == ("Lanka", "accepted")


def test_a_lead_corrects_the_words_after_coding_and_codings_follow(
    client_for, project, named, users
):
    code = Code.objects.create(project=project, name="Money")
    start = named.text.index("Money was always short")
    coding = Coding.objects.create(
        source=named, code=code, coder=users["coder"], start=start, end=start + 22
    )
    corrected = named.text.replace("I produce films", "I produce feature films")
    assert (
        client_for("coder").post(url("correct", project, named.pk), {"text": corrected}).status_code
        == 403
    )
    response = client_for("lead").post(
        url("correct", project, named.pk), {"text": corrected, "note": "typo"}
    )
    assert response.status_code == 302
    named.refresh_from_db()
    coding.refresh_from_db()
    assert named.text == corrected
    assert named.text[coding.start : coding.end] == "Money was always short"
    revision = SourceRevision.objects.get()
    assert (revision.number, revision.kind, revision.codings_moved, revision.note) == (
        1,
        "correction",
        1,
        "typo",
    )
    page = client_for("lead").get(url("revisions", project, named.pk) + "?show=1").content.decode()
    assert "Words corrected" in page
    assert "Text before it" not in page and "revision-text" not in page  # admins only
    page = client_for("admin").get(url("revisions", project, named.pk) + "?show=1").content.decode()
    assert "I produce films" in page
    # an unchanged or empty text changes nothing
    for text in (named.text, "   "):
        response = client_for("lead").post(url("correct", project, named.pk), {"text": text})
        assert response.status_code == 200
    assert SourceRevision.objects.count() == 1


def test_the_command_detects_writes_json_applies_and_exports_the_key(
    project, named, users, tmp_path
):
    out = tmp_path / "spans.json"
    call_command("deidentify", str(project.pk), "--detect", "--json", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [d["source"] for d in data] == ["Interview BY-07"]
    spans = data[0]["spans"]
    first = spans[0]
    assert set(first) >= {"start", "end", "text", "label", "placeholder"}
    assert TEXT[first["start"] : first["end"]] == first["text"]
    assert ("Hanna", "PERSON", "[BY-07]") in {
        (s["text"], s["label"], s["placeholder"]) for s in spans
    }
    call_command("deidentify", project.name, "--apply", "--accept-all")
    named.refresh_from_db()
    assert "Hanna" not in named.text
    key_file = tmp_path / "key.json"
    call_command("deidentify", str(project.pk), "--export-key", str(key_file))
    key = json.loads(key_file.read_text(encoding="utf-8"))
    assert sum(len(e["spans"]) for e in key) == len(spans)
    with pytest.raises(CommandError, match="No project"):
        call_command("deidentify", "no such project", "--detect")
    with pytest.raises(CommandError, match="--accept-all goes with --apply"):
        call_command("deidentify", str(project.pk), "--detect", "--accept-all")


def test_the_source_page_says_when_coding_waits_for_de_identification(
    client_for, project, named, users
):
    from interviews.deid import services
    from interviews.deid.models import DeidSettings

    DeidSettings.objects.create(project=project, required_before_coding=True)
    page = client_for("coder").get(named.get_absolute_url()).content.decode()
    assert "requires de-identification before coding" in page
    assert "Correct the text" not in page and "De-identify" not in page
    services.source_deidentify(source=named, user=users["admin"])
    page = client_for("coder").get(named.get_absolute_url()).content.decode()
    assert "requires de-identification" not in page
    page = client_for("lead").get(named.get_absolute_url()).content.decode()
    assert "Correct the text" in page and "De-identify" not in page
