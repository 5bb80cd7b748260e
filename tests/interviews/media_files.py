"""Recordings made for the tests: WAV with the standard library, the rest with ffmpeg (and
speech with espeak-ng) when they are installed."""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import pytest

HAVE_FFMPEG = shutil.which("ffmpeg") is not None
HAVE_FFPROBE = shutil.which("ffprobe") is not None
HAVE_ESPEAK = shutil.which("espeak-ng") is not None

needs_ffmpeg = pytest.mark.skipif(not HAVE_FFMPEG, reason="ffmpeg is not installed")
needs_ffprobe = pytest.mark.skipif(not HAVE_FFPROBE, reason="ffprobe is not installed")


def wav_bytes(seconds: float = 1.0, rate: int = 8000, tone: float = 440.0) -> bytes:
    """A mono 16-bit WAV of a sine tone."""
    import io

    frames = int(seconds * rate)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * tone * n / rate)))
                for n in range(frames)
            )
        )
    return buffer.getvalue()


def write_wav(path: Path, seconds: float = 1.0) -> Path:
    path.write_bytes(wav_bytes(seconds))
    return path


def ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args],
        check=True,
        capture_output=True,
        timeout=120,
    )


def speech_wav(path: Path, words: str) -> Path:
    """Spoken words (espeak-ng), or a tone of similar length without it."""
    if HAVE_ESPEAK:
        subprocess.run(["espeak-ng", "-w", str(path), words], check=True, timeout=60)
        return path
    return write_wav(path, seconds=2.0)


def encoded(tmp_path: Path, extension: str, *, seconds: float = 2.0, speech: str = "") -> Path:
    """A recording in the format of `extension` (.mp3, .ogg, .opus, .m4a, .webm, .mp4)."""
    source = tmp_path / "source.wav"
    if speech:
        speech_wav(source, speech)
    else:
        write_wav(source, seconds)
    target = tmp_path / f"recording{extension}"
    codecs = {
        ".mp3": ["-c:a", "libmp3lame"],
        ".ogg": ["-c:a", "libvorbis"],
        ".opus": ["-c:a", "libopus"],
        ".m4a": ["-c:a", "aac"],
    }
    if extension in codecs:
        ffmpeg("-i", str(source), *codecs[extension], str(target))
    elif extension == ".webm":
        ffmpeg(
            "-f", "lavfi", "-i", f"color=c=blue:s=64x48:d={seconds}:r=10", "-i", str(source),
            "-shortest", "-c:v", "libvpx", "-b:v", "50k", "-c:a", "libvorbis", str(target),
        )  # fmt: skip
    elif extension == ".mp4":
        ffmpeg(
            "-f", "lavfi", "-i", f"color=c=red:s=64x48:d={seconds}:r=10", "-i", str(source),
            "-shortest", "-c:v", "mpeg4", "-c:a", "aac", str(target),
        )  # fmt: skip
    else:
        raise ValueError(extension)
    return target
