"""Importers: pure functions from bytes to normalised text, metadata and speaker turns."""

from __future__ import annotations

import io
import unicodedata
import zipfile

import pytest

from interviews.importers import ImportRefused, normalise, read_file, read_pasted, unpack_zip
from tests.interviews.import_files import (
    DOCX_PARAGRAPHS,
    MIXED,
    encrypt_pdf,
    make_docx,
    make_odt,
    make_pdf,
    make_zip,
)


def _refused(name: str, data: bytes) -> str:
    with pytest.raises(ImportRefused) as caught:
        read_file(name, data)
    return str(caught.value)


def test_normalise_gives_nfc_lf_and_no_bom():
    raw = "\ufeffCafe\u0301\r\nline two\rline three  \r\n\r\n\r\n\r\nend\x00"
    text = normalise(raw)
    assert text == "Café\nline two\nline three\n\nend"
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("utf-16", "utf-16-le")],
)
def test_txt_in_unicode_encodings(encoding, expected):
    text = "Interviewer: Привет 🎉\r\nRespondent: 你好 — café"
    imported = read_file("a.txt", text.encode(encoding))
    assert imported.text == "Interviewer: Привет 🎉\nRespondent: 你好 — café"
    assert imported.metadata["encoding"] == expected
    assert imported.speakers == ["Interviewer", "Respondent"]


def test_windows_1251_file_is_detected():
    imported = read_file("BY-12 интервью.txt", (MIXED / "BY-12 интервью.txt").read_bytes())
    assert imported.metadata["encoding"] == "cp1251"
    assert imported.text.startswith("Интервьюер: Как начиналось сотрудничество")
    assert "\r" not in imported.text
    assert imported.speakers == ["Интервьюер", "Респондент"]
    assert imported.title == "BY-12 интервью"


def test_gb18030_file_is_detected_with_full_width_labels():
    imported = read_file("CN-08 访谈.txt", (MIXED / "CN-08 访谈.txt").read_bytes())
    assert imported.metadata["encoding"] == "gb18030"
    assert imported.text.startswith("问：您如何看待中白电影合作？")
    assert imported.speakers == ["问", "答"]
    assert len(imported.turns) == 4


def test_docx_paragraphs_and_tables_in_order():
    data = make_docx(DOCX_PARAGRAPHS, table=[["Year", "Films"], ["2019", "2"]], title="BY-14")
    imported = read_file("x.docx", data)
    assert (
        imported.text
        == "\n\n".join(DOCX_PARAGRAPHS) + "\n\nYear\tFilms\n2019\t2\n\nAfter the table."
    )
    assert imported.title == "x"  # the file name, not the document's own (often stale) title
    assert imported.metadata["title"] == "BY-14"
    assert [t.speaker for t in imported.turns] == ["Interviewer", "Respondent"] * 2


def test_odt_heading_and_paragraphs():
    data = make_odt(["Interviewer: Useful?", "Respondent: Yes — очень 🎬."], heading="BY-15")
    imported = read_file("x.odt", data)
    assert imported.text == "BY-15\n\nInterviewer: Useful?\n\nRespondent: Yes — очень 🎬."
    assert imported.speakers == ["Interviewer", "Respondent"]


def test_pdf_text_layer_page_by_page():
    imported = read_file("brief.pdf", make_pdf([["Policy brief (2019)."], ["Funding rose."]]))
    assert imported.text == "Policy brief (2019).\n\nFunding rose."
    assert imported.metadata["pages"] == 2


def test_vtt_cues_merge_into_turns_with_voices_and_times():
    imported = read_file("zoom-CN-09.vtt", (MIXED / "zoom-CN-09.vtt").read_bytes())
    assert imported.text == (
        "Speaker 1: Welcome, and thank you for joining us today. Shall we begin with the "
        "co-production?\n\n"
        "Speaker 2: Yes. The co-production started in Harbin 🎬, 观众很喜欢. "
        "It was a success & a lesson.\n\n"
        "Speaker 1: Thank you."
    )
    assert [(t.speaker, t.timestamp) for t in imported.turns] == [
        ("Speaker 1", 1.0),
        ("Speaker 2", 8.0),
        ("Speaker 1", 62.0),
    ]
    for turn in imported.turns:
        assert imported.text[turn.start : turn.end].startswith(turn.speaker + ":")
    assert imported.metadata["cues"] == 5


def test_srt_names_carry_over_cues_without_a_name():
    imported = read_file("panel.srt", (MIXED / "panel.srt").read_bytes())
    assert imported.text == (
        "Moderator: Good evening, everyone. Let us start with the first question.\n\n"
        "BY-13: Financing is the main weakness. We need patient investors."
    )
    assert [(t.speaker, t.timestamp) for t in imported.turns] == [
        ("Moderator", 1.0),
        ("BY-13", 7.0),
    ]


def test_subtitles_without_speakers_become_timed_paragraphs():
    data = (
        b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOne.\n\n00:00:02.100 --> 00:00:03.000\nTwo.\n\n"
        b"00:00:09.000 --> 00:00:10.000\nThree.\n"
    )
    imported = read_file("x.vtt", data)
    assert imported.text == "One. Two.\n\nThree."
    assert [(t.speaker, t.timestamp) for t in imported.turns] == [("", 1.0), ("", 9.0)]


def test_html_keeps_visible_text_only():
    imported = read_file("policy page.html", (MIXED / "policy page.html").read_bytes())
    assert imported.text == (
        "Cultural Strategy 2020\n\n"
        "The strategy supports film co-production with China.\n\n"
        "Funding rises by 10\u00a0% a year <planned>."
    )
    assert imported.title == "Cultural Strategy 2020"
    for hidden in ("alert", "steal", "evil", "color:red", "Enable scripts"):
        assert hidden not in imported.text


def test_markdown_keeps_visible_text_only():
    imported = read_file("field notes.md", (MIXED / "field notes.md").read_bytes())
    assert imported.text == (
        "Field notes\n\nVisited the Minsk studio on 12 March. See the report.\n\n"
        "Quote: the partners trusted each other.\n\n- Next visit: Harbin"
    )


def test_pasted_text_and_pasted_webvtt():
    assert read_pasted("  A: one\r\nB: two  ", title="Paste").text == "A: one\nB: two"
    pasted = read_pasted("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Olga>Hi.\n")
    assert pasted.text == "Olga: Hi."
    assert pasted.format == "vtt"


def test_every_mixed_fixture_reads_to_normalised_text():
    for path in sorted(MIXED.iterdir()):
        imported = read_file(path.name, path.read_bytes())
        assert imported.text == normalise(imported.text), path.name
        assert imported.text, path.name


# Bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a.txt", "a.docx", "a.pdf", "a.vtt", "a.html", "a.odt"])
def test_empty_file_is_refused(name):
    assert _refused(name, b"") == f"“{name}” is empty."


def test_whitespace_only_text_is_refused():
    assert _refused("a.txt", b"  \n\r\n  \t") == "“a.txt” is empty."


def test_content_not_matching_the_extension_is_refused():
    pdf = make_pdf([["Hello"]])
    assert (
        _refused("notes.txt", pdf)
        == "“notes.txt” is named as a text file but holds a PDF document."
    )
    assert (
        _refused("scan.docx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
        == "“scan.docx” is named as a Word document but holds a PNG image."
    )
    assert _refused("x.pdf", b"Just some words") == "“x.pdf” is named as a PDF but is not one."


def test_binary_garbage_is_refused():
    garbage = bytes((i * 73 + 41) % 256 for i in range(4000))
    assert _refused("a.txt", garbage) == "“a.txt” holds binary data, not text."


def test_invalid_utf8_is_refused_with_its_position():
    data = "Интервьюер: привет 🎉 ".encode() + b"\xff\xfe broken" + " ещё".encode()
    message = _refused("a.txt", data)
    assert message.startswith("“a.txt” is not valid UTF-8: invalid bytes at byte 40.")


def test_password_protected_pdf_is_refused():
    message = _refused("secret.pdf", encrypt_pdf(make_pdf([["Confidential"]])))
    assert message == "“secret.pdf” is password-protected. Remove the password and import it again."


def test_image_only_pdf_is_refused_as_needing_ocr():
    message = _refused("scan.pdf", make_pdf([[], []]))
    assert "has no text layer" in message and "OCR first" in message


def test_corrupt_docx_is_refused():
    good = make_docx(["Hello"])
    assert _refused("cut.docx", good[: len(good) // 2]).startswith("“cut.docx” is damaged")
    no_body = make_zip({"word/other.xml": b"<x/>"})
    assert (
        _refused("empty.docx", no_body)
        == "“empty.docx” is damaged: it is not a readable Word document."
    )


def test_docx_that_would_expand_beyond_the_limit_is_refused(settings):
    settings.PARLEY_MAX_UNPACKED_BYTES = 1024 * 1024
    document = b"<w:document xmlns:w='x'>" + b" " * (3 * 1024 * 1024) + b"</w:document>"
    bomb = make_zip({"word/document.xml": document})
    assert len(bomb) < 20_000
    message = _refused("bomb.docx", bomb)
    assert message == (
        "“bomb.docx” would expand beyond the 1 MB limit for unpacked files; "
        "nothing from it was imported."
    )


def test_zip_bomb_is_refused(settings):
    settings.PARLEY_MAX_UNPACKED_BYTES = 1024 * 1024
    bomb = make_zip({f"part{i}.txt": b"0" * (512 * 1024) for i in range(4)})
    with pytest.raises(ImportRefused, match="would expand beyond the 1 MB limit"):
        unpack_zip(bomb, name="bomb.zip")


def test_zip_whose_sizes_lie_is_stopped_while_unpacking(settings):
    settings.PARLEY_MAX_UNPACKED_BYTES = 1024 * 1024
    data = bytearray(make_zip({"big.txt": b"0" * (3 * 1024 * 1024)}))
    # Claim a tiny uncompressed size in both headers: the real bytes must still be counted.
    real = (3 * 1024 * 1024).to_bytes(4, "little")
    data = data.replace(real, (100).to_bytes(4, "little"))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    assert archive.infolist()[0].file_size == 100
    with pytest.raises(ImportRefused, match="would expand beyond|damaged"):
        unpack_zip(bytes(data), name="liar.zip")


def test_too_many_zip_entries_are_refused(settings):
    settings.PARLEY_MAX_ARCHIVE_ENTRIES = 3
    archive = make_zip({f"{i}.txt": b"x" for i in range(4)})
    with pytest.raises(ImportRefused, match="holds 4 entries; the limit is 3"):
        unpack_zip(archive, name="many.zip")


@pytest.mark.parametrize(
    "entry", ["../../etc/passwd", "/abs/path.txt", "a/../../b.txt", "C:\\x.txt"]
)
def test_zip_entry_with_path_traversal_is_refused(entry):
    archive = make_zip({"ok.txt": b"Fine.", entry: b"evil"})
    with pytest.raises(ImportRefused) as caught:
        unpack_zip(archive, name="batch.zip")
    assert str(caught.value) == (
        f"“batch.zip” contains an unsafe path “{entry}”; nothing from it was imported."
    )


def test_file_over_the_upload_limit_is_refused(settings):
    settings.PARLEY_MAX_UPLOAD_BYTES = 1024 * 1024
    message = _refused("big.txt", b"word " * 300_000)
    assert message == "“big.txt” is 1.4 MB, over the 1 MB upload limit."


def test_unknown_extension_is_refused():
    assert _refused("song.mp3", b"ID3...").startswith(
        "“song.mp3”: Parley cannot import .mp3 files."
    )


def test_html_scripts_and_handlers_become_no_text():
    data = (
        b"<p onclick='steal()'>Hi</p><script>document.cookie</script><img onerror=alert(1) src=x>"
    )
    assert read_file("x.html", data).text == "Hi"
    with pytest.raises(ImportRefused, match="has no text in it"):
        read_file("y.html", b"<script>alert(1)</script><style>p{}</style>")


def test_zip_names_written_in_utf8_without_the_flag_are_read_as_utf8():
    placeholder = "a" * 16 + ".txt"
    real = "интервью.txt"
    assert len(real.encode()) == len(placeholder)
    data = make_zip({placeholder: b"Hello."}).replace(placeholder.encode(), real.encode())
    assert unpack_zip(data, name="batch.zip") == [(real, b"Hello.")]
