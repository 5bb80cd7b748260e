"""Safe, lenient reading of REFI-QDA archives and XML.

XML is parsed without entity expansion, DTD loading or network access. Archives are read
in memory under limits on the number of entries, the size of each and the total, and any
entry whose name climbs out of the archive (`../`, an absolute path, a drive letter) makes
the whole archive unacceptable.
"""

from __future__ import annotations

import functools
import io
import re
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from lxml import etree

from interviews.importers.archive import EntryTooBig, read_entry


class ExchangeError(Exception):
    """The file cannot be imported; the message says why, in words for the user."""


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_unpacked_bytes() -> int:
    return _limit("PARLEY_MAX_UNPACKED_BYTES", 200 * 1024 * 1024)


def max_entries() -> int:
    return _limit("PARLEY_MAX_ARCHIVE_ENTRIES", 5000)


def max_entry_bytes() -> int:
    return _limit("PARLEY_MAX_ENTRY_BYTES", max_unpacked_bytes())


PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def xml_parser() -> etree.XMLParser:
    return etree.XMLParser(**PARSER_OPTIONS)


def check_no_entities(data: bytes, what: str) -> None:
    # Entities have no place in REFI-QDA; refusing them outright also stops entity bombs
    # (the parser never expands external ones, but attribute values force internal ones).
    if any(mark in data for mark in _ENTITY_MARKS):
        raise ExchangeError(f"{what} declares XML entities, which are not accepted.")


_ENTITY_MARKS = tuple("<!ENTITY".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))


def parse_xml(data: bytes, what: str = "The file") -> etree._Element:
    """The root element; a BOM and any encoding declaration are handled by the parser."""
    check_no_entities(data, what)
    try:
        root = etree.fromstring(data, xml_parser())
    except etree.XMLSyntaxError as error:
        raise ExchangeError(f"{what} is not well-formed XML: {error}") from None
    if root is None:
        raise ExchangeError(f"{what} is empty.")
    return root


_LOCAL_NAMES: dict[str, str] = {}


def local(element) -> str:
    """An element's name without its namespace (files use several namespace variants)."""
    tag = element.tag
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
        if isinstance(tag, str) and len(_LOCAL_NAMES) < 1000:
            _LOCAL_NAMES[tag] = name
    return name


def children(element, name: str) -> list:
    return [child for child in element if local(child) == name]


def child(element, name: str):
    for item in element:
        if local(item) == name:
            return item
    return None


def child_text(element, name: str) -> str:
    found = child(element, name)
    return (found.text or "") if found is not None else ""


def descendants(element, name: str) -> list:
    return [item for item in element.iter() if local(item) == name]


@functools.lru_cache(maxsize=4096)
def ref_guid(value: str | None) -> uuid.UUID | None:
    """parse_guid for references (codes, users, notes), which repeat: cached."""
    return parse_guid(value)


def parse_guid(value: str | None) -> uuid.UUID | None:
    """A GUID in any case, with or without braces or dashes; None if it is not one."""
    if not value:
        return None
    value = value.strip()
    if len(value) not in (32, 36, 38) or value.startswith("urn:"):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@dataclass
class Archive:
    """The entries of a .qdpx read into memory, looked up leniently by path."""

    files: dict[str, bytes]

    @property
    def names(self) -> list[str]:
        return list(self.files)

    def project_xml(self) -> tuple[str, bytes]:
        """The one .qde entry: `project.qde` by preference, else the only .qde anywhere."""
        qde = [name for name in self.files if name.lower().endswith(".qde")]
        if not qde:
            raise ExchangeError("The archive holds no project file (.qde).")
        top = [name for name in qde if "/" not in name]
        for name in top or qde:
            if name.lower() == "project.qde":
                return name, self.files[name]
        if len(top or qde) > 1:
            raise ExchangeError(
                "The archive holds several project files (.qde): " + ", ".join(sorted(qde))
            )
        return (top or qde)[0], self.files[(top or qde)[0]]

    def find(self, path: str) -> tuple[str, bytes] | None:
        """A referenced file: exact path, then case-insensitively, then by base name in `sources/`."""
        path = path.replace("\\", "/")
        for prefix in ("internal://", "relative://", "file://"):
            if path.lower().startswith(prefix):
                path = path[len(prefix) :]
        path = path.lstrip("/")
        if path in self.files:
            return path, self.files[path]
        lowered = {name.lower(): name for name in self.files}
        for candidate in (path, f"sources/{path}"):
            if candidate.lower() in lowered:
                name = lowered[candidate.lower()]
                return name, self.files[name]
        base = PurePosixPath(path).name.lower()
        matches = [name for name in self.files if PurePosixPath(name).name.lower() == base]
        if len(matches) == 1:
            return matches[0], self.files[matches[0]]
        in_sources = [m for m in matches if m.lower().startswith("sources/")]
        if len(in_sources) == 1:
            return in_sources[0], self.files[in_sources[0]]
        return None


def _unsafe_name(name: str) -> bool:
    posix = name.replace("\\", "/")
    return (
        posix.startswith("/")
        or re.match(r"^[A-Za-z]:", posix) is not None
        or ".." in PurePosixPath(posix).parts
        or "\x00" in posix
    )


def read_archive(stream) -> Archive:
    """Read a .qdpx (zip) under the size and entry limits; refuse path traversal."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError):
        raise ExchangeError("This is not a .qdpx file (it is not a zip archive).") from None
    entries = [info for info in archive.infolist() if not info.is_dir()]
    if len(entries) > max_entries():
        raise ExchangeError(
            f"The archive holds {len(entries)} files; at most {max_entries()} are accepted."
        )
    for info in entries:
        if _unsafe_name(info.filename):
            raise ExchangeError(
                f"The archive entry “{info.filename}” points outside the archive; "
                "the file was refused."
            )
    total_limit, entry_limit = max_unpacked_bytes(), max_entry_bytes()
    declared = sum(info.file_size for info in entries)
    if declared > total_limit:
        raise ExchangeError(
            f"The archive would unpack to {declared // (1024 * 1024)} MB; "
            f"at most {total_limit // (1024 * 1024)} MB are accepted."
        )
    files: dict[str, bytes] = {}
    total = 0
    for info in entries:
        if info.file_size > entry_limit:
            raise ExchangeError(
                f"“{info.filename}” would unpack to more than {entry_limit // (1024 * 1024)} MB."
            )
        # Read no more than the limits allow, whatever the entry claims its size is.
        allowed = min(entry_limit, total_limit - total)
        try:
            data = read_entry(archive, info, allowed)
        except EntryTooBig:
            raise ExchangeError(
                f"“{info.filename}” unpacks to more than the accepted size; the file was refused."
            ) from None
        except (
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            RuntimeError,
            NotImplementedError,
            EOFError,
        ) as error:
            raise ExchangeError(f"“{info.filename}” cannot be read: {error}") from None
        total += len(data)
        files[info.filename.replace("\\", "/")] = data
    return Archive(files)


def read_docx_text(data: bytes) -> str:
    """The plain text of a .docx: its paragraphs, one per line."""
    import docx

    # A .docx is itself a zip: hold it to the same limits before python-docx opens it.
    read_archive(io.BytesIO(data))
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many kinds for a broken file
        raise ExchangeError(f"The rich-text file cannot be read: {error}") from None
    return "\n".join(paragraph.text for paragraph in document.paragraphs)
