"""What kind of recording a file holds, read from its first bytes (never from its name).

Accepted: audio as MP3, M4A (MP4 audio), WAV, Ogg (Vorbis) and Opus; video as MP4 and WebM.
Anything else — a program, a document, a Matroska or Ogg video, raw AAC — is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

# Enough of a file's head for every check below (an Ogg page, an EBML header, ID3 tags skip).
HEAD_BYTES = 4096


@dataclass(frozen=True)
class MediaType:
    kind: str  # "audio" or "video"
    mime: str
    extension: str  # with its dot
    label: str


MP3 = MediaType("audio", "audio/mpeg", ".mp3", "MP3 audio")
M4A = MediaType("audio", "audio/mp4", ".m4a", "M4A (MP4 audio)")
WAV = MediaType("audio", "audio/wav", ".wav", "WAV audio")
OGG = MediaType("audio", "audio/ogg", ".ogg", "Ogg Vorbis audio")
OPUS = MediaType("audio", "audio/ogg", ".opus", "Opus audio")
MP4 = MediaType("video", "video/mp4", ".mp4", "MP4 video")
WEBM = MediaType("video", "video/webm", ".webm", "WebM video")
WEBM_AUDIO = MediaType("audio", "audio/webm", ".webm", "WebM audio")
MP4_AUDIO = MediaType("audio", "audio/mp4", ".mp4", "MP4 audio")

ACCEPTED_LABEL = "MP3, M4A, WAV, Ogg or Opus audio, or MP4 or WebM video"

_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
    b"MSNV", b"dash", b"mmp4", b"3gp4", b"3gp5", b"f4v ", b"NDAS", b"qt  ",
}  # fmt: skip


class NotMedia(ValueError):
    """The file is not a recording Parley accepts; the message says what it seems to be."""


def sniff(head: bytes) -> MediaType:
    """The media type of a file from its first bytes (`HEAD_BYTES` suffice)."""
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[:4] == b"OggS":
        if b"OpusHead" in head:
            return OPUS
        if b"\x01vorbis" in head:
            return OGG
        raise NotMedia(
            "This Ogg file holds neither Vorbis nor Opus audio (Ogg video is not supported)."
        )
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _M4A_BRANDS:
            return M4A
        if brand in _MP4_BRANDS:
            return MP4
        raise NotMedia(f"This is an ISO media file of a kind Parley does not play ({brand!r}).")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        if _ebml_doctype(head) == b"webm":
            return WEBM
        raise NotMedia("This is a Matroska (.mkv) file; convert it to WebM or MP4.")
    if head[:3] == b"ID3" or _mp3_frame(head, 0):
        return MP3
    if head[:2] == b"MZ":
        raise NotMedia("This is a Windows program, not a recording.")
    if head[:4] == b"%PDF":
        raise NotMedia("This is a PDF document, not a recording.")
    if head[:4] == b"PK\x03\x04":
        raise NotMedia("This is a zip archive (or an office document), not a recording.")
    if head[:4] == b"\x7fELF":
        raise NotMedia("This is a program, not a recording.")
    raise NotMedia("Parley cannot tell what this file is.")


def _mp3_frame(head: bytes, at: int) -> bool:
    """An MPEG audio layer III frame header at `at` (sync bits, a valid bitrate and rate)."""
    if len(head) < at + 4 or head[at] != 0xFF or head[at + 1] & 0xE0 != 0xE0:
        return False
    version = (head[at + 1] >> 3) & 0b11
    layer = (head[at + 1] >> 1) & 0b11
    bitrate = head[at + 2] >> 4
    rate = (head[at + 2] >> 2) & 0b11
    return version != 0b01 and layer == 0b01 and bitrate not in (0, 15) and rate != 0b11


def _ebml_doctype(head: bytes) -> bytes | None:
    """The DocType (element 0x4282) of an EBML header: b"webm" or b"matroska"."""
    at = head.find(b"\x42\x82")
    if at < 0 or at + 3 > len(head):
        return None
    size_byte = head[at + 2]
    # A one-byte size (1xxx xxxx) is what every muxer writes for the DocType.
    if not size_byte & 0x80:
        return None
    size = size_byte & 0x7F
    return head[at + 3 : at + 3 + size]


def with_streams(media: MediaType, *, has_video: bool) -> MediaType:
    """The type once the streams are known: an MP4 or WebM without pictures is audio."""
    if media in (MP4, MP4_AUDIO):
        return MP4 if has_video else MP4_AUDIO
    if media in (WEBM, WEBM_AUDIO):
        return WEBM if has_video else WEBM_AUDIO
    return media
