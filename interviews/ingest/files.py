"""Reading files: an uploaded or staged file, or pasted text, into an `Imported`; archives checked
before they are staged."""

from __future__ import annotations

from interviews.importers import (
    Imported,
    SafeZip,
    check_size,
    read_file,
    read_pasted,
    unpack_zip,
)

PASTED_SUFFIX = ".pasted"


def pasted_name(title: str) -> str:
    """The staged name of pasted text (its title, marked as pasted)."""
    return (title.strip() or "Pasted text")[:200] + PASTED_SUFFIX


def is_pasted(name: str) -> bool:
    return name.endswith(PASTED_SUFFIX)


def read_entry(name: str, data: bytes) -> Imported:
    """Read a staged or uploaded file (or pasted text) into an Imported."""
    if is_pasted(name):
        return read_pasted(data.decode("utf-8"), title=name.removesuffix(PASTED_SUFFIX))
    return read_file(name, data)


def zip_check(data: bytes, *, name: str) -> None:
    """Refuse at once an archive that is damaged, unsafe or over the declared limits
    (the limits are enforced again on the bytes actually unpacked, in the task)."""
    check_size(name, len(data))
    if not data.startswith(b"PK"):
        unpack_zip(data, name=name)  # raises the right message
    SafeZip(data, name=name)
