"""The demo loader creates what it promises, and running it twice changes nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from coding.models import Code, Coding
from interviews.models import Interviewee, Project, Role, Source

DATA = Path(__file__).resolve().parents[2] / "demo" / "data"


def _expected_codings() -> dict[str, int]:
    per_coder: dict[str, int] = {}
    for path in DATA.glob("*.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(record, dict):
            for entry in record["codings"]:
                for coder in entry["coders"]:
                    per_coder[coder] = per_coder.get(coder, 0) + 1
    return per_coder


@pytest.fixture
def demo(db) -> Project:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "olga" in out.getvalue() and "parley-demo" in out.getvalue()
    return Project.objects.get()


def test_demo_creates_what_it_promises(demo):
    transcripts = demo.sources.filter(kind="interview")
    assert transcripts.count() >= 8
    for source in transcripts:
        assert 1200 <= source.word_count <= 2500, source.title
        assert source.segments.filter(kind="turn").count() >= 10
        assert source.interviewees.count() == 1
    countries = set(demo.interviewees.values_list("country", flat=True))
    assert countries == {"China", "Belarus"}
    assert demo.interviewees.count() == 14
    assert "FICTIONAL" in demo.description
    roles = dict(demo.memberships.values_list("user__username", "role"))
    assert set(roles.values()) == set(Role.values)


def test_demo_codebook_has_swot_and_policy_codes(demo):
    tops = {c.name: c for c in Code.objects.filter(project=demo, parent=None)}
    for quadrant in ["Strengths", "Weaknesses", "Opportunities", "Threats"]:
        assert 3 <= tops[quadrant].children.count() <= 6
    for policy in [
        "Going Out strategy",
        "Cultural Strategy 2020",
        "Film co-production",
        "Cultural diplomacy",
        "Digital and AI",
        "Tourism",
        "Heritage and crafts",
        "Financing and infrastructure",
    ]:
        assert policy in tops


def test_demo_codings_by_two_coders_on_every_source(demo):
    per_coder = dict(
        Coding.objects.values("coder__username")
        .annotate(n=Count("pk"))
        .values_list("coder__username", "n")
    )
    assert per_coder == _expected_codings()
    for source in demo.sources.filter(kind="interview"):
        coders = set(source.codings.values_list("coder__username", flat=True))
        assert coders == {"artem", "dasha"}, source.title
    # Realistic disagreement: some passages were coded by one coder only.
    spans = Coding.objects.values("source", "code", "start", "end").annotate(n=Count("coder"))
    assert spans.filter(n=1).exists() and spans.filter(n=2).exists()


def test_demo_loader_is_idempotent(demo):
    counts = (
        Source.objects.count(),
        Coding.objects.count(),
        Code.objects.count(),
        Interviewee.objects.count(),
    )
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "already loaded" in out.getvalue()
    assert (
        Source.objects.count(),
        Coding.objects.count(),
        Code.objects.count(),
        Interviewee.objects.count(),
    ) == counts
    assert Project.objects.count() == 1


def test_demo_sources_have_sentences_and_entities(demo):
    from interviews.models import NamedEntity, NlpStatus, SegmentKind

    assert demo.sources.count() == 13
    for source in demo.sources.all():
        sentences = list(source.segments.filter(kind=SegmentKind.SENTENCE))
        assert len(sentences) > 5, source.title
        assert all(source.text[s.start : s.end].strip() for s in sentences)
        # The count kept with the source, after the demo's de-identification revisions.
        assert source.sentence_count == len(sentences), source.title
        # The tests' task backend runs the background language processing at once.
        assert source.nlp_status == NlpStatus.DONE
    assert NamedEntity.objects.filter(source__project=demo).exists()
