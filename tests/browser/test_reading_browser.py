"""The source's reading page in Chromium: a 200,000-word transcript drawn piece by piece,
read-only, with links to a passage, finding words and Tab working across pieces."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from demo.long_text import transcript
from interviews.services import source_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAR_WORD = "Zanzibarquest"


@pytest.fixture
def long_source(project):
    text = transcript(200_000, marker=FAR_WORD, marker_at=199_000)
    return source_create(project=project, title="Two hundred thousand", text=text)


def reading_url(source) -> str:
    return reverse("interviews:source_detail", args=[source.project_id, source.pk])


def open_page(page, source, fragment=""):
    response = page.goto(reading_url(source) + fragment)
    page.wait_for_selector("[data-reading][data-ready=true]")
    return response


def outline(page) -> list[list[int]]:
    return page.evaluate(
        "() => [...document.querySelectorAll('[data-reading] .ws-piece')].map(p => "
        "[Number(p.dataset.start), Number(p.dataset.end), p.querySelectorAll('.ws-block').length])"
    )


def status(page) -> str:
    return page.locator("#reading-status").text_content()


def wait_for_status(page, said: str) -> None:
    page.wait_for_function(
        "(said) => document.querySelector('#reading-status').textContent === said", arg=said
    )


def leave(page) -> None:
    """Close the page and let the live server finish what it was asked before the test's
    database goes."""
    page.context.close()
    time.sleep(1.5)


def test_a_long_transcript_is_drawn_in_pieces_read_only(page_for, users, project, long_source):
    short = source_create(
        project=project, title="Short", text="Interviewer: <b>Hello</b>?\n\nAnna: Hi."
    )
    page = page_for(users["viewer"])
    body = open_page(page, long_source).body()
    assert len(body) < 40_000
    assert FAR_WORD.encode() not in body
    pieces = outline(page)
    assert len(pieces) > 300
    assert pieces[0][0] == 0 and pieces[-1][1] == len(long_source.text)
    drawn = [p for p in pieces if p[2]]
    assert 0 < len(drawn) < 15
    first = page.locator("[data-reading] .ws-block").first
    assert first.locator(".ws-speaker").text_content() == "Interviewer"
    text = long_source.text
    assert first.locator(".ws-text").text_content() == text[: text.index("\n\n")]
    # Read-only: no margin for codings, no selection tools.
    assert page.locator(".ws-margin, .ws-chip, #ws-tools").count() == 0

    open_page(page, short)
    blocks = page.locator("[data-reading] .ws-text").all_text_contents()
    assert blocks == ["Interviewer: <b>Hello</b>?", "Anna: Hi."]  # as text, never as markup
    assert page.locator("[data-reading] b").count() == 0
    assert page.errors == []
    leave(page)


def test_a_link_and_finding_words_go_to_the_far_end(page_for, users, long_source):
    text = long_source.text
    start = text.index(FAR_WORD)
    end = start + len(FAR_WORD)
    page = page_for(users["viewer"])
    open_page(page, long_source, f"#pos={start}-{end}")
    assert page.evaluate("() => window.getSelection().toString()") == FAR_WORD
    assert page.evaluate("() => window.scrollY") > 100_000
    assert page.evaluate("() => Number(document.activeElement.dataset.start)") <= start
    assert status(page) == f"Showing the linked passage (positions {start}–{end})."
    pieces = outline(page)
    assert not pieces[len(pieces) // 2][2]  # the pieces between are not drawn

    open_page(page, long_source)
    assert page.evaluate("() => window.scrollY") < 100
    page.fill("#reading-find", FAR_WORD.lower())
    page.keyboard.press("Enter")
    wait_for_status(page, f"1 of 1: “{FAR_WORD}”.")
    top, bottom, height = page.evaluate(
        "(start) => { const b = [...document.querySelectorAll('.ws-block')]"
        ".filter(b => Number(b.dataset.start) <= start).at(-1).getBoundingClientRect();"
        " return [b.top, b.bottom, window.innerHeight]; }",
        start,
    )
    assert bottom > 0 and top < height

    # A word found in many places: Enter goes on, Shift+Enter and Previous go back; the
    # first thousand can be visited.
    many = text.count("Interviewer")
    assert many > 1000
    page.fill("#reading-find", "interviewer")
    page.keyboard.press("Enter")
    wait_for_status(page, f"1 of {many} (the first 1000 can be visited): “Interviewer”.")
    page.keyboard.press("Enter")
    wait_for_status(page, f"2 of {many} (the first 1000 can be visited): “Interviewer”.")
    page.keyboard.press("Shift+Enter")
    wait_for_status(page, f"1 of {many} (the first 1000 can be visited): “Interviewer”.")
    page.click("[data-find=previous]")  # from the first place to the last one visited
    wait_for_status(page, f"1000 of {many} (the first 1000 can be visited): “Interviewer”.")
    thousandth = [i for i in range(len(text)) if text.startswith("Interviewer", i)][999]
    assert page.evaluate(
        "(at) => [...document.querySelectorAll('.ws-block')].some(b =>"
        " Number(b.dataset.start) === at && b.getBoundingClientRect().bottom > 0"
        " && b.getBoundingClientRect().top < window.innerHeight)",
        thousandth,
    )

    page.fill("#reading-find", ",,")
    page.keyboard.press("Enter")
    wait_for_status(page, "Type one or more words to search for.")
    assert page.errors == []
    leave(page)


def test_tab_moves_from_turn_to_turn_across_pieces(page_for, users, long_source):
    page = page_for(users["viewer"])
    open_page(page, long_source)
    pieces = outline(page)
    page.locator(".ws-piece[data-index='0'] .ws-block").last.focus()
    page.keyboard.press("Tab")
    page.wait_for_function(
        "(start) => Number(document.activeElement.dataset.start) === start", arg=pieces[1][0]
    )
    page.keyboard.press("Shift+Tab")
    back = page.evaluate("() => Number(document.activeElement.dataset.end)")
    assert back == pieces[0][1] - 2  # the turn before the blank line that ends piece 0
    # From the last drawn turn, Tab draws the piece after it and goes to its first turn.
    drawn = [i for i, p in enumerate(outline(page)) if p[2]]
    edge = drawn[-1]
    page.locator(f".ws-piece[data-index='{edge}'] .ws-block").last.focus()
    page.keyboard.press("Tab")
    page.wait_for_function(
        "(start) => Number(document.activeElement.dataset.start) === start",
        arg=pieces[edge + 1][0],
    )
    assert page.errors == []
    leave(page)
