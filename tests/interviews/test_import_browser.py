"""Import in a real browser: one file reviewed with its speakers mapped, and a zip batch
whose speakers are mapped before it runs."""

from __future__ import annotations

import pytest

from interviews.models import Interviewee, Job, JobStatus, Source
from tests.browser.test_accessibility import _violations
from tests.interviews.import_files import MIXED, make_docx, make_zip, mixed_folder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server, users, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    users["coder"].set_password("pw-for-tests-123")
    users["coder"].save()
    context = browser.new_context()
    page = context.new_page()
    # A batch runs inside the request in tests; a loaded machine needs more than 30 s.
    page.set_default_timeout(90_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "coder")
    page.fill("input[name=password]", "pw-for-tests-123")
    page.click("button[type=submit]")
    yield page
    context.close()


def test_a_subtitle_file_is_reviewed_and_its_speakers_mapped(
    page, live_server, project, interviewee
):
    page.goto(f"{live_server.url}/projects/{project.pk}/sources/")
    page.click("text=Import sources")
    page.set_input_files("input[name=files]", str(MIXED / "zoom-CN-09.vtt"))
    page.click("button:has-text('Import')")
    page.wait_for_selector("text=Review before saving")
    page.select_option("select[name=speaker_0]", "interviewer")
    page.select_option("select[name=speaker_1]", str(interviewee.pk))
    page.click("button:has-text('Save the source')")
    page.wait_for_selector("[data-reading][data-ready=true] .ws-block")
    assert "ready to code" in page.content()
    # The reading view names mapped speakers as coders may see them.
    speakers = page.locator("[data-reading] .ws-speaker")
    assert speakers.first.inner_text() == "Interviewer\n00:00:01"
    assert speakers.nth(1).inner_text().startswith(interviewee.pseudonym)
    source = Source.objects.get(project=project)
    assert source.segments.filter(speaker="Speaker 2", interviewee=interviewee).count() == 1
    assert source.segments.filter(speaker="Speaker 1", is_interviewer=True).count() == 2


def test_a_zip_batch_maps_its_speakers_then_shows_progress_and_errors(
    page, live_server, project, interviewee, tmp_path
):
    folder = mixed_folder(tmp_path)
    archive = tmp_path / "batch.zip"
    entries = {f"batch/{p.name}": p.read_bytes() for p in sorted(folder.iterdir())}
    entries["batch/broken.docx"] = make_docx(["Hello"])[:500]
    archive.write_bytes(make_zip(entries))
    page.goto(f"{live_server.url}/projects/{project.pk}/sources/import/")
    page.set_input_files("input[name=files]", str(archive))
    page.click("button:has-text('Import')")
    # Before anything is stored: every speaker label of the batch, and the unreadable file.
    page.wait_for_selector("text=Who is speaking?")
    assert not Job.objects.exists() and not Source.objects.exists()
    assert page.locator("[data-field=failed] li").inner_text() == (
        "“broken.docx” is damaged: it cannot be opened as an archive."
    )
    assert page.get_by_label("Интервьюер", exact=True).input_value() == "interviewer"
    assert page.get_by_label("Speaker 2", exact=True).input_value() == ""
    page.get_by_label("Speaker 1", exact=True).select_option("interviewer")
    page.get_by_label("Speaker 2", exact=True).select_option(str(interviewee.pk))
    page.click("button:has-text('Start the import')")
    page.wait_for_selector("[data-field=finished]:not([hidden])")
    page.wait_for_selector("[data-field=messages] li")
    job = Job.objects.get()
    assert job.status == JobStatus.DONE
    assert page.locator("[data-field=count]").inner_text() == "12 / 12"
    assert page.locator("[data-field=messages] li.text-danger").inner_text() == (
        "“broken.docx” is damaged: it cannot be opened as an archive."
    )
    page.click("text=See the sources")
    assert page.locator("tbody tr").count() == 11
    zoom = Source.objects.get(original_name="zoom-CN-09.vtt")
    assert zoom.segments.filter(speaker="Speaker 2", interviewee=interviewee).count() == 1
    assert zoom.segments.filter(speaker="Speaker 1", is_interviewer=True).count() == 2


@pytest.mark.parametrize("width", [1400, 390])
def test_a_file_name_links_its_interviewee_on_the_review_page(
    page, live_server, project, tmp_path, width
):
    person = Interviewee.objects.create(project=project, pseudonym="BY-05")
    Interviewee.objects.create(project=project, pseudonym="BY-050")
    transcript = tmp_path / "long_interview_BY-05.txt"
    transcript.write_text("Interviewer: Where did it start?\n\nBY-05: In Minsk, at a festival.\n")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/projects/{project.pk}/sources/import/")
    page.set_input_files("input[name=files]", str(transcript))
    page.click("button:has-text('Import')")
    page.wait_for_selector("text=Review before saving")
    assert page.locator("[data-field=file-link]").inner_text() == (
        "The file name links it to BY-05: preselected as interviewee below."
    )
    chosen = page.locator("select[name=interviewees] option:checked").all_inner_texts()
    assert [c.strip() for c in chosen] == ["BY-05"]
    # The review, speakers table and all, fits the screen, and axe finds nothing serious.
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width
    assert _violations(page) == []
    page.click("button:has-text('Save the source')")
    page.wait_for_selector("[data-reading][data-ready=true] .ws-block")
    source = Source.objects.get(project=project)
    assert list(source.interviewees.all()) == [person]
