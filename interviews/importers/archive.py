"""Safe reading of zip archives (uploads, .docx, .odt): limits on size and entries, no unsafe
names, sizes enforced while decompressing (an archive's declared sizes may lie)."""

from __future__ import annotations

import contextlib
import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings

from interviews.importers.base import ImportRefused, label

_CHUNK = 64 * 1024


@dataclass
class Limits:
    max_unpacked: int
    max_entries: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_unpacked=settings.PARLEY_MAX_UNPACKED_BYTES,
            max_entries=settings.PARLEY_MAX_ARCHIVE_ENTRIES,
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


class EntryTooBig(ValueError):
    """An archive entry that unpacks to more than it declares or than it may."""


def read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The bytes of one entry, inflated a small chunk at a time and never past its declared
    size or `limit`: an entry that lies about its size costs no more than the truth would.

    Raises EntryTooBig past `limit`; zipfile's own errors (a bad CRC when the data is longer
    than declared) pass through.
    """
    if info.file_size > limit:
        raise EntryTooBig(info.filename)
    out = io.BytesIO()
    left = info.file_size
    with archive.open(info) as stream:
        while left > 0 and (chunk := stream.read(min(_CHUNK, left))):
            out.write(chunk)
            left -= len(chunk)
        # What follows the declared size is only read to check it is not there: zipfile
        # stops at the declared size and checks the CRC of what it produced.
        stream.read(1)
    return out.getvalue()


def is_unsafe_name(name: str) -> bool:
    """An entry name that could escape the folder it is unpacked into."""
    cleaned = name.replace("\\", "/")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        return True
    return any(part == ".." for part in cleaned.split("/")) or "\x00" in cleaned


class SafeZip:
    """A zip archive opened with limits; `read` enforces them on the bytes actually produced."""

    def __init__(self, data: bytes, *, name: str = "", limits: Limits | None = None):
        self.name = name
        self.limits = limits or Limits.from_settings()
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise ImportRefused(
                f"{label(name)} is damaged: it cannot be opened as an archive."
            ) from exc
        if len(infos) > self.limits.max_entries:
            raise ImportRefused(
                f"{label(name)} holds {len(infos):,} entries; the limit is "
                f"{self.limits.max_entries:,}."
            )
        for info in infos:
            if not info.flag_bits & 0x800:
                # No UTF-8 flag: zipfile read the name as CP437; most tools wrote UTF-8.
                with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
                    info.filename = info.filename.encode("cp437").decode("utf-8")
            if is_unsafe_name(info.filename):
                raise ImportRefused(
                    f"{label(name)} contains an unsafe path “{info.filename}”; "
                    "nothing from it was imported."
                )
            if info.flag_bits & 0x1:
                raise ImportRefused(f"{label(name)} is password-protected.")
        declared = sum(info.file_size for info in infos)
        if declared > self.limits.max_unpacked:
            raise self._too_big()
        self.infos = infos
        self.unpacked = 0

    def _too_big(self) -> ImportRefused:
        return ImportRefused(
            f"{label(self.name)} would expand beyond the {_megabytes(self.limits.max_unpacked)} "
            "limit for unpacked files; nothing from it was imported."
        )

    def names(self) -> list[str]:
        return [info.filename for info in self.infos]

    def files(self) -> list[zipfile.ZipInfo]:
        """Entries that are files (not folders), in archive order."""
        return [info for info in self.infos if not info.is_dir()]

    def read(self, name_or_info: str | zipfile.ZipInfo) -> bytes:
        try:
            info = (
                name_or_info
                if isinstance(name_or_info, zipfile.ZipInfo)
                else self.zip.getinfo(name_or_info)
            )
        except KeyError as exc:
            raise ImportRefused(f"{label(self.name)} has no part “{name_or_info}”.") from exc
        try:
            data = read_entry(self.zip, info, self.limits.max_unpacked - self.unpacked)
        except EntryTooBig:
            raise self._too_big() from None
        except (
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            ValueError,
            EOFError,
            NotImplementedError,
        ) as exc:
            raise ImportRefused(
                f"{label(self.name)} is damaged: “{info.filename}” cannot be unpacked."
            ) from exc
        self.unpacked += len(data)
        return data


def plain_name(entry_name: str) -> str:
    return posixpath.basename(entry_name.replace("\\", "/"))
