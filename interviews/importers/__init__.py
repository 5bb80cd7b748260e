"""Importers: one pure function per format, from bytes to text, metadata and speaker turns.

    read_file("BY-04.docx", data) → Imported(text=…, format="docx", title=…, turns=[…])

Bad input raises ImportRefused with a message for the user. Text is normalised in one place
(base.normalise: NFC, LF line endings, no BOM), and what an importer returns is exactly what
is stored and what coders see.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from django.conf import settings

from interviews.importers.archive import Limits, SafeZip, is_unsafe_name, plain_name
from interviews.importers.base import Imported, ImportRefused, label, normalise, sniff
from interviews.importers.subtitles import read_srt, read_vtt
from interviews.importers.text import read_md, read_pasted, read_txt

__all__ = [
    "READERS",
    "Imported",
    "ImportRefused",
    "Limits",
    "SafeZip",
    "check_size",
    "extension",
    "is_unsafe_name",
    "normalise",
    "read_file",
    "read_pasted",
    "sniff",
    "unpack_zip",
]


def _on_first_use(module: str, function: str) -> Callable[..., Imported]:
    """A reader whose module is imported when a file of its format is first read.

    The HTML, Word/ODT and PDF readers need lxml and pypdf (together about 35 MB of memory
    in each process); every process imports this package (a revision normalises text with
    base.normalise), and most never read such a file.
    """

    def reader(data: bytes, *, name: str = "") -> Imported:
        read = getattr(importlib.import_module(f"interviews.importers.{module}"), function)
        return read(data, name=name)

    reader.__name__ = reader.__qualname__ = function
    return reader


read_html = _on_first_use("html", "read_html")
read_docx = _on_first_use("office", "read_docx")
read_odt = _on_first_use("office", "read_odt")
read_pdf = _on_first_use("pdf", "read_pdf")

READERS: dict[str, Callable[..., Imported]] = {
    "txt": read_txt,
    "text": read_txt,
    "md": read_md,
    "markdown": read_md,
    "html": read_html,
    "htm": read_html,
    "docx": read_docx,
    "odt": read_odt,
    "pdf": read_pdf,
    "vtt": read_vtt,
    "srt": read_srt,
}


def extension(name: str) -> str:
    base = plain_name(name)
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def check_size(name: str, size: int) -> None:
    limit = settings.PARLEY_MAX_UPLOAD_BYTES
    if size > limit:
        raise ImportRefused(
            f"{label(name)} is {size / 1048576:.1f} MB, over the {limit / 1048576:.0f} MB "
            "upload limit."
        )


def read_file(name: str, data: bytes) -> Imported:
    """Read one file by its extension; ImportRefused when it cannot or should not be read."""
    check_size(name, len(data))
    ext = extension(name)
    reader = READERS.get(ext)
    if reader is None:
        known = ", ".join(f".{e}" for e in sorted(set(READERS) - {"text", "markdown", "htm"}))
        raise ImportRefused(
            f"{label(name)}: Parley cannot import .{ext or '?'} files. It reads {known}."
        )
    return reader(data, name=plain_name(name))


def unpack_zip(data: bytes, *, name: str = "") -> list[tuple[str, bytes]]:
    """(entry name, bytes) of each file in a zip archive, without folders and system files.

    Refuses the whole archive when any entry has an unsafe name or it would unpack beyond
    the limits (PARLEY_MAX_UNPACKED_BYTES, PARLEY_MAX_ARCHIVE_ENTRIES).
    """
    check_size(name, len(data))
    if not data.strip():
        raise ImportRefused(f"{label(name)} is empty.")
    if not data.startswith(b"PK"):
        found = sniff(data)
        raise ImportRefused(
            f"{label(name)} is named as a zip archive but "
            + (f"holds {found}." if found else "is not one.")
        )
    archive = SafeZip(data, name=name)
    entries = []
    for info in archive.files():
        base = plain_name(info.filename)
        if info.filename.startswith("__MACOSX/") or base.startswith(".") or not base:
            continue
        entries.append((info.filename, archive.read(info)))
    if not entries:
        raise ImportRefused(f"{label(name)} holds no files.")
    return entries
