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
    gap = source.text.index("\n\nRespondent: It")
    coding_create(
        source=source, code=coding.code, coder=users["lead"], start=gap, end=gap + 13
    )  # starts in the blank between two turns
    page = open_workspace(page_for(users["coder"]), source)
    assert page.locator(".ws-chip").count() == 2
    assert page.locator("mark.hl").all_text_contents() == ["Respondent:", "Money was always short"]
    assert page.errors == []


def stored(source, **filters):
    return list(Coding.objects.filter(source=source, **filters).order_by("start", "pk"))


def test_a_passage_after_an_emoji_and_one_in_chinese_are_stored_exactly(
    page_for, users, source, code
):
    page = open_workspace(page_for(users["coder"]), source)
    after_emoji = "— 观众很喜欢 — и в Минске тоже."
    selected = select_text(page, after_emoji)
    assert selected == after_emoji
    page.keyboard.press("2")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 1")
    selected_chinese = select_text(page, "观众很喜欢")
    assert selected_chinese == "观众很喜欢"
    page.locator("#ws-code-search").fill("Finan")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 2")

    first, second = sorted(stored(source), key=lambda c: -len(c.quote))
    assert first.quote == after_emoji
    assert first.start == source.text.index(after_emoji)
    assert first.end == first.start + len(after_emoji)
    assert second.quote == "观众很喜欢"
    assert second.code == code
    assert page.errors == []


def test_overlapping_codings_render_and_are_removed_one_at_a_time(page_for, users, source, code):
    parent = code.parent
    text = source.text
    start = text.index("It started at a festival")
    spans = [
        (start, start + len("It started at a festival in Minsk."), code),
        (start + len("It started at "), start + len("It started at a festival in Minsk"), parent),
        (text.index("a festival"), text.index("a festival") + len("a festival"), code),
    ]
    for s, e, c in spans:
        coding_create(source=source, code=c, coder=users["coder"], start=s, end=e)
    page = open_workspace(page_for(users["coder"]), source)
    assert page.locator(".ws-chip").count() == 3
    triple = page.locator("mark.hl", has_text="festival")
    assert len(triple.first.get_attribute("data-ids").split()) == 3
    assert "Weaknesses/Financing — coder" in triple.first.get_attribute("data-describe")

    page.locator(".ws-chip").nth(1).focus()
    page.keyboard.press("Delete")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 2")
    remaining = stored(source)
    assert len(remaining) == 2
    page.locator(".ws-chip").first.click()
    page.locator("[data-action=delete]").click()
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 1")
    assert len(stored(source)) == 1
    assert page.locator("mark.hl").count() == 1
    assert page.errors == []


def test_number_keys_apply_pinned_codes_and_code_a_whole_turn(page_for, users, source, code):
    page = open_workspace(page_for(users["coder"]), source)
    select_text(page, "Money was always short")
    page.keyboard.press("2")  # by default the second codable code: Weaknesses/Financing
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 1")
    (coding,) = stored(source)
    assert (coding.code, coding.quote) == (code, "Money was always short")

    page.locator(".ws-block").nth(1).focus()
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 2")
    turn = stored(source, code=code.parent)[0]
    # The whole turn's words, without its "Respondent:" label.
    assert turn.quote == (
        "It started at a festival in Minsk. Money was always short, but the partners "
        "trusted each other."
    )


def test_undo_and_redo(page_for, users, source, code):
    page = open_workspace(page_for(users["coder"]), source)
    select_text(page, "the partners trusted each other")
    page.keyboard.press("2")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 1")
    assert len(stored(source)) == 1
    page.keyboard.press("Control+z")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 0")
    assert stored(source) == []
    page.keyboard.press("Control+Shift+z")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 1")
    (again,) = stored(source)
    assert again.quote == "the partners trusted each other"

    page.locator(".ws-chip").first.focus()
    page.keyboard.press("Delete")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 0")
    assert stored(source) == []
    page.keyboard.press("Control+z")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 1")
    (restored,) = stored(source)
    assert (restored.code, restored.quote) == (code, "the partners trusted each other")


def test_a_blinded_coder_sees_and_fetches_only_their_own_codings(page_for, users, source, code):
    source.project.blinded_coding = True
    source.project.save()
    text = source.text
    theirs = coding_create(
        source=source,
        code=code,
        coder=users["lead"],
        start=text.index("Minsk"),
        end=text.index("Minsk") + 5,
    )
    coding_create(
        source=source,
        code=code,
        coder=users["coder"],
        start=text.index("Harbin"),
        end=text.index("Harbin") + 6,
    )
    page = open_workspace(page_for(users["coder"]), source)
    assert page.locator(".ws-chip").count() == 1
    assert page.locator("mark.hl").all_text_contents() == ["Harbin"]
    assert "lead" not in page.content().split('id="workspace-data"')[1]
    url = reverse("api:source_codings", args=[source.project_id, source.pk])
    listed = page.evaluate("(url) => fetch(url).then((r) => r.json())", url)
    assert [c["coder"] for c in listed["codings"]] == ["coder"]
    one = reverse("api:coding", args=[source.project_id, theirs.pk])
    status = page.evaluate("(url) => fetch(url).then((r) => r.status)", one)
    assert status == 404

    lead_page = open_workspace(page_for(users["lead"]), source)
    assert lead_page.locator(".ws-chip").count() == 2


def test_two_coders_at_once_both_persist_everything_and_see_each_other(
    page_for, users, source, code
):
    first = open_workspace(page_for(users["coder"]), source)
    second = open_workspace(page_for(users["lead"]), source)
    words = ["Minsk", "Money", "partners", "audience", "Harbin", "film"]
    for i, word in enumerate(words):
        page = first if i % 2 == 0 else second
        select_text(page, word)
        page.keyboard.press("2")
    for page in (first, second):
        page.wait_for_function(
            "(n) => document.querySelectorAll('.ws-chip').length === n", arg=len(words)
        )
    rows = stored(source)
    assert sorted(c.quote for c in rows) == sorted(words)
    assert {c.coder.username for c in rows} == {"coder", "lead"}
    assert Code.objects.count() == 2
    assert first.errors == [] and second.errors == []


def test_a_link_with_a_position_selects_that_passage(page_for, users, source):
    start = source.text.index("Audiences in Harbin")
    end = start + len("Audiences in Harbin")
    page = open_workspace(page_for(users["coder"]), source, f"#pos={start}-{end}")
    assert page.evaluate("() => window.getSelection().toString()") == "Audiences in Harbin"
    assert "Showing the linked passage" in page.locator("#ws-status").text_content()


def test_a_coding_is_edited_from_the_page_and_the_edit_undone(page_for, users, source, coding):
    page = open_workspace(page_for(users["coder"]), source)
    page.locator(".ws-chip").first.click()
    page.locator("#ws-edit-memo").fill("money is the recurring obstacle")
    page.get_by_role("button", name="Save memo").click()
    page.wait_for_function(
        "() => document.querySelector('#ws-status').textContent.startsWith('Changed')"
    )
    assert coding.memos.get().text == "money is the recurring obstacle"

    page.locator("#ws-edit-code").select_option(label="Weaknesses")
    page.wait_for_function(
        "() => document.querySelector('[data-field=editor-summary]').textContent.startsWith('Weaknesses —')"
    )
    coding.refresh_from_db()
    assert coding.code.name == "Weaknesses"

    page.get_by_role("button", name="end ▶").click()
    page.wait_for_function("() => document.querySelector('mark.hl').textContent.endsWith('but')")
    coding.refresh_from_db()
    assert coding.quote == "Money was always short, but"

    page.keyboard.press("Control+z")
    page.wait_for_function("() => document.querySelector('mark.hl').textContent.endsWith('short')")
    coding.refresh_from_db()
    assert coding.quote == "Money was always short"
    assert page.errors == []


def test_sentence_snapping_and_keyboard_only_coding(page_for, users, source, code):
    from interviews.models import profile_for

    profile = profile_for(users["coder"])
    profile.selection_snap = "sentence"
    profile.save()
    page = open_workspace(page_for(users["coder"]), source)
    select_text(page, "always short")
    page.keyboard.press("2")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 1")
    (snapped,) = stored(source)
    assert snapped.quote == "Money was always short, but the partners trusted each other."

    # Keyboard only: Tab into the text, walk the sentences of a turn, code one with a key.
    page.locator("#ws-code-search").focus()
    page.locator(".ws-block").nth(1).focus()
    page.keyboard.press("Escape")
    page.keyboard.press("s")
    assert page.evaluate("() => getSelection().toString()").endswith("in Minsk.")
    page.keyboard.press("s")
    page.keyboard.press("1")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 2")
    coded = stored(source, code=code.parent)[0]
    assert coded.quote == "Money was always short, but the partners trusted each other."

    # One action codes a sentence: Alt+number on a turn with nothing selected.
    page.locator(".ws-block").nth(2).focus()
    page.keyboard.press("Escape")
    page.keyboard.press("Alt+2")
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 3")
    # Stored sentences leave the speaker label out.
    assert [c.quote for c in stored(source, code=code)][-1] == "And the audience?"
    assert page.errors == []


def test_filters_show_one_coder_or_only_mine(page_for, users, source, code):
    text = source.text
    for user, word in (("coder", "Harbin"), ("lead", "Minsk")):
        at = text.index(word)
        coding_create(source=source, code=code, coder=users[user], start=at, end=at + len(word))
    page = open_workspace(page_for(users["coder"]), source)
    assert sorted(page.locator("mark.hl").all_text_contents()) == ["Harbin", "Minsk"]
    page.locator("#ws-tab-codings").click()
    page.locator("#ws-filter-mine").check()
    assert page.locator("mark.hl").all_text_contents() == ["Harbin"]
    page.locator("#ws-filter-mine").uncheck()
    page.locator("#ws-filter-coder").select_option("lead")
    assert page.locator("mark.hl").all_text_contents() == ["Minsk"]
    page.get_by_role("button", name="show all codes").click()
    page.locator("#ws-tab-codebook").click()
    page.locator("[data-filter-code]").nth(1).uncheck()  # hide Weaknesses/Financing
    assert page.locator("mark.hl").count() == 0
    mark_title = None
    page.locator("#ws-tab-codings").click()
    page.get_by_role("button", name="show all codes").click()
    page.locator("mark.hl").first.hover()
    mark_title = page.locator("#ws-tooltip").text_content()
    assert mark_title in ("Weaknesses/Financing — coder", "Weaknesses/Financing — lead")


def test_the_demo_transcripts_open_and_code_in_the_browser(page_for, db):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from interviews.models import Source

    call_command("load_demo", stdout=__import__("io").StringIO())
    artem = get_user_model().objects.get(username="artem")
    sources = list(Source.objects.filter(project__name__icontains="demo").order_by("pk"))
    assert sources
    page = page_for(artem)
    for source in sources:
        open_workspace(page, source)
        # The page's text matches the stored text exactly, or it says so.
        assert "does not match" not in page.locator("#ws-status").text_content()
        # The panel lists every coding with its words, drawn or not; the text draws the
        # pieces on screen and near it, each with the chips of the codings beginning there.
        stored_codings = Coding.objects.filter(source=source)
        items = page.locator(".ws-list-item").all_text_contents()
        assert len(items) == stored_codings.count()
        assert not [item for item in items if item.endswith("“…”")]
        drawn = page.evaluate(
            "() => [...document.querySelectorAll('.ws-block')].map(b => "
            "[Number(b.dataset.start), Number(b.dataset.end)])"
        )
        assert drawn
        starting = [c for c in stored_codings if any(s <= c.start < e for s, e in drawn)]
        assert page.locator(".ws-chip").count() >= len(starting) > 0
    before = Coding.objects.filter(source=sources[0], coder=artem).count()
    page = page_for(artem)
    open_workspace(page, sources[0])
    page.locator(".ws-block").last.focus()
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.wait_for_function(
        "() => document.querySelector('#ws-status').textContent.startsWith('Coded with')"
    )
    assert Coding.objects.filter(source=sources[0], coder=artem).count() == before + 1
    assert page.errors == []


def test_a_viewer_follows_a_quote_into_the_page_and_can_read_but_not_code(
    page_for, users, source, code
):
    text = source.text
    quote = "Audiences in Harbin loved the film"
    start = text.index(quote)
    end = start + len(quote)
    theirs = coding_create(
        source=source, code=code, coder=users["coder"], start=start, end=end, memo="word of mouth"
    )
    page = page_for(users["viewer"])
    writes = []
    page.on("request", lambda r: writes.append(r.method) if r.method != "GET" else None)
    page.goto(reverse("coding:retrieval", args=[source.project_id]) + f"?code={code.pk}")
    page.locator(f'a[href$="#pos={start}-{end}"]').click()
    page.wait_for_selector("#workspace[data-ready=true]")

    # The linked passage is selected, in view, and shown with its highlight.
    assert page.evaluate("() => window.getSelection().toString()") == quote
    assert "Showing the linked passage" in page.locator("#ws-status").text_content()
    mark = page.locator("mark.hl")
    assert mark.all_text_contents() == [quote]
    assert mark.first.is_visible() and mark.first.evaluate(
        "(el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
    )
    assert page.locator("[data-field=read-only]").text_content() == (
        "Read only Your role (Viewer) lets you read codings, not add them."
    )
    assert page.title() == "Read only · Interview BY-01 · Parley"
    # Nothing on the page writes.
    for control in (
        "#ws-code-search",
        "[data-apply-code]",
        "[data-key-code]",
        "#ws-edit-code",
        "#ws-edit-memo",
        "[data-action=delete]",
        "[data-action=save-memo]",
        "[data-move]",
    ):
        assert page.locator(control).count() == 0, control
    assert page.locator(".ws-keys").text_content().count("undo") == 0

    # The coding keys do nothing but say why.
    refusal = "You can read this source but not code it."
    for key in ("1", "2", "Alt+1", "c", "Control+z", "Control+Shift+z"):
        page.locator(".ws-block").nth(3).focus()
        page.keyboard.press(key)
        assert page.locator("#ws-status").text_content() == refusal, key
    select_text(page, "Money was always short")
    page.keyboard.press("2")
    assert page.locator("#ws-status").text_content() == refusal

    # A coding opens for reading, its memo as text; Delete on it removes nothing.
    page.locator(".ws-chip").first.click()
    assert page.locator("[data-field=editor-memo]").text_content() == "Memo: word of mouth"
    assert page.get_by_role("button", name="Delete coding").count() == 0
    # The passage selected above is let go, and the selection's events already queued run
    # before the key, so that none of them says "Selected." after the refusal.
    page.evaluate(
        "() => { window.getSelection().removeAllRanges();"
        " return new Promise((done) => setTimeout(() => setTimeout(done, 0), 0)); }"
    )
    page.locator(".ws-chip").first.focus()
    page.keyboard.press("Delete")
    assert page.locator("#ws-status").text_content() == refusal
    assert page.locator(".ws-chip").count() == 1
    page.locator("mark.hl").first.hover()
    assert page.locator("#ws-tooltip").text_content() == "Weaknesses/Financing — coder"

    # A coder's new coding appears by polling.
    money = text.index("Money was always short")
    coding_create(source=source, code=code, coder=users["coder"], start=money, end=money + 22)
    page.wait_for_function("() => document.querySelectorAll('.ws-chip').length === 2")

    # The filters work without the "mine only" box, which a viewer has no use for.
    assert page.locator("#ws-filter-mine").count() == 0
    page.locator("#ws-tab-codebook").click()
    page.locator(f"[data-filter-code='{code.pk}']").uncheck()
    assert page.locator(".ws-chip").count() == 0
    page.locator("#ws-tab-codings").click()
    page.get_by_role("button", name="show all codes").click()
    assert page.locator(".ws-chip").count() == 2

    assert writes == []
    theirs.refresh_from_db()
    assert (theirs.start, theirs.end, theirs.memos.get().text) == (start, end, "word of mouth")
    assert Coding.objects.count() == 2
    assert not Coding.objects.filter(coder=users["viewer"]).exists()
    assert page.errors == []
