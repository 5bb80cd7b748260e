"""The coding page in Chromium: room for the text, countable highlights, the keyboard all the
way, codes from where one codes, and narrow screens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Code, CodePin
from coding.services import coding_create
from interviews.services import source_create
from tests.browser import test_accessibility
from tests.browser.test_workspace_browser import open_workspace, select_text, stored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE, LAPTOP, TABLET, PHONE = (1400, 900), (1024, 768), (768, 1000), (390, 844)

coded = test_accessibility.coded  # a source coded by two coders: the same fixture


def sized(page, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    return page


def box(page, selector, nth=0):
    return page.locator(selector).nth(nth).bounding_box()


def active(page, expression="el => el.className"):
    return page.evaluate(f"() => ({expression})(document.activeElement)")


# 1. Room for the text ----------------------------------------------------------------------


def test_the_text_has_the_room_and_each_turn_names_its_speaker(page_for, users, source, coding):
    page = open_workspace(sized(page_for(users["coder"]), WIDE), source)
    assert not page.locator("#project-menu").is_visible()
    assert page.get_by_role("button", name="Project menu").is_visible()
    text = box(page, ".ws-text", 1)
    # As wide as comfortable reading allows: about 72 characters, not the 550 px of before.
    assert 600 <= text["width"] <= 700
    speakers = page.locator(".ws-speaker").all_text_contents()
    assert speakers == ["Interviewer", "BY-01", "Interviewer", "BY-01"]
    speaker = box(page, ".ws-speaker", 1)
    assert speaker["x"] + speaker["width"] <= text["x"] and abs(speaker["y"] - text["y"]) < 12
    # The codings are a panel of their own, as tall as the window allows.
    page.locator("#ws-tab-codings").click()
    pane = box(page, "#ws-pane-codings")
    assert pane["height"] > 600
    assert page.locator(".ws-list-item").all_text_contents() == [
        " Financing · coder: “Money was always short”"
    ]
    # The keyboard help opens over the page: the text does not move.
    before = box(page, ".ws-block")["y"]
    page.get_by_text("Keyboard", exact=True).click()
    assert page.locator(".ws-keys").is_visible()
    assert box(page, ".ws-block")["y"] == before
    assert page.errors == []


# 2. Countable highlights ---------------------------------------------------------------------

BANDS = """
(mark) => {
  const shadow = getComputedStyle(mark).boxShadow;
  return shadow.split(/,(?![^(]*\\))/).filter((layer) => !layer.includes('rgb(255, 255, 255)')).length;
}
"""


def test_each_coding_draws_its_own_band(page_for, users, source, code):
    text = source.text
    money = text.index("Money was always short")
    coding_create(source=source, code=code, coder=users["coder"], start=money, end=money + 22)
    coding_create(source=source, code=code, coder=users["lead"], start=money, end=money + 22)
    coding_create(
        source=source, code=code.parent, coder=users["lead"], start=money + 6, end=money + 40
    )
    page = open_workspace(sized(page_for(users["lead"]), WIDE), source)
    marks = page.locator("mark.hl")
    pieces = [
        (m.text_content(), len(m.get_attribute("data-ids").split()), m.evaluate(BANDS))
        for m in marks.all()
    ]
    assert pieces == [
        ("Money ", 2, 2),
        ("was always short", 3, 3),
        (", but the partners", 1, 1),
    ]
    # The hover card sits above the line under the pointer, never over the next line.
    mark = marks.nth(1)
    mark.hover()
    card = box(page, "#ws-tooltip")
    assert page.locator("#ws-tooltip").text_content() == (
        "Weaknesses/Financing — coder\nWeaknesses/Financing — lead\nWeaknesses — lead"
    )
    assert card["y"] + card["height"] <= mark.bounding_box()["y"]
    assert page.errors == []


def test_at_the_top_of_the_window_the_hover_card_stands_beside_the_text(
    page_for, users, project, code
):
    turns = [
        f"Speaker {1 + i % 2}: Turn {i} of a long talk about films and money." for i in range(40)
    ]
    long = source_create(project=project, title="A long talk", text="\n\n".join(turns))
    start = long.text.index("Turn 30")
    coding_create(source=long, code=code, coder=users["coder"], start=start, end=start + 7)
    page = open_workspace(sized(page_for(users["lead"]), (1400, 400)), long)
    mark = page.locator("mark.hl").first
    top = mark.evaluate("el => el.getClientRects()[0].top + window.scrollY")
    page.evaluate("(y) => window.scrollTo(0, y - 4)", top)
    line = mark.evaluate("el => { const r = el.getClientRects()[0]; return [r.left, r.top]; }")
    assert 0 <= line[1] < 10  # the line is at the top: no room above it
    page.mouse.move(line[0] + 3, line[1] + 8)
    page.wait_for_selector("#ws-tooltip:not([hidden])")
    card = box(page, "#ws-tooltip")
    text = mark.evaluate("el => el.closest('.ws-text').getBoundingClientRect().right")
    # In the window, level with the line, and over no line of the text.
    assert card["y"] >= 0 and card["y"] + card["height"] <= 400
    assert card["x"] >= text and card["x"] + card["width"] <= 1400
    assert page.locator("#ws-tooltip").text_content() == "Weaknesses/Financing — coder"
    assert page.errors == []


# 3. The keyboard all the way -----------------------------------------------------------------


def test_the_skip_link_leads_to_the_text_and_enter_opens_a_coding(page_for, users, source, coding):
    page = open_workspace(sized(page_for(users["coder"]), WIDE), source)
    page.keyboard.press("Tab")
    assert active(page, "el => el.textContent") == "Skip to the text"
    # The text is the next stop after the skip link, though the menu bar is drawn above it.
    page.keyboard.press("Tab")
    assert active(page, "el => el.getAttribute('aria-label')") == "Turn of Interviewer"
    assert box(page, "nav.navbar")["y"] < box(page, "h1")["y"] < box(page, "#ws-text")["y"]
    page.keyboard.press("Shift+Tab")
    assert active(page, "el => el.textContent") == "Skip to the text"
    page.keyboard.press("Enter")
    assert active(page, "el => el.getAttribute('aria-label')") == "Turn of Interviewer"
    page.keyboard.press("Tab")
    assert active(page, "el => el.getAttribute('aria-label')") == "Turn of BY-01"
    page.keyboard.press("Tab")  # the coding beside the turn
    assert active(page, "el => el.dataset.id") == str(coding.pk)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'ws-edit-code'")
    page.keyboard.press("Tab")
    assert active(page, "el => el.id") == "ws-edit-memo"
    page.keyboard.type("Short money, long trust.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Save memo
    page.wait_for_function(
        "() => document.activeElement.getAttribute('aria-label') === 'Turn of BY-01'"
    )
    coding.refresh_from_db()
    assert coding.memos.get().text == "Short money, long trust."
    # The focus is back on the passage: the next key works there.
    page.keyboard.press("t")
    assert page.evaluate("() => getSelection().toString()") == (
        "It started at a festival in Minsk. Money was always short, but the partners "
        "trusted each other."
    )
    assert page.errors == []


def test_coding_a_whole_turn_codes_the_answer_not_the_label(page_for, users, source, code):
    page = open_workspace(sized(page_for(users["coder"]), WIDE), source)
    page.locator(".ws-block").nth(3).focus()
    page.keyboard.press("Escape")
    page.keyboard.press("1")  # nothing selected: the whole turn
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 1")
    (coded,) = stored(source)
    assert coded.quote == "Audiences in Harbin loved the film 🎬 — 观众很喜欢 — и в Минске тоже."
    assert active(page, "el => el.getAttribute('aria-label')") == "Turn of BY-01"
    # Coding through the chooser gives the focus back to the passage too.
    select_text(page, "It started at a festival")
    page.locator("#ws-code-search").fill("Finan")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 2")
    assert active(page, "el => el.getAttribute('aria-label')") == "Turn of BY-01"
    assert page.locator("#ws-code-search").input_value() == ""
    assert page.errors == []


# 4. Codes from where one codes ---------------------------------------------------------------


@pytest.mark.parametrize("size", [WIDE, PHONE])
def test_a_lead_creates_a_code_from_the_chooser_and_applies_it(page_for, users, source, code, size):
    page = open_workspace(sized(page_for(users["lead"]), size), source)
    select_text(page, "the partners trusted each other")
    if size == PHONE:  # the chooser is in the tools, over the text
        page.get_by_role("button", name="Coding tools").click()
        page.wait_for_selector("#ws-tools.show")
    page.locator("#ws-code-search").fill("Trust between partners")
    options = page.locator("#ws-code-options [role=option]")
    assert options.all_text_contents() == ["New code “Trust between partners”…"]
    page.keyboard.press("Enter")
    assert active(page, "el => el.id") == "ws-new-parent"
    page.locator("#ws-new-parent").select_option(label="Weaknesses")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 1")
    made = Code.objects.get(project=source.project, name="Trust between partners")
    assert made.parent == code.parent and made.colour == code.parent.colour
    (coded,) = stored(source)
    assert (coded.code, coded.quote) == (made, "the partners trusted each other")
    # The new code is in the codebook and the editor's list at once.
    if size == PHONE:  # coding gave the focus back to the passage: the tools closed
        page.wait_for_selector("#ws-tools", state="hidden")
        assert active(page, "el => el.getAttribute('aria-label')") == "Turn of BY-01"
        page.get_by_role("button", name="Coding tools").click()
        page.wait_for_selector("#ws-tools.show")
    page.locator("#ws-tab-codebook").click()
    assert "Trust between partners" in page.locator("[data-field=codebook]").text_content()
    assert page.errors == []


def test_a_coder_cannot_create_codes_but_chooses_a_codes_key(page_for, users, source, code):
    page = open_workspace(sized(page_for(users["coder"]), WIDE), source)
    page.locator("#ws-code-search").fill("Trust between partners")
    assert page.locator("#ws-code-options [role=option]").count() == 0
    page.locator("#ws-tab-codebook").click()
    page.locator(f"[data-key-code='{code.pk}']").select_option("5")
    page.wait_for_function(
        "() => document.querySelector('#ws-status').textContent.includes('key 5')"
    )
    pins = dict(CodePin.objects.filter(user=users["coder"]).values_list("slot", "code"))
    assert pins == {1: code.parent.pk, 5: code.pk}  # the key chosen directly, 1 kept
    select_text(page, "Money was always short")
    page.locator(".ws-block").nth(1).focus()
    page.keyboard.press("5")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 1")
    assert [(c.code, c.quote) for c in stored(source)] == [(code, "Money was always short")]
    assert page.errors == []


# 5. Narrow screens ---------------------------------------------------------------------------


def test_on_a_laptop_the_text_keeps_a_readable_line_and_the_menu_bar_one_line(
    page_for, users, source, coding
):
    project = source.project
    project.name = "China–Belarus cultural industries: expert interviews 2024–2025"
    project.save(update_fields=["name"])
    page = open_workspace(sized(page_for(users["coder"]), LAPTOP), source)
    assert page.locator("#ws-tools").is_visible()  # the tools beside the text, as on a wide one
    text, margin = box(page, ".ws-text", 1), box(page, ".ws-margin", 1)
    # About 45 characters a line or more (it was 255 px, some 30, with the wide screen's
    # columns squeezed in); the codings' margin beside it, wide enough for a code's name.
    assert text["width"] >= 360
    assert margin["x"] >= text["x"] + text["width"] and margin["width"] >= 150
    chip = box(page, ".ws-chip")
    assert (
        chip["x"] >= margin["x"] and chip["x"] + chip["width"] <= margin["x"] + margin["width"] + 1
    )
    # The menu bar is one line: the project's name is cut short rather than any link wrapped.
    bar = box(page, "nav.navbar")
    assert bar["height"] < 70
    for name in ("Profile", "Password", "Log out"):
        link = page.get_by_role("navigation", name="Main").get_by_text(name, exact=True)
        assert link.bounding_box()["height"] < 45, name
    assert page.locator(".nav-project").get_attribute("title") == project.name
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= LAPTOP[0]
    assert page.errors == []


@pytest.mark.parametrize("size", [TABLET, PHONE])
def test_on_a_narrow_screen_the_tools_open_over_the_text(page_for, users, source, coding, size):
    page = open_workspace(sized(page_for(users["coder"]), size), source)
    assert not page.locator("#project-menu").is_visible()
    assert not page.locator("#ws-tools").is_visible()
    text = box(page, ".ws-text", 1)
    assert text["x"] + text["width"] <= size[0]
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= size[0]
    page.get_by_role("button", name="Coding tools").click()
    page.wait_for_selector("#ws-tools.show")
    # Bootstrap marks it shown when the slide's time is up; on a busy machine the browser can
    # still be drawing the slide's last frames.
    page.evaluate(
        "() => Promise.all(document.querySelector('#ws-tools').getAnimations()"
        ".map(animation => animation.finished))"
    )
    tools = box(page, "#ws-tools")
    # Over the text, within the screen, not thousands of pixels below it.
    assert tools["y"] < 100 and tools["x"] >= 0 and tools["x"] + tools["width"] <= size[0]
    page.keyboard.press("Escape")
    page.wait_for_selector("#ws-tools", state="hidden")
    # Enter on a coding opens its editor in the panel, with the focus inside.
    page.locator(".ws-chip").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'ws-edit-code'")
    assert page.locator("#ws-edit-memo").is_visible()
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => document.activeElement.getAttribute('aria-label') === 'Turn of BY-01'"
    )
    # The project menu opens from its button.
    page.get_by_role("button", name="Project menu").click()
    page.wait_for_selector("#project-menu.show")
    assert page.get_by_role("link", name="Codebook").is_visible()
    assert page.errors == []


def test_reports_scroll_inside_their_tables_on_a_phone(page_for, users, source, coding):
    page = sized(page_for(users["lead"]), PHONE)
    page.goto(reverse("reports:report", args=[source.project_id, "frequencies"]) + "?by=country")
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= PHONE[0]
    wrapper = page.locator(".table-responsive").first
    assert wrapper.evaluate("el => el.scrollWidth > el.clientWidth")
    assert not page.locator("#project-menu").is_visible()


def test_no_main_page_scrolls_sideways_on_a_phone(page_for, users, coded, code):
    """Wide tables scroll inside their wrappers; nothing, not even a hidden label of a table
    column, widens the page itself."""
    # A coding made as the page makes it: the history lists it, its snapshot and all.
    harbin = coded.text.index("Audiences in Harbin")
    coding_create(source=coded, code=code, coder=users["lead"], start=harbin, end=harbin + 19)
    page = sized(page_for(users["admin"]), PHONE)
    wide = {}
    for name, url in test_accessibility._pages(coded.project, coded, code, users).items():
        assert page.goto(url).status == 200, name
        width = page.evaluate("() => document.scrollingElement.scrollWidth")
        if width > PHONE[0]:
            wide[name] = width
    assert wide == {}
    assert page.errors == []


def test_search_hits_keep_the_words_beside_the_keyword_on_a_phone(page_for, users, source):
    """Each line's contexts are cut at the page's edges, not beside the keyword: the left one
    loses its beginning, the right one its end."""
    page = sized(page_for(users["coder"]), PHONE)
    page.goto(reverse("coding:search", args=[source.project_id]) + "?q=harbin")
    line = page.locator("table.kwic tbody tr").nth(1)
    left, key, right = (line.locator("td").nth(i) for i in range(3))
    assert key.inner_text() == "Harbin"
    words, cell = left.locator("span").bounding_box(), left.bounding_box()
    assert words["x"] < cell["x"]  # cut on the left …
    assert abs((words["x"] + words["width"]) - (cell["x"] + cell["width"])) < 12  # … kept here
    assert left.inner_text().endswith("Audiences in")
    assert right.evaluate("el => el.scrollWidth > el.clientWidth")  # cut on the right
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= PHONE[0]
    assert page.errors == []
