"""Plain text and Markdown: encoding detection, then the text as it is."""

from __future__ import annotations

import re

from charset_normalizer import from_bytes

from interviews.importers.base import Imported, ImportRefused, build, label, sniff

_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
]
# A well-formed multi-byte UTF-8 sequence.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# Bytes that never occur in text (C0 controls other than tab, LF, FF, CR; and DEL).
_BINARY_BYTES = bytes([*range(0, 9), 11, *range(14, 32), 127])


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0) / len(sample[0::2])
    odd = sample[1::2].count(0) / len(sample[1::2])
    if odd > 0.4 and even < 0.05:
        return "utf-16-le"
    if even > 0.4 and odd < 0.05:
        return "utf-16-be"
    return None


def _looks_binary(data: bytes) -> bool:
    sample = data[:65536]
    controls = sum(sample.count(bytes([b])) for b in _BINARY_BYTES)
    return controls > max(2, len(sample) // 100)


def decode(data: bytes, *, name: str = "", kind: str = "text file") -> tuple[str, str]:
    """(text, encoding) of the bytes of a text file, or ImportRefused saying why not.

    UTF-8 is taken at its word: a file with valid UTF-8 sequences and some invalid bytes is
    damaged, not in another encoding. Files without any UTF-8 sequence go to the detector
    (Windows-1251, GB18030, Latin-1 …).
    """
    if not data.strip():
        raise ImportRefused(f"{label(name)} is empty.")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding.removesuffix("-sig")
            except UnicodeDecodeError as exc:
                raise ImportRefused(
                    f"{label(name)} starts as {encoding} but has invalid bytes at "
                    f"position {exc.start:,}."
                ) from exc
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    found = sniff(data)
    if found:
        raise ImportRefused(f"{label(name)} is named as a {kind} but holds {found}.")
    if _looks_binary(data):
        raise ImportRefused(f"{label(name)} holds binary data, not text.")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        high = sum(1 for byte in data if byte >= 0x80)
        in_sequences = sum(len(m) for m in _UTF8_MULTIBYTE.findall(data))
        if high and in_sequences / high >= 0.9:
            raise ImportRefused(
                f"{label(name)} is not valid UTF-8: invalid bytes at byte {exc.start:,}. "
                "Save it again as UTF-8 and import it once more."
            ) from exc
    best = from_bytes(data).best()
    if best is None:
        raise ImportRefused(f"{label(name)} is in an encoding Parley cannot recognise.")
    return str(best), best.encoding


def read_txt(data: bytes, *, name: str = "") -> Imported:
    text, encoding = decode(data, name=name)
    if text.lstrip("\ufeff").startswith("WEBVTT"):
        from interviews.importers.subtitles import parse_vtt

        return parse_vtt(text, name=name)
    return build(text, format="txt", name=name, metadata={"encoding": encoding})


# Each pattern runs in linear time on any input (tests/interviews/test_hostile_text.py): what
# a bracket, tag or emphasis may enclose stops at the next opening of the same kind, so no
# start is scanned to the end of a long line that never closes it.
_MD_FENCE = re.compile(r"^[ \t]*(```|~~~).*$", re.MULTILINE)
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*)$", re.MULTILINE)
_MD_SETEXT = re.compile(r"^[ \t]{0,3}(?:=+|-+)[ \t]*$", re.MULTILINE)
_MD_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^()\n]*\)")
_MD_LINK = re.compile(r"\[([^\[\]]+)\]\([^()\n]*\)")
_MD_REF_LINK = re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]")
_MD_LINK_DEF = re.compile(r"^[ \t]{0,3}\[[^\[\]]+\]:[ \t]+\S.*$", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"(\*\*|__|~~|\*|_)(?=\S)((?:(?!\1)[^\n])+?)(?<=\S)\1")
_MD_CODE = re.compile(r"(?<!`)`+([^`]+)`+")
_MD_QUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.MULTILINE)
_MD_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def _heading_text(match: re.Match) -> str:
    """A heading's words without its closing hashes (`## Title ##` → `Title`)."""
    return match.group(1).rstrip(" \t").rstrip("#").rstrip(" \t")


def markdown_to_text(source: str) -> str:
    """The visible text of Markdown: markup removed, words and line structure kept."""
    text = _MD_FENCE.sub("", source)
    text = _MD_LINK_DEF.sub("", text)
    text = _MD_HEADING.sub(_heading_text, text)
    text = _MD_SETEXT.sub("", text)
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_REF_LINK.sub(r"\1", text)
    text = _MD_CODE.sub(r"\1", text)
    text = _MD_QUOTE.sub("", text)
    text = _MD_TAG.sub("", text)
    for _ in range(2):  # nested emphasis: ***bold italic***
        text, found = _MD_EMPHASIS.subn(r"\2", text)
        if not found:
            break
    return text


def read_md(data: bytes, *, name: str = "") -> Imported:
    text, encoding = decode(data, name=name, kind="Markdown file")
    return build(markdown_to_text(text), format="md", name=name, metadata={"encoding": encoding})


def read_pasted(text: str, *, title: str = "") -> Imported:
    """Text pasted into the browser (a WebVTT paste is read as subtitles)."""
    if text.lstrip("\ufeff \n").startswith("WEBVTT"):
        from interviews.importers.subtitles import parse_vtt

        imported = parse_vtt(text, name="")
        imported.title = title.strip() or "Pasted subtitles"
        return imported
    return build(text, format="paste", title=title or "Pasted text")
