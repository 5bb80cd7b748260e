"""The one CSV writer: rows of plain values in, UTF-8 text out.

Every CSV file Parley hands out is written here, as every XLSX file is written by
interviews/spreadsheet.py. A spreadsheet program runs a cell as a formula when its text
starts with `=`, `+`, `-` or `@` (a tab or carriage return first does the same in some), so
such a text is written with an apostrophe in front — "'=HYPERLINK(…)" — which spreadsheet
programs show as the text itself. Numbers are numbers (-5 stays -5), None is an empty cell.
Reading a file Parley wrote (a codebook) takes the apostrophe off again: `unescape`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value: object) -> object:
    """A value as it may stand in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape(text: str) -> str:
    """A cell's text as it was before `safe`."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


class Writer:
    """csv.writer with every cell made safe."""

    def __init__(self, out: io.StringIO):
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Sequence[object]) -> None:
        self._writer.writerow([safe(value) for value in row])

    def writerows(self, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self.writerow(row)


def text(
    rows: Iterable[Sequence[object]],
    *,
    header: Sequence[object] | None = None,
    preamble: str = "",
    bom: bool = True,
) -> str:
    """The CSV of `rows` under `header`, after a `preamble` line (written as it is). The
    byte-order mark makes spreadsheet programs read non-Latin text as UTF-8."""
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    out.write(preamble)
    writer = Writer(out)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def data(rows: Iterable[Sequence[object]], **options) -> bytes:
    """`text` encoded as UTF-8."""
    return text(rows, **options).encode("utf-8")
