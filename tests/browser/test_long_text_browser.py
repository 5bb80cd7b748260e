"""A 200,000-word transcript in Chromium: the page is as small as a short one's, the text is
drawn piece by piece, and selecting, coding, links, search hits and the keys work across
pieces."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.urls import reverse

from coding.models import Coding
from demo.long_text import transcript as long_transcript
from interviews.services import source_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAR_WORD = "Zanzibarquest"


def transcript(words: int, marker_at: int | None = None) -> str:
    return long_transcript(words, marker=FAR_WORD, marker_at=marker_at)


@pytest.fixture
def long_source(project, code):
    text = transcript(200_000, marker_at=199_000)
    return source_create(project=project, title="Two hundred thousand", text=text)


def workspace_url(source) -> str:
    return reverse("coding:workspace", args=[source.project_id, source.pk])


def open_page(page, source, fragment=""):
    response = page.goto(workspace_url(source) + fragment)
    page.wait_for_selector("#workspace[data-ready=true]")
    return response


def outline(page) -> list[list[int]]:
    return page.evaluate(
        "() => [...document.querySelectorAll('.ws-piece')].map(p => "
        "[Number(p.dataset.start), Number(p.dataset.end), p.querySelectorAll('.ws-block').length])"
    )


def without_outline(body: bytes) -> int:
    """The bytes of a coding page less every piece's span in its data (as json_script
    writes them)."""
    data = re.search(rb'<script id="workspace-data" type="application/json">(.*?)</script>', body)
    spans = json.loads(data.group(1))["first"]["pieces"]["outline"]
    return len(body) - len(json.dumps(spans).encode())


def leave(page) -> None:
    """Close the page and give the live server a moment to finish what it was asked, so that
    no request outlives the test's database."""
    page.context.close()
    time.sleep(1.5)


def selection_text(page) -> str:
    return page.locator("[data-field=selection]").text_content()


def test_the_page_of_a_long_transcript_is_as_small_as_a_short_ones(
    page_for, users, project, long_source
):
    short = source_create(project=project, title="Eight thousand words", text=transcript(8_000))
    page = page_for(users["coder"])
    short_bytes = without_outline(open_page(page, short).body())
    long_bytes = without_outline(open_page(page, long_source).body())
    assert long_bytes < 60_000
    # The page carries the first piece of the text and every piece's span (which grows by a
    # few bytes a piece, as the pieces request that carried it did); apart from those spans,
    # the title and ids differ, nothing else.
    assert abs(long_bytes - short_bytes) < 200
    assert FAR_WORD not in open_page(page, long_source).text()
    pieces = outline(page)
    assert len(pieces) > 300
    assert pieces[0][0] == 0 and pieces[-1][1] == len(long_source.text)
    # Only the pieces on screen and near it are drawn.
    drawn = [p for p in pieces if p[2]]
    assert 0 < len(drawn) < 15
    assert page.errors == []
    leave(page)


def test_a_passage_across_two_pieces_is_coded_exactly(page_for, users, long_source, code):
    page = page_for(users["coder"])
    open_page(page, long_source)
    page.wait_for_selector(".ws-piece[data-index='1'] .ws-block")  # drawn as it nears the screen
    pieces = outline(page)
    boundary = pieces[1][0]
    text = long_source.text
    # From the last word of piece 0's last turn to the third word of piece 1's first turn.
    start = text.rindex(" ", 0, boundary - 2) + 1
    end = boundary + re.match(r"\S+ [A-Za-z]+", text[boundary:]).end()
    page.evaluate(
        """([start, end]) => {
          const blocks = [...document.querySelectorAll('.ws-block')];
          const point = (offset) => {
            const block = blocks.filter(b => Number(b.dataset.start) <= offset).at(-1);
            const node = block.querySelector('.ws-text').firstChild;
            return [node, offset - Number(block.dataset.start)];
          };
          const range = document.createRange();
          range.setStart(...point(start));
          range.setEnd(...point(end));
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          document.querySelector('.ws-text-area').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        }""",
        [start, end],
    )
    page.wait_for_function(
        "() => document.querySelector('[data-field=selection]').textContent.startsWith('Selected')"
    )
    page.keyboard.press("2")  # the second pinned code: Financing (tree order)
    page.wait_for_function(
        "() => document.querySelector('#ws-status').textContent.startsWith('Coded with')"
    )
    coding = Coding.objects.get(source=long_source)
    assert (coding.start, coding.end, coding.code_id) == (start, end, code.pk)
    assert coding.start < boundary < coding.end
    # The coding is drawn in both pieces and listed with its whole quote.
    marks = page.locator("mark.hl").all_text_contents()
    assert "".join(marks).replace("\n", "") == text[start:end].replace("\n", "")
    item = page.locator(".ws-list-item").first.text_content()
    assert text[start:end][:40] in item
    assert page.errors == []
    leave(page)


def test_a_link_to_the_far_end_and_a_search_hit_open_there(page_for, users, long_source):
    text = long_source.text
    start = text.index(FAR_WORD)
    end = start + len(FAR_WORD)
    page = page_for(users["viewer"])
    open_page(page, long_source, f"#pos={start}-{end}")
    assert selection_text(page) == f"Selected: “{FAR_WORD}”"
    assert page.evaluate("() => window.getSelection().toString()") == FAR_WORD
    assert page.evaluate("() => window.scrollY") > 100_000
    top, bottom, height = page.evaluate(
        "() => { const r = window.getSelection().getRangeAt(0).getBoundingClientRect();"
        " return [r.top, r.bottom, window.innerHeight]; }"
    )
    assert 0 <= top < bottom <= height
    # The pieces between the top and the passage are not drawn.
    pieces = outline(page)
    assert not pieces[len(pieces) // 2][2]

    page.goto(reverse("coding:search", args=[long_source.project_id]) + f"?q={FAR_WORD}")
    page.locator(f"a:has-text('{FAR_WORD}')").first.click()
    page.wait_for_selector("#workspace[data-ready=true]")
    page.wait_for_function(
        "(word) => window.getSelection().toString() === word", arg=FAR_WORD, timeout=10_000
    )
    assert f"#pos={start}-{end}" in page.url
    assert page.errors == []
    leave(page)


def test_tab_s_and_t_move_across_pieces(page_for, users, long_source):
    text = long_source.text
    page = page_for(users["coder"])
    open_page(page, long_source)
    pieces = outline(page)
    second = pieces[1][0]  # piece 1 begins with a turn
    last_of_first = page.locator(".ws-piece[data-index='0'] .ws-block").last
    last_of_first.focus()
    page.keyboard.press("Tab")
    # Piece 1 may still be on its way when Tab is pressed: focus moves once it is drawn.
    page.wait_for_function(
        "(start) => Number(document.activeElement.dataset.start) === start", arg=second
    )
    page.keyboard.press("t")
    turn_end = text.index("\n\n", second)
    body = text.index(": ", second) + 2
    page.wait_for_function(
        "(quote) => document.querySelector('[data-field=selection]').textContent.includes(quote)",
        arg=text[body : body + 40],
    )
    assert page.evaluate("() => window.getSelection().toString()") == text[body:turn_end]
    page.keyboard.press("Escape")
    page.keyboard.press("s")
    first_sentence = text[body : text.index(".", body) + 1]
    assert page.evaluate("() => window.getSelection().toString()") == first_sentence
    page.keyboard.press("Shift+Tab")
    back = page.evaluate("() => Number(document.activeElement.dataset.end)")
    assert back == pieces[0][1] - 2  # the turn before the blank line that ends piece 0

    # Tab from the last drawn turn reaches the first turn of the piece after it, which is
    # drawn for it when it was not yet.
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
