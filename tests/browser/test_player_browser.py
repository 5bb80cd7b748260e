"""The recording's player in the coding page, in Chromium: seeking from a turn's time, the
turn being spoken marked, the keys, playing a coding, and syncing a word by hand.

Headless Chromium may lack proprietary codecs, so the recording here is a WAV."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Code, Coding
from interviews.recordings import services
from interviews.recordings.models import SyncPoint
from interviews.services import source_create
from tests.interviews.media_files import encoded, needs_ffmpeg, wav_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "[00:00:01] Olga: Good morning, let us begin with the festival.\n\n"
    "[00:00:04] Ivan: It started in Minsk, with very little money.\n\n"
    "[00:00:07] Olga: And the audience loved the film."
)


@pytest.fixture
def recorded(project, users):
    source = source_create(project=project, title="Festival talk", text=TEXT)
    path = services.incoming_dir() / "browser.part"
    path.write_bytes(wav_bytes(10.0))
    services.recording_attach(source=source, path=path, original_name="talk.wav")
    return source


def open_player(page, source, query=""):
    url = reverse("coding:workspace", args=[source.project_id, source.pk]) + query
    page.goto(url)
    page.wait_for_selector("#workspace[data-ready=true]")
    page.wait_for_function("() => document.getElementById('rec-media').readyState >= 1")
    return page


def current_time(page) -> float:
    return page.evaluate("document.getElementById('rec-media').currentTime")


def test_clicking_a_turns_time_seeks_there_and_playing_marks_the_turn(page_for, users, recorded):
    page = open_player(page_for(users["coder"]), recorded)
    times = page.locator(".rec-time")
    assert times.all_text_contents() == ["[00:00:01]", "[00:00:04]", "[00:00:07]"]
    times.nth(1).click()
    assert 4.0 <= current_time(page) < 4.6
    page.wait_for_function("() => !document.getElementById('rec-media').paused")
    page.wait_for_function(
        "() => document.querySelector('.ws-block.rec-current')?.dataset.start === "
        f"'{TEXT.index('[00:00:04]')}'"
    )
    assert page.locator(".ws-block.rec-current").count() == 1
    # Playing on, the next turn is marked in its turn.
    page.wait_for_function(
        "() => document.querySelector('.ws-block.rec-current')?.dataset.start === "
        f"'{TEXT.index('[00:00:07]')}'",
        timeout=8000,
    )
    assert page.errors == []


def test_the_keys_play_pause_skip_and_change_speed(page_for, users, recorded):
    page = open_player(page_for(users["viewer"]), recorded)
    page.locator(".ws-block").first.focus()
    page.keyboard.press("Control+Space")
    page.wait_for_function("() => !document.getElementById('rec-media').paused")
    page.keyboard.press("Control+Space")
    page.wait_for_function("() => document.getElementById('rec-media').paused")
    before = current_time(page)
    page.keyboard.press("Control+ArrowRight")
    assert current_time(page) == pytest.approx(before + 5, abs=0.05)
    page.keyboard.press("Control+ArrowLeft")
    page.keyboard.press("Control+ArrowLeft")
    assert current_time(page) == pytest.approx(max(0, before - 5), abs=0.05)
    rate = "document.getElementById('rec-media').playbackRate"
    page.keyboard.press("Control+Period")
    assert page.evaluate(rate) == 1.25
    page.keyboard.press("Control+Period")
    assert page.evaluate(rate) == 1.5
    page.keyboard.press("Control+Comma")
    assert page.evaluate(rate) == 1.25
    page.keyboard.press("Control+Shift+Period")  # slower with the same key
    assert page.evaluate(rate) == 1
    page.keyboard.press("Control+Period")
    assert page.evaluate(rate) == 1.25
    assert page.locator('[data-rec="speed"]').text_content() == "1.25×"
    page.locator('[data-rec="speed"]').click()  # back to normal speed
    assert page.evaluate(rate) == 1
    assert page.errors == []


def test_a_link_with_a_time_opens_the_page_playing_from_there(page_for, users, recorded):
    page = open_player(page_for(users["coder"]), recorded, "?t=6.5")
    page.wait_for_function("() => document.getElementById('rec-media').currentTime >= 6.5")


def test_playing_a_coding_plays_its_span(page_for, users, recorded, project):
    code = Code.objects.create(project=project, name="Money")
    start = TEXT.index("It started")
    end = TEXT.index("money.") + len("money.")
    Coding.objects.create(source=recorded, code=code, coder=users["coder"], start=start, end=end)
    page = open_player(page_for(users["coder"]), recorded)
    page.locator(".ws-chip").first.click()
    page.locator('[data-rec="play-coding"]').click()
    # The coding starts just after the turn's label, spoken from 4 s.
    assert 4.0 < current_time(page) < 5.0
    # It stops by itself at the coding's end, before the next turn (7 s).
    page.wait_for_function("() => document.getElementById('rec-media').paused", timeout=8000)
    assert 4.5 < current_time(page) < 7.3


def test_a_lead_syncs_the_clicked_word_to_the_paused_time(page_for, users, recorded):
    page = open_player(page_for(users["lead"]), recorded)
    page.evaluate("document.getElementById('rec-media').currentTime = 5.5")
    page.wait_for_function("() => document.getElementById('rec-media').currentTime >= 5.5")
    word = TEXT.index("Minsk")
    page.evaluate(
        """(word) => {
          const block = [...document.querySelectorAll('.ws-block')][1];
          const node = block.querySelector('.ws-text').firstChild;
          const range = document.createRange();
          const at = node.textContent.indexOf(word);
          range.setStart(node, at); range.collapse(true);
          const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        }""",
        "Minsk",
    )
    page.locator('[data-rec="sync"]').click()
    page.wait_for_function(
        "() => document.querySelector('[data-rec=status]').textContent.startsWith('Synced')"
    )
    assert list(SyncPoint.objects.values_list("position", "time", "origin")) == [
        (word, 5.5, "manual")
    ]
    # The point is listed, and can be removed again.
    page.locator('[data-rec="syncs"] summary').click()
    assert page.locator('[data-rec="sync-count"]').text_content() == "1"
    assert "[00:00:05] “Minsk" in page.locator('[data-rec="sync-list"]').text_content()
    page.locator('[data-rec="sync-list"] button').click()
    page.wait_for_function(
        "() => document.querySelector('[data-rec=sync-count]').textContent === '0'"
    )
    assert not SyncPoint.objects.exists()
    assert page.errors == []


@needs_ffmpeg
def test_a_video_shows_a_small_picture_that_can_be_enlarged(page_for, users, project, tmp_path):
    source = source_create(project=project, title="Video talk", text=TEXT)
    path = services.incoming_dir() / "video.part"
    path.write_bytes(encoded(tmp_path, ".webm", seconds=9.0).read_bytes())
    services.recording_attach(source=source, path=path, original_name="talk.webm")
    page = open_player(page_for(users["coder"]), source)
    small = page.locator("video#rec-media").bounding_box()["width"]
    page.locator('[data-rec="enlarge"]').click()
    large = page.locator("video#rec-media").bounding_box()["width"]
    assert large > 2 * small
    page.locator(".rec-time").nth(2).click()
    assert 7.0 <= current_time(page) < 7.6
    page.wait_for_function(
        "() => document.querySelector('.ws-block.rec-current')?.dataset.start === "
        f"'{TEXT.index('[00:00:07]')}'"
    )
    assert page.errors == []


def test_a_coder_attaches_a_recording_on_the_source_page(page_for, users, project, tmp_path):
    source = source_create(project=project, title="Festival talk", text=TEXT)
    wav = tmp_path / "talk.wav"
    wav.write_bytes(wav_bytes(3.0))
    page = page_for(users["coder"])
    page.goto(source.get_absolute_url())
    page.set_input_files('form.rec-attach input[type="file"]', str(wav))
    # The browser measures the length while the file is chosen.
    page.wait_for_function(
        "() => Number(document.querySelector('form.rec-attach input[name=duration]').value) > 2.9"
    )
    page.locator("form.rec-attach button[type=submit]").click()
    page.wait_for_selector("[data-test=recording-summary]")
    assert "talk.wav" in page.locator("[data-test=recording-summary]").text_content()
    recording = source.recording
    assert (recording.kind, recording.size) == ("audio", wav.stat().st_size)
    assert page.errors == []


def test_a_file_over_the_limit_is_refused_before_it_is_sent(
    page_for, users, project, tmp_path, settings
):
    settings.PARLEY_MAX_MEDIA_BYTES = 1000
    source = source_create(project=project, title="Festival talk", text=TEXT)
    wav = tmp_path / "talk.wav"
    wav.write_bytes(wav_bytes(1.0))
    page = page_for(users["coder"])
    page.goto(source.get_absolute_url())
    page.set_input_files('form.rec-attach input[type="file"]', str(wav))
    assert "larger than the limit" in page.locator('[data-rec="attach-error"]').text_content()
    assert page.locator('form.rec-attach input[type="file"]').input_value() == ""


def test_a_quotes_time_in_retrieval_opens_the_coding_page_playing_from_there(
    page_for, users, recorded, project
):
    code = Code.objects.create(project=project, name="Audience")
    start = TEXT.index("And the audience")
    Coding.objects.create(
        source=recorded, code=code, coder=users["coder"], start=start, end=len(TEXT)
    )
    page = page_for(users["viewer"])
    page.goto(reverse("coding:retrieval", args=[project.pk]) + f"?code={code.pk}")
    link = page.locator('a[title="Play from here"]')
    # The turn's time is at its label; the quoted words come 17 of its 49 characters later
    # (the recording ends at 10 s): 7 + 3 * 17 / 49 = 8.04 s.
    assert link.text_content() == "[00:00:08]"
    assert "?t=8.0#pos=" in link.get_attribute("href")
    link.click()
    page.wait_for_selector("#workspace[data-ready=true]")
    assert "?t=8.0" in page.url
    page.wait_for_function("() => !document.getElementById('rec-media').paused")
    assert 8.0 <= current_time(page) < 9.5
    page.wait_for_function(
        "() => document.querySelector('.ws-block.rec-current')?.dataset.start === "
        f"'{TEXT.index('[00:00:07]')}'"
    )
    assert page.errors == []


LONG = "\n\n".join(
    f"[00:00:{n:02d}] {'Olga' if n % 2 else 'Ivan'}: "
    + " ".join(
        f"Turn {n} goes on about the festival, its money and its audience." for _ in range(4)
    )
    for n in range(1, 40)
)


def test_the_turn_being_spoken_is_followed_unless_the_toggle_is_off(page_for, users, project):
    source = source_create(project=project, title="Long talk", text=LONG)
    path = services.incoming_dir() / "long.part"
    path.write_bytes(wav_bytes(40.0))
    services.recording_attach(source=source, path=path, original_name="long.wav")
    page = page_for(users["coder"])
    page.set_viewport_size({"width": 1200, "height": 700})
    open_player(page, source)

    def marked_in_view() -> bool:
        """() => {
          const box = document.querySelector('.ws-block.rec-current')?.getBoundingClientRect();
          return Boolean(box) && box.bottom > 0 && box.top < window.innerHeight;
        }"""
        return page.evaluate(marked_in_view.__doc__)

    def play_at(seconds: int):
        page.evaluate("document.getElementById('rec-media').pause()")
        page.evaluate(
            "window.scrollTo(0, 0); document.querySelector('.ws-text-area').scrollTop = 0"
        )
        # From just before the turn, so that the turn begins while playing.
        page.evaluate(f"document.getElementById('rec-media').currentTime = {seconds - 1}.6")
        page.evaluate("document.getElementById('rec-media').play()")
        at = LONG.index(f"[00:00:{seconds:02d}]")
        page.wait_for_function(
            f"() => document.querySelector('.ws-block.rec-current')?.dataset.start === '{at}'"
        )

    assert page.locator('[data-rec="follow"]').is_checked()
    play_at(30)
    page.wait_for_function(f"() => ({marked_in_view.__doc__})()")
    page.locator('[data-rec="follow"]').uncheck()
    play_at(35)
    page.wait_for_timeout(1200)
    assert not marked_in_view()
    assert page.errors == []
