"""Subtitles give a sync point per cue; `manage.py attach_media` attaches from a terminal."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from interviews.ingest.files import read_entry
from interviews.ingest.sources import source_import
from interviews.recordings import services
from interviews.recordings.models import Recording, SyncPoint
from tests.interviews.media_files import needs_ffprobe, wav_bytes

VTT = """WEBVTT

00:00:01.000 --> 00:00:03.000
<v Olga>Good morning.

00:00:03.500 --> 00:00:06.000
<v Olga>Let us begin with the festival.

00:00:07.000 --> 00:00:09.000
<v Ivan>It started in Minsk.
"""


def test_each_subtitle_cue_becomes_a_sync_point_at_its_words(project):
    imported = read_entry("talk.vtt", VTT.encode())
    source = source_import(project=project, imported=imported)
    points = list(SyncPoint.objects.filter(source=source).values_list("position", "time", "origin"))
    assert source.text == (
        "Olga: Good morning. Let us begin with the festival.\n\nIvan: It started in Minsk."
    )
    text = source.text
    assert points == [
        (0, 1.0, "cue"),  # the turn's first cue at the turn's start
        (text.index("Let us"), 3.5, "cue"),
        (text.index("Ivan:"), 7.0, "cue"),
    ]
    line = services.timeline(source)
    assert line.time_at(text.index("Let us")) == 3.5


def test_srt_cues_too(project):
    srt = "1\n00:00:02,000 --> 00:00:04,000\nHello there.\n\n2\n00:00:04,500 --> 00:00:05,000\nGeneral Kenobi.\n"
    source = source_import(project=project, imported=read_entry("a.srt", srt.encode()))
    assert list(SyncPoint.objects.filter(source=source).values_list("position", "time")) == [
        (0, 2.0),
        (source.text.index("General"), 4.5),
    ]


def test_a_plain_transcript_has_no_stored_points_but_its_turn_times_count(project):
    text = "[00:00:05] Olga: Hello.\n[00:01:00] Ivan: Hi."
    source = source_import(project=project, imported=read_entry("a.txt", text.encode()))
    assert not SyncPoint.objects.filter(source=source).exists()
    line = services.timeline(source)
    assert [(p.position, p.time) for p in line.points] == [(0, 5.0), (text.index("[00:01"), 60.0)]


def test_attach_media_attaches_a_file_from_a_terminal(source, tmp_path, capsys):
    path = tmp_path / "interview.wav"
    path.write_bytes(wav_bytes(1.0))
    call_command("attach_media", str(source.pk), str(path))
    recording = Recording.objects.get(source=source)
    assert recording.original_name == "interview.wav"
    assert recording.size == path.stat().st_size
    assert path.exists()  # the original stays where it was
    assert "attached to “Interview BY-01”" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"MZ" + b"\x00" * 300, "Windows program"),
        (b"", "empty"),
    ],
)
def test_attach_media_refuses_what_is_not_a_recording(source, tmp_path, content, message):
    path = tmp_path / "interview.mp3"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("attach_media", str(source.pk), str(path))
    assert not Recording.objects.exists()
    assert list(services.incoming_dir().iterdir()) == []


def test_attach_media_refuses_an_unknown_source_a_missing_file_and_a_large_one(
    source, tmp_path, settings
):
    with pytest.raises(CommandError, match="no source with id 999"):
        call_command("attach_media", "999", str(tmp_path / "x.wav"))
    with pytest.raises(CommandError, match="is not a file"):
        call_command("attach_media", str(source.pk), str(tmp_path / "x.wav"))
    settings.PARLEY_MAX_MEDIA_BYTES = 100
    path = tmp_path / "big.wav"
    path.write_bytes(wav_bytes(1.0))
    with pytest.raises(CommandError, match="larger than the limit"):
        call_command("attach_media", str(source.pk), str(path))


@needs_ffprobe
def test_attach_media_reads_the_duration_with_ffprobe(source, tmp_path):
    path = tmp_path / "interview.wav"
    path.write_bytes(wav_bytes(2.0))
    call_command("attach_media", str(source.pk), str(path), "--duration", "99")
    assert Recording.objects.get(source=source).duration == pytest.approx(2.0, abs=0.01)


def _review(client, project, vtt: str) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    response = client.post(
        reverse("interviews:source_import", args=[project.pk]),
        {"files": SimpleUploadedFile("talk.vtt", vtt.encode()), "kind": "interview"},
    )
    assert response.status_code == 302
    return response.url


def _save(client, url, **files):
    return client.post(
        url,
        {"title": "Talk", "language": "en", "kind": "interview", "save": "1", **files},
        follow=True,
    )


def test_a_recording_is_attached_at_import_with_the_transcript(client_for, project):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("coder")
    url = _review(client, project, VTT)
    assert 'name="recording"' in client.get(url).content.decode()
    response = _save(client, url, recording=SimpleUploadedFile("talk.wav", wav_bytes(10.0)))
    source = project.sources.get()
    recording = Recording.objects.get(source=source)
    assert recording.original_name == "talk.wav"
    assert "attached" in response.content.decode()
    assert SyncPoint.objects.filter(source=source).count() == 3
    assert list(services.incoming_dir().iterdir()) == []


def test_a_refused_recording_at_import_keeps_the_transcript_and_says_why(client_for, project):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("coder")
    url = _review(client, project, VTT)
    response = _save(client, url, recording=SimpleUploadedFile("talk.mp3", b"MZ" + b"\0" * 99))
    assert project.sources.count() == 1
    assert not Recording.objects.exists()
    assert "Windows program" in response.content.decode()


def test_the_import_review_still_saves_without_a_recording(client_for, project):
    client = client_for("coder")
    _save(client, _review(client, project, VTT))
    assert project.sources.count() == 1
    assert not Recording.objects.exists()


def test_the_import_review_saves_a_form_sent_urlencoded(client_for, project):
    # A form without files may come urlencoded (a script, a test tool): it is read once.
    from urllib.parse import urlencode

    client = client_for("coder")
    url = _review(client, project, VTT)
    body = urlencode({"title": "Talk", "language": "en", "kind": "interview", "save": "1"})
    response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    assert list(project.sources.values_list("title", flat=True)) == ["Talk"]
    assert not Recording.objects.exists()
