"""What every importer returns, the one normalisation of text, and the refusal error."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from interviews.turns import Turn, parse_turns


class ImportRefused(ValueError):
    """A file that cannot be imported; the message says why, in words a user understands."""


@dataclass
class Imported:
    """A file read into Parley's form: the text coders will see, its metadata and turns.

    `turns` are speaker turns with offsets into `text` (code points, half-open).
    """

    text: str
    format: str
    title: str = ""
    metadata: dict = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)

    @property
    def speakers(self) -> list[str]:
        seen: dict[str, None] = {}
        for turn in self.turns:
            if turn.speaker:
                seen.setdefault(turn.speaker, None)
        return list(seen)


# C0/C1 control characters other than tab and line feed; PostgreSQL cannot store NUL at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Every pattern that cleans imported text runs in linear time: a run of repeated characters
# is tried from its first character only (the look-behind), never from each one of them.
_TRAILING_SPACE = re.compile(r"(?<![ \t\u00a0])[ \t\u00a0]+$", re.MULTILINE)
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


def normalise(text: str) -> str:
    """The stored form of any imported text: NFC, LF line endings, no BOM, no control
    characters, no trailing spaces on lines, at most one blank line in a row, trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2029", "\n\n").replace("\u2028", "\n").replace("\f", "\n\n")
    text = text.replace("\ufeff", "")
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_SPACE.sub("", text)
    text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip()


def build(
    text: str,
    *,
    format: str,
    name: str = "",
    title: str = "",
    metadata: dict | None = None,
) -> Imported:
    """Normalise a text, refuse it when empty, and find its speaker turns."""
    text = normalise(text)
    if not text:
        raise ImportRefused(f"{_label(name)} has no text in it.")
    return Imported(
        text=text,
        format=format,
        title=title.strip() or title_from_name(name),
        metadata=metadata or {},
        turns=parse_turns(text),
    )


def title_from_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return stem.replace("_", " ").strip() or "Untitled"


def _label(name: str) -> str:
    return f"“{name}”" if name else "The text"


def label(name: str) -> str:
    return _label(name)


# Leading bytes of formats people mistake for one another.
_MAGIC = [
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (or a Word / OpenDocument file)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (.doc); save it as .docx"),
    (b"{\\rtf", "an RTF document; save it as .docx or .txt"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"ID3", "an MP3 audio file"),
    (b"OggS", "an Ogg audio file"),
    (b"\x00\x00\x00\x18ftyp", "an MP4 video"),
    (b"\x00\x00\x00\x20ftyp", "an MP4 video"),
]


def sniff(data: bytes) -> str | None:
    """What a binary format's leading bytes say the file is, or None."""
    for magic, description in _MAGIC:
        if data.startswith(magic):
            return description
    return None
