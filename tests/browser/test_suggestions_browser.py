"""Suggestions in the coding page (Chromium): dashed, with score and origin; a and r."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Coding
from coding.suggestion_models import Suggestion, SuggestionStatus
from coding.suggestion_services import rule_run, rule_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _suggest(users, source, code) -> None:
    """A rule proposes two sentences of the source."""
    rule = rule_save(
        project=source.project,
        user=users["lead"],
        name="Minsk",
        code=code,
        keywords="festival\nmoney",
        scope="sentence",
    )
    rule_run(rule=rule, dry_run=False)


def test_a_accepts_and_r_rejects_the_current_suggestion(page_for, users, source, code):
    _suggest(users, source, code)
    first, second = Suggestion.objects.order_by("start")
    page = page_for(users["coder"])
    page.goto(reverse("coding:workspace", args=[source.project_id, source.pk]))
    page.wait_for_selector("#workspace[data-ready=true]")
    page.wait_for_function(
        "() => document.querySelector('[data-field=suggestion-count]').textContent === '2'"
    )
    cards = page.locator(".ws-suggestion-list .ws-suggestion-card")
    assert (
        "Financing" in cards.first.inner_text()
        and "1.00 · rule “Minsk”" in cards.first.inner_text()
    )
    assert "It started at a festival in Minsk." in cards.first.inner_text()
    # Drawn dashed in the text through a highlight, not as a coding.
    assert page.evaluate("CSS.highlights.get('parley-suggestion').size") == 2
    page.keyboard.press("a")  # no suggestion chosen yet: nothing happens
    page.wait_for_timeout(500)
    cards.first.locator("[data-action=focus]").focus()
    assert page.evaluate("CSS.highlights.get('parley-suggestion-current').size") == 1
    assert page.evaluate("CSS.highlights.get('parley-suggestion').size") == 1
    assert not Coding.objects.exists()
    page.keyboard.press("a")
    page.wait_for_function(
        "() => document.querySelector('[data-field=suggestion-count]').textContent === '1'"
    )
    coding = Coding.objects.get()
    assert (coding.coder, coding.start, coding.end, coding.origin) == (
        users["coder"],
        first.start,
        first.end,
        "rule “Minsk”",
    )
    # The new coding shows on the page, and its details give its origin.
    chip = page.locator(f".ws-chip[data-id='{coding.pk}']")
    chip.click()
    summary = page.locator("[data-field=editor-summary]")
    summary.wait_for()
    assert "Financing — coder (from rule “Minsk”)" in summary.inner_text()
    cards.first.locator("[data-action=focus]").focus()
    page.keyboard.press("r")
    page.wait_for_function(
        "() => document.querySelector('[data-field=suggestion-count]').textContent === '0'"
    )
    assert Suggestion.objects.get(pk=second.pk).status == SuggestionStatus.REJECTED
    assert Coding.objects.count() == 1
    assert page.errors == []


def test_accept_all_above_a_score_accepts_them_through_the_api(page_for, users, source, code):
    _suggest(users, source, code)
    low = Suggestion.objects.order_by("start").last()
    Suggestion.objects.filter(pk=low.pk).update(score=0.3)
    page = page_for(users["coder"])
    page.goto(reverse("coding:workspace", args=[source.project_id, source.pk]))
    page.wait_for_selector("#workspace[data-ready=true]")
    page.wait_for_function(
        "() => document.querySelector('[data-field=suggestion-count]').textContent === '2'"
    )
    page.fill("#ws-suggestion-min", "0.5")
    page.locator("[data-field=suggestion-accept-all] button").click()
    page.wait_for_function(
        "() => document.querySelector('[data-field=suggestion-status]').textContent"
        " === '1 suggestion accepted.'"
    )
    page.wait_for_function(
        "() => document.querySelector('[data-field=suggestion-count]').textContent === '1'"
    )
    coding = Coding.objects.get()
    assert (coding.coder, coding.origin) == (users["coder"], "rule “Minsk”")
    assert Suggestion.objects.get(pk=low.pk).status == SuggestionStatus.PENDING
    assert page.errors == []
