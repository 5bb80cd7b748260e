"""What a recording is, read from its first bytes, never from its name."""

from __future__ import annotations

import pytest

from interviews.recordings import sniff
from tests.interviews.media_files import encoded, needs_ffmpeg, wav_bytes


def test_it_knows_a_wav_by_its_riff_header():
    assert sniff.sniff(wav_bytes(0.1)[: sniff.HEAD_BYTES]) is sniff.WAV


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "Windows program"),
        (b"%PDF-1.7\n" + b"\x00" * 50, "PDF document"),
        (b"PK\x03\x04" + b"\x00" * 50, "zip archive"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 50, "program"),
        (b"Interviewer: hello\n", "cannot tell"),
        (b"", "cannot tell"),
        (b"\x1a\x45\xdf\xa3\x01\x00\x00\x00\x00\x00\x00\x1f\x42\x82\x88matroska", "Matroska"),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"\x80theora", "Ogg video"),
        (b"\x00\x00\x00\x18ftypqtxx" + b"\x00" * 20, "ISO media"),
        # ADTS AAC: frame sync, but layer 0, not an MP3.
        (b"\xff\xf1\x50\x80" + b"\x00" * 20, "cannot tell"),
    ],
)
def test_it_refuses_what_is_not_a_recording(head, message):
    with pytest.raises(sniff.NotMedia, match=message):
        sniff.sniff(head)


def test_it_knows_mp3_by_an_id3_tag_or_a_frame_header():
    assert sniff.sniff(b"ID3\x04\x00\x00" + b"\x00" * 20) is sniff.MP3
    # MPEG-1 layer III, 128 kbit/s, 44.1 kHz.
    assert sniff.sniff(b"\xff\xfb\x90\x64" + b"\x00" * 20) is sniff.MP3


def test_it_knows_m4a_and_mp4_by_their_brand():
    assert sniff.sniff(b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00") is sniff.M4A
    assert sniff.sniff(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00") is sniff.MP4


def test_streams_decide_whether_an_mp4_or_webm_is_audio_or_video():
    assert sniff.with_streams(sniff.MP4, has_video=False).kind == "audio"
    assert sniff.with_streams(sniff.WEBM, has_video=True) is sniff.WEBM
    assert sniff.with_streams(sniff.WAV, has_video=True) is sniff.WAV


@needs_ffmpeg
@pytest.mark.parametrize(
    ("extension", "expected"),
    [
        (".mp3", sniff.MP3),
        (".ogg", sniff.OGG),
        (".opus", sniff.OPUS),
        (".m4a", sniff.M4A),
        (".webm", sniff.WEBM),
        (".mp4", sniff.MP4),
    ],
)
def test_it_knows_files_ffmpeg_wrote(tmp_path, extension, expected):
    path = encoded(tmp_path, extension, seconds=0.5)
    assert sniff.sniff(path.read_bytes()[: sniff.HEAD_BYTES]) is expected
