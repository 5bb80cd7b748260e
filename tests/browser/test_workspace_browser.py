"""The coding workspace in Chromium: exact offsets, overlaps, keys, undo, blinding, two coders."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Code, Coding
from coding.services import coding_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SELECT_TEXT = """
([needle, nth]) => {
  const blocks = [...document.querySelectorAll('.ws-text')];
  let seen = 0;
  for (const el of blocks) {
    const text = el.textContent;
    let at = text.indexOf(needle);
    while (at !== -1) {
      if (seen === nth) {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        const point = (target) => {
          let node = walker.currentNode = el, rest = target;
          walker.currentNode = el;
          while ((node = walker.nextNode())) {
            if (rest <= node.length) return [node, rest];
            rest -= node.length;
          }
        };
        const range = document.createRange();
        range.setStart(...point(at));
        range.setEnd(...point(at + needle.length));
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        el.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        return selection.toString();
      }
      seen += 1;
      at = text.indexOf(needle, at + 1);
    }
  }
  throw new Error('not found: ' + needle);
}
"""


def open_workspace(page, source, fragment=""):
    url = reverse("coding:workspace", args=[source.project_id, source.pk]) + fragment
    page.goto(url)
    page.wait_for_selector("#workspace[data-ready=true]")
    return page


def select_text(page, needle, nth=0):
    selected = page.evaluate(SELECT_TEXT, [needle, nth])
    page.wait_for_function(
        "(needle) => document.querySelector('[data-field=selection]').textContent.includes(needle)",
        arg=needle,
    )
    return selected


def test_the_page_shows_the_text_and_codings(page_for, users, source, coding):
    page = open_workspace(page_for(users["coder"]), source)
    assert page.locator(".ws-chip").count() == 1
    assert page.locator("mark.hl").first.text_content() == "Money was always short"
    assert page.errors == []
