"""The demo study loads de-identified: its members read no interviewee's real name."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from coding.models import Change
from demo.management.commands.load_demo import NEVER_IDENTIFYING
from interviews.deid.key import identified_text
from interviews.deid.models import IdentifyingSpan, SourceRevision, SpanStatus
from interviews.models import Project


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_demo", stdout=io.StringIO())
        project = Project.objects.get()
        yield project
        project.delete()
        get_user_model().objects.all().delete()


def found(words: set[str], text: str) -> list[str]:
    """The words standing in the text, outside the terms the demo never treats as names
    (the Tang dynasty is not Tang Zixuan)."""
    for term in NEVER_IDENTIFYING:
        text = text.replace(term, "")
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]


def identifying_words(project) -> set[str]:
    words = set()
    for person in project.interviewees.all():
        words.update(w for w in re.split(r"\s+", person.real_name) if len(w) > 2)
        words.add(person.contact)
        if person.organisation:
            words.add(person.organisation)
    return {w for w in words if w}


@pytest.mark.django_db
def test_every_demo_source_is_de_identified_with_its_key(demo):
    words = identifying_words(demo)
    for source in demo.sources.all():
        assert SourceRevision.objects.filter(source=source, kind="deidentify").count() == 1
        assert found(words, source.text + " " + source.title) == [], source.title
    applied = IdentifyingSpan.objects.filter(source__project=demo, status=SpanStatus.APPLIED)
    assert {s.text for s in applied} >= {"Lanka Pictures", "Krosny Crafts Association"}
    # the identified original is still there, for admins
    source = applied.first().source
    assert "Lanka Pictures" in identified_text(source) or "Krosny" in identified_text(source)
    # the history records each de-identification
    assert Change.objects.filter(project=demo, object_type="source").count() == 13


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["artem", "victor"])
def test_assistants_and_viewers_read_no_real_name_in_the_sources(demo, username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    words = identifying_words(demo)
    for source in demo.sources.all():
        for url in (
            source.get_absolute_url(),
            reverse("coding:workspace", args=[demo.pk, source.pk]),
        ):
            body = client.get(url).content.decode()
            assert found(words, body) == [], (url, username)
