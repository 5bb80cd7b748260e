"""Attaching a recording to a source, serving it with range requests, and who may do what."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from interviews.models import Source
from interviews.recordings import services
from interviews.recordings.models import Recording, SyncPoint
from tests.interviews.media_files import (
    encoded,
    needs_ffmpeg,
    needs_ffprobe,
    wav_bytes,
)

ROLES = ["admin", "lead", "coder", "viewer"]


def attach_url(source: Source) -> str:
    return reverse("interviews:recording_attach", args=[source.project_id, source.pk])


def file_url(source: Source) -> str:
    return reverse("interviews:recording_file", args=[source.project_id, source.pk])


def upload(client, source, name: str, data: bytes, **extra):
    return client.post(
        attach_url(source), {"file": SimpleUploadedFile(name, data), **extra}, follow=True
    )


def media_path(recording: Recording) -> Path:
    from django.conf import settings

    return Path(settings.MEDIA_ROOT) / recording.file.name


@pytest.fixture
def attached(source, users) -> Recording:
    path = services.incoming_dir() / "fixture.part"
    path.write_bytes(wav_bytes(2.0))
    return services.recording_attach(
        source=source, path=path, original_name="interview.wav", user=users["admin"]
    )


@pytest.mark.parametrize("role", ["admin", "lead", "coder"])
def test_members_who_may_import_attach_a_wav(client_for, source, role):
    data = wav_bytes(1.5)
    response = upload(client_for(role), source, "Interview BY-01.wav", data)
    assert response.status_code == 200
    recording = Recording.objects.get(source=source)
    assert (recording.kind, recording.mime_type, recording.size) == (
        "audio",
        "audio/wav",
        len(data),
    )
    assert recording.original_name == "Interview BY-01.wav"
    assert media_path(recording).read_bytes() == data
    assert "attached" in response.content.decode()
    # Nothing is left behind in the folder uploads arrive in.
    assert list(services.incoming_dir().iterdir()) == []


@needs_ffprobe
def test_ffprobe_reads_the_duration(client_for, source):
    upload(client_for("coder"), source, "a.wav", wav_bytes(1.5), duration="999")
    recording = Recording.objects.get(source=source)
    assert recording.duration == pytest.approx(1.5, abs=0.01)
    assert recording.duration_origin == "ffprobe"


def test_without_ffprobe_the_browsers_duration_is_kept(client_for, source, monkeypatch):
    monkeypatch.setattr(services, "ffprobe_path", lambda: None)
    upload(client_for("coder"), source, "a.wav", wav_bytes(0.5), duration="12.25")
    recording = Recording.objects.get(source=source)
    assert (recording.duration, recording.duration_origin) == (12.25, "browser")


def test_the_browser_reports_a_duration_later_when_none_is_known(
    client_for, source, attached, monkeypatch
):
    Recording.objects.filter(pk=attached.pk).update(duration=None, duration_origin="")
    url = reverse("api:recording_duration", args=[source.project_id, source.pk])
    response = client_for("coder").post(url, {"duration": 61.5}, content_type="application/json")
    assert response.json() == {"duration": 61.5, "kept": True}
    assert Recording.objects.get(pk=attached.pk).duration == 61.5
    assert (
        client_for("viewer").post(url, {"duration": 1}, content_type="application/json").status_code
        == 403
    )
    bad = client_for("coder").post(url, {"duration": "x"}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["error"] == "“duration” must be a number."
    assert Recording.objects.get(pk=attached.pk).duration == 61.5
    # ffprobe's duration is never replaced by a browser's.
    Recording.objects.filter(pk=attached.pk).update(duration=2.0, duration_origin="ffprobe")
    response = client_for("coder").post(url, {"duration": 9}, content_type="application/json")
    assert response.json() == {"duration": 2.0, "kept": False}


def test_a_duration_for_a_source_without_a_recording_is_not_found(client_for, source):
    url = reverse("api:recording_duration", args=[source.project_id, source.pk])
    response = client_for("coder").post(url, {"duration": 3}, content_type="application/json")
    assert response.status_code == 404
    assert response.json() == {"error": "This source has no recording."}


def test_viewers_and_outsiders_cannot_attach(client_for, source):
    assert upload(client_for("viewer"), source, "a.wav", wav_bytes(0.2)).status_code == 403
    assert upload(client_for("outsider"), source, "a.wav", wav_bytes(0.2)).status_code == 404
    assert not Recording.objects.exists()
    assert list(services.incoming_dir().iterdir()) == []


def test_a_renamed_program_is_refused_and_nothing_is_kept(client_for, source):
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 4000
    response = upload(client_for("coder"), source, "interview.mp3", program)
    text = response.content.decode()
    assert "was not attached" in text
    assert "Windows program" in text
    assert not Recording.objects.exists()
    assert list(services.incoming_dir().iterdir()) == []


def test_a_text_file_named_wav_is_refused(client_for, source):
    response = upload(client_for("coder"), source, "interview.wav", b"Interviewer: hello\n" * 50)
    assert "cannot tell what this file is" in response.content.decode()
    assert not Recording.objects.exists()


@needs_ffprobe
def test_a_wav_header_without_sound_is_refused(client_for, source):
    response = upload(client_for("coder"), source, "x.wav", b"RIFF\x24\x00\x00\x00WAVEjunk" * 20)
    assert "holds no sound or picture" in response.content.decode()
    assert not Recording.objects.exists()


def test_a_file_over_the_limit_is_refused(client_for, source, settings):
    settings.PARLEY_MAX_MEDIA_BYTES = 10_000
    response = upload(client_for("coder"), source, "long.wav", wav_bytes(2.0))  # 32 kB
    assert "larger than the limit" in response.content.decode()
    assert not Recording.objects.exists()
    assert list(services.incoming_dir().iterdir()) == []


def test_the_upload_handler_stops_keeping_bytes_past_the_limit(settings, rf, tmp_path):
    """The limit holds while the bytes arrive, not only after: pieces past it are dropped."""
    from interviews.recordings.uploads import RecordingUploadHandler

    settings.PARLEY_MAX_MEDIA_BYTES = 1000
    handler = RecordingUploadHandler(rf.post("/"))
    handler.handle_raw_input(None, {}, 900, b"x")
    handler.new_file("file", "a.wav", "audio/wav", None)
    written = Path(handler.file.name)
    handler.receive_data_chunk(b"x" * 600, 0)
    from django.core.files.uploadhandler import StopUpload

    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 600, 600)
    assert handler.too_large
    assert not written.exists()


def test_a_request_announcing_too_many_bytes_writes_nothing(settings, rf):
    from django.core.files.uploadhandler import StopUpload

    from interviews.recordings.uploads import RecordingUploadHandler

    settings.PARLEY_MAX_MEDIA_BYTES = 1000
    handler = RecordingUploadHandler(rf.post("/"))
    handler.handle_raw_input(None, {}, 10_000_000, b"x")
    with pytest.raises(StopUpload):
        handler.new_file("file", "a.wav", "audio/wav", None)
    assert not hasattr(handler, "file")


def test_attaching_again_replaces_the_recording_and_its_file(
    client_for, source, attached, django_capture_on_commit_callbacks
):
    old = media_path(attached)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for("coder"), source, "second.wav", wav_bytes(0.3))
    assert Recording.objects.get(source=source).original_name == "second.wav"
    assert not old.exists()


def test_a_missing_file_is_asked_for(client_for, source):
    response = client_for("coder").post(attach_url(source), {}, follow=True)
    assert "Choose an audio or video file" in response.content.decode()


# Serving --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_member_may_play_the_recording(client_for, source, attached, role):
    response = client_for(role).get(file_url(source))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Accept-Ranges"] == "bytes"
    assert b"".join(response.streaming_content) == media_path(attached).read_bytes()


def test_an_outsider_gets_not_found(client_for, source, attached):
    assert client_for("outsider").get(file_url(source)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, source, attached):
    response = client.get(file_url(source))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_member_of_another_project_gets_not_found(client_for, source, attached, make_user):
    from interviews.models import Membership, Project

    other = Project.objects.create(name="Other")
    stranger = make_user("stranger")
    Membership.objects.create(project=other, user=stranger, role="admin")
    client = client_for("admin")
    client.force_login(stranger)
    assert client.get(file_url(source)).status_code == 404
    # Nor through the other project's address.
    url = reverse("interviews:recording_file", args=[other.pk, source.pk])
    assert client.get(url).status_code == 404


def test_a_range_request_gets_206_with_exactly_those_bytes(client_for, source, attached):
    data = media_path(attached).read_bytes()
    response = client_for("viewer").get(file_url(source), HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert response["Content-Length"] == "100"
    assert b"".join(response.streaming_content) == data[100:200]


def test_an_open_range_runs_to_the_end_and_a_suffix_range_takes_the_last_bytes(
    client_for, source, attached
):
    data = media_path(attached).read_bytes()
    client = client_for("coder")
    tail = client.get(file_url(source), HTTP_RANGE=f"bytes={len(data) - 10}-")
    assert tail.status_code == 206
    assert b"".join(tail.streaming_content) == data[-10:]
    suffix = client.get(file_url(source), HTTP_RANGE="bytes=-7")
    assert suffix["Content-Range"] == f"bytes {len(data) - 7}-{len(data) - 1}/{len(data)}"
    assert b"".join(suffix.streaming_content) == data[-7:]
    beyond = client.get(file_url(source), HTTP_RANGE=f"bytes=10-{len(data) * 2}")
    assert b"".join(beyond.streaming_content) == data[10:]


def test_a_range_past_the_end_gets_416(client_for, source, attached):
    size = attached.size
    response = client_for("coder").get(file_url(source), HTTP_RANGE=f"bytes={size}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"
    backwards = client_for("coder").get(file_url(source), HTTP_RANGE="bytes=50-10")
    assert backwards.status_code == 416


def test_a_range_of_a_changed_file_is_answered_whole(client_for, source, attached):
    response = client_for("coder").get(
        file_url(source), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"stale"'
    )
    assert response.status_code == 200
    etag = response["ETag"]
    again = client_for("coder").get(file_url(source), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    assert again.status_code == 206


def test_seeking_reads_only_the_range_asked_for(client_for, source, attached, monkeypatch):
    """A seek in a long recording must not read the file from its start."""
    import interviews.recordings.serving as serving

    reads = []
    original = serving._read

    def counting(path, start, length, chunk):
        reads.append((start, length))
        yield from original(path, start, length, chunk)

    monkeypatch.setattr(serving, "_read", counting)
    response = client_for("coder").get(file_url(source), HTTP_RANGE="bytes=30000-30099")
    assert len(b"".join(response.streaming_content)) == 100
    assert reads == [(30000, 100)]


def test_nginx_sends_the_bytes_when_configured(client_for, source, attached, settings):
    settings.PARLEY_X_ACCEL_REDIRECT = "/protected-media/"
    response = client_for("viewer").get(file_url(source), HTTP_RANGE="bytes=0-9")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{attached.file.name}"
    assert response["Content-Type"] == "audio/wav"
    assert response.content == b""
    # Django still decides who may have them.
    assert client_for("outsider").get(file_url(source)).status_code == 404


def test_a_source_without_recording_has_none_to_serve(client_for, source):
    assert client_for("coder").get(file_url(source)).status_code == 404


# Removing and deleting ------------------------------------------------------------------


def test_removing_the_recording_deletes_its_file(
    client_for, source, attached, django_capture_on_commit_callbacks
):
    path = media_path(attached)
    url = reverse("interviews:recording_remove", args=[source.project_id, source.pk])
    assert client_for("viewer").post(url).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        client_for("coder").post(url)
    assert not Recording.objects.exists()
    assert not path.exists()
    assert Source.objects.filter(pk=source.pk).exists()


def test_deleting_a_source_deletes_its_recording_file(
    client_for, source, attached, django_capture_on_commit_callbacks
):
    path = media_path(attached)
    url = reverse("interviews:source_delete", args=[source.project_id, source.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client_for("admin").post(url)
    assert not Source.objects.filter(pk=source.pk).exists()
    assert not path.exists()


def test_deleting_a_project_deletes_its_recording_files(
    source, attached, django_capture_on_commit_callbacks
):
    path = media_path(attached)
    with django_capture_on_commit_callbacks(execute=True):
        source.project.delete()
    assert not path.exists()


def test_erasing_an_interviewee_with_their_sources_deletes_the_recordings(
    source, attached, interviewee, django_capture_on_commit_callbacks
):
    path = media_path(attached)
    with django_capture_on_commit_callbacks(execute=True):
        interviewee.sources.all().delete()
        interviewee.delete()
    assert not path.exists()


def test_a_deletion_rolled_back_keeps_the_file(source, attached):
    from django.db import transaction

    path = media_path(attached)
    with pytest.raises(RuntimeError), transaction.atomic():
        source.delete()
        raise RuntimeError
    assert path.exists()


# Sync points ----------------------------------------------------------------------------


def sync_url(source):
    return reverse("api:source_sync_points", args=[source.project_id, source.pk])


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("lead", 200), ("coder", 403), ("viewer", 403), ("outsider", 404)],
)
def test_admins_and_leads_set_sync_points(client_for, source, attached, role, status):
    response = client_for(role).post(
        sync_url(source), {"position": 50, "time": 1.25}, content_type="application/json"
    )
    assert response.status_code == status
    assert SyncPoint.objects.filter(source=source).count() == (1 if status == 200 else 0)
    if status == 200:
        assert {"position": 50, "time": 1.25, "manual": True} in [
            {"position": p["position"], "time": p["time"], "manual": p["manual"]}
            for p in response.json()
        ]
    else:
        assert set(response.json()) == {"error"}


def test_syncing_the_same_word_again_moves_its_point(client_for, source, attached):
    client = client_for("lead")
    client.post(sync_url(source), {"position": 50, "time": 1.0}, content_type="application/json")
    client.post(sync_url(source), {"position": 50, "time": 1.5}, content_type="application/json")
    assert list(SyncPoint.objects.filter(source=source).values_list("position", "time")) == [
        (50, 1.5)
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"position": -1, "time": 1}, "“position” is too small."),
        ({"position": 10_000, "time": 1}, "That position is outside the text."),
        ({"position": 5, "time": -2}, "“time” is too small."),
        ({"position": "5", "time": 1}, "“position” must be a whole number."),
        ({"position": 5, "time": "soon"}, "“time” must be a number."),
        ({"position": True, "time": 1}, "“position” must be a whole number."),
        ({"time": 1}, "“position” is required."),
        ([], "“position” is required. “time” is required."),
    ],
)
def test_a_bad_sync_point_is_refused_with_a_message(client_for, source, attached, body, message):
    response = client_for("lead").post(sync_url(source), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == message
    assert not SyncPoint.objects.exists()


def test_a_sync_point_is_deleted(client_for, source, attached):
    point = services.sync_point_set(source=source, position=10, time=1.0)
    url = reverse("api:source_sync_point_delete", args=[source.project_id, source.pk, point.pk])
    assert client_for("coder").delete(url).status_code == 403
    assert SyncPoint.objects.exists()
    assert (
        client_for("lead").delete(url).json() == client_for("viewer").get(sync_url(source)).json()
    )
    assert not SyncPoint.objects.exists()
    assert client_for("lead").delete(url).json() == {"error": "No such sync point."}


# The pages ------------------------------------------------------------------------------


def test_the_source_page_offers_to_attach_to_importers_only(client_for, source):
    url = source.get_absolute_url()
    assert "Attach recording" in client_for("coder").get(url).content.decode()
    assert "Attach recording" not in client_for("viewer").get(url).content.decode()


def test_the_source_page_describes_the_recording(client_for, source, attached):
    page = client_for("viewer").get(source.get_absolute_url()).content.decode()
    assert "interview.wav" in page
    assert "Remove recording" not in page


def test_the_coding_page_docks_the_player_with_the_sync_points(client_for, source, attached):
    url = reverse("coding:workspace", args=[source.project_id, source.pk])
    page = client_for("lead").get(url).content.decode()
    assert 'id="rec-player"' in page
    assert 'id="recording-data"' in page
    assert "Sync here" in page
    coder_page = client_for("coder").get(url).content.decode()
    assert "Sync here" not in coder_page


def test_the_coding_page_has_no_player_without_a_recording(client_for, source):
    url = reverse("coding:workspace", args=[source.project_id, source.pk])
    assert 'id="rec-player"' not in client_for("coder").get(url).content.decode()


@needs_ffmpeg
@pytest.mark.parametrize(
    ("extension", "kind", "mime"),
    [
        (".mp3", "audio", "audio/mpeg"),
        (".ogg", "audio", "audio/ogg"),
        (".opus", "audio", "audio/ogg"),
        (".m4a", "audio", "audio/mp4"),
        (".webm", "video", "video/webm"),
        (".mp4", "video", "video/mp4"),
    ],
)
def test_each_accepted_format_is_attached(client_for, source, tmp_path, extension, kind, mime):
    path = encoded(tmp_path, extension, seconds=1.0)
    upload(client_for("coder"), source, f"renamed{extension}.bin", path.read_bytes())
    recording = Recording.objects.get(source=source)
    assert (recording.kind, recording.mime_type) == (kind, mime)
    assert recording.duration == pytest.approx(1.0, abs=0.2)


def test_a_head_request_gets_the_headers_only(client_for, source, attached):
    response = client_for("viewer").head(file_url(source))
    assert response.status_code == 200
    assert response["Content-Length"] == str(attached.size)
    assert client_for("viewer").post(file_url(source)).status_code == 405


def test_a_new_upload_removes_what_old_cut_uploads_left(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    old = services.incoming_dir() / "tmpold.part"
    recent = services.incoming_dir() / "tmprecent.part"
    for path in (old, recent):
        path.write_bytes(b"half a recording")
    three_days_ago = time.time() - 3 * 86400
    os.utime(old, (three_days_ago, three_days_ago))
    arriving = services.incoming_file()
    arriving.close()
    assert sorted(p.name for p in services.incoming_dir().iterdir()) == sorted(
        [recent.name, Path(arriving.name).name]
    )
