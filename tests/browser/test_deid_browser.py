"""Marking a missed identifying span by selecting its words in the browser."""

from __future__ import annotations

import pytest
from django.urls import reverse

from interviews.deid.models import IdentifyingSpan
from interviews.models import Interviewee
from interviews.services import source_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Interviewer: Who helped? 🎬\n\nRespondent: Our neighbour Ян Касперович, from Гродно."


def test_an_admin_selects_a_missed_name_and_marks_it(page_for, project, users):
    person = Interviewee.objects.create(project=project, pseudonym="BY-09")
    source = source_create(project=project, title="t", text=TEXT, interviewees=[person])
    page = page_for(users["admin"])
    page.goto(reverse("deid:source_review", args=[project.pk, source.pk]))
    name = "Ян Касперович"
    page.evaluate(
        """(name) => {
            const article = document.getElementById('deid-text');
            const node = article.firstChild;
            const at = node.textContent.indexOf(name);
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + name.length);
            document.getSelection().removeAllRanges();
            document.getSelection().addRange(range);
        }""",
        name,
    )
    page.wait_for_function("() => document.querySelector('#deid-add [name=start]').value !== ''")
    assert page.locator("[data-field=selected]").text_content() == name
    page.select_option("#deid-add [name=interviewee]", label="BY-09")
    page.click("#deid-add button[type=submit]")
    page.wait_for_load_state()
    span = IdentifyingSpan.objects.get()
    # offsets in code points: the emoji before the name counts once
    assert (span.text, span.start) == (name, TEXT.index(name))
    assert span.entity.placeholder == "[BY-09]"
    assert page.errors == []
