"""The one XLSX writer: sheets of plain values in, the bytes of a workbook out.

Every spreadsheet Parley hands out is written here. Text is always an inline string, so a
cell reading "=HYPERLINK(…)" or "-5 points" shows exactly that text and never runs as a
formula; ints and floats are numbers, booleans are booleans, None and "" leave the cell
empty, and anything else (a date, say) is written as its text. Characters XML cannot hold
are dropped and a text longer than a cell holds is cut to fit.

The sheet XML is written directly, a row at a time: a theme report's 200,000 quotes take
seconds rather than the minute a cell-object library needs.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import re
import zipfile
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Literal

from interviews.xmltext import xml_safe

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_TEXT = 32767  # UTF-16 code units a cell holds
MAX_SHEET_NAME = 31
MAX_COLUMNS = 16384
AUTO_SAMPLE = 200  # rows under the header that automatic widths look at
AUTO_MIN, AUTO_MAX = 10, 60  # automatic column widths, in characters


@dataclass
class Sheet:
    """One worksheet.

    `header` is written as the first row, in bold. `widths` are column widths in
    characters (None for a column keeps the default), or "auto": each column as wide as its
    longest value in the header and the first AUTO_SAMPLE rows, between AUTO_MIN and
    AUTO_MAX, and a column with longer text wraps. `wrapped` names further columns (by
    index, from 0) whose text wraps. `freeze` is the first cell that scrolls ("A2" keeps the
    first row in view, "B2" the first row and the first column).

    The name is made fit for a spreadsheet when the workbook is written: see sheet_names.
    """

    name: str
    rows: Iterable[Sequence[object]]
    header: Sequence[object] | None = None
    widths: Sequence[float | None] | Literal["auto"] | None = None
    wrapped: Collection[int] = ()
    freeze: str | None = None


_SHEET_NAME_ILLEGAL = re.compile(r"[\[\]:*?/\\]")
_CELL_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment wrapText="1" vertical="top"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_BOLD, _WRAP = 1, 2  # indexes into cellXfs above
_CHUNK_ROWS = 2000  # rows gathered before a write to the archive


def workbook(sheets: Iterable[Sheet]) -> bytes:
    """The XLSX file holding `sheets`, in order (at least one)."""
    sheets = list(sheets)
    if not sheets:
        raise ValueError("A workbook needs at least one sheet.")
    names = sheet_names([sheet.name for sheet in sheets])
    count = len(sheets)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_TYPE}.worksheet+xml"/>'
            for n in range(1, count + 1)
        )
        archive.writestr(
            "[Content_Types].xml",
            f"{_XML}"
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'{_XML}<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
            f'Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name="{_escape(name)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, name in enumerate(names, start=1)
        )
        archive.writestr(
            "xl/workbook.xml",
            f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>{entries}</sheets>'
            "</workbook>",
        )
        links = "".join(
            f'<Relationship Id="rId{n}" Type="{_RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_XML}<Relationships xmlns="{_PACKAGE_RELS}">{links}<Relationship '
            f'Id="rId{count + 1}" Type="{_RELS}/styles" Target="styles.xml"/></Relationships>',
        )
        archive.writestr("xl/styles.xml", _STYLES)
        for n, sheet in enumerate(sheets, start=1):
            with archive.open(f"xl/worksheets/sheet{n}.xml", "w") as out:
                _write_sheet(out, sheet)
    return buffer.getvalue()


def sheet_names(names: Iterable[str]) -> list[str]:
    """Names a spreadsheet program accepts, in order: without []:*?/\\ and characters XML
    cannot hold, no apostrophe at either end, at most 31 characters, never blank ("Sheet"),
    and unique regardless of case (a repeat gets " (2)", " (3)" …)."""
    taken: set[str] = set()
    result = []
    for title in names:
        name = _SHEET_NAME_ILLEGAL.sub(" ", xml_safe(str(title)))
        name = name[:MAX_SHEET_NAME].strip().strip("'").strip() or "Sheet"
        base, n = name, 2
        while name.casefold() in taken:
            suffix = f" ({n})"
            name = base[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
            n += 1
        taken.add(name.casefold())
        result.append(name)
    return result


def column_letter(index: int) -> str:
    """The letters of a column, counted from 0: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@functools.cache
def _letters() -> list[str]:
    """The letters of every column a sheet can have."""
    return [column_letter(i) for i in range(MAX_COLUMNS)]


def _cap(text: str) -> str:
    encoded = text.encode("utf-16-le")
    if len(encoded) <= 2 * MAX_TEXT:
        return text
    # Cut on a code unit boundary; a character split in two is dropped whole.
    return encoded[: 2 * MAX_TEXT].decode("utf-16-le", errors="ignore")


def _escape(text: str) -> str:
    """Text as a cell holds it (without characters XML cannot hold, at most MAX_TEXT long),
    escaped for XML. It runs for every text cell, so it is kept to plain string calls."""
    text = xml_safe(text)
    if len(text) > MAX_TEXT // 2:  # only then can it pass MAX_TEXT UTF-16 code units
        text = _cap(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace('"', "&quot;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")  # a bare CR would be read back as a line feed
    return text


def _auto_widths(rows: list[Sequence[object]]) -> tuple[list[float | None], set[int]]:
    """Widths fitted to `rows` (the header and a sample), and the columns to wrap."""
    columns = max((len(row) for row in rows), default=0)
    widths: list[float | None] = []
    wrapped = set()
    for index in range(columns):
        longest = max(
            len(str(row[index])) if index < len(row) and row[index] is not None else 0
            for row in rows
        )
        widths.append(min(AUTO_MAX, max(AUTO_MIN, longest + 2)))
        if longest > AUTO_MAX:
            wrapped.add(index)
    return widths, wrapped


def _freeze_pane(ref: str) -> str:
    match = _CELL_REF.fullmatch(ref)
    if match is None:
        raise ValueError(f"Freeze at a cell such as A2 or B2, not {ref!r}.")
    letters, row = match.groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    x_split, y_split = column - 1, int(row) - 1
    if not x_split and not y_split:
        return ""
    pane = {(True, True): "bottomRight", (False, True): "bottomLeft"}.get(
        (bool(x_split), bool(y_split)), "topRight"
    )
    splits = (f' xSplit="{x_split}"' if x_split else "") + (
        f' ySplit="{y_split}"' if y_split else ""
    )
    return (
        f'<sheetViews><sheetView workbookViewId="0"><pane{splits} topLeftCell="{ref}" '
        f'activePane="{pane}" state="frozen"/></sheetView></sheetViews>'
    )


def _write_sheet(out: IO[bytes], sheet: Sheet) -> None:
    """Write one worksheet's XML to `out`, row by row."""
    rows: Iterable[Sequence[object]] = sheet.rows
    if sheet.header is not None:
        rows = itertools.chain([sheet.header], rows)
    wrapped = set(sheet.wrapped)
    if sheet.widths == "auto":
        rows = iter(rows)
        sample = list(itertools.islice(rows, AUTO_SAMPLE + (sheet.header is not None)))
        widths, fitted = _auto_widths(sample)
        wrapped |= fitted
        rows = itertools.chain(sample, rows)
    else:
        widths = list(sheet.widths or [])
    head = [f'{_XML}<worksheet xmlns="{_MAIN}">']
    if sheet.freeze:
        head.append(_freeze_pane(sheet.freeze))
    cols = [
        f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(widths)
        if w is not None
    ]
    if cols:
        head.append("<cols>" + "".join(cols) + "</cols>")
    head.append("<sheetData>")
    out.write("".join(head).encode("utf-8"))

    bold_row = 1 if sheet.header is not None else 0
    letters = _letters()
    chunk: list[str] = []
    for number, values in enumerate(rows, start=1):
        cells = [f'<row r="{number}">']
        for index, value in enumerate(values):
            if value is None or value == "":
                continue
            ref = f"{letters[index]}{number}"
            if isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int):
                cells.append(f'<c r="{ref}"><v>{int(value)}</v></c>')
            elif isinstance(value, float) and math.isfinite(value):
                # float() and int() above: a subclass's own repr may not be a plain number.
                cells.append(f'<c r="{ref}"><v>{float(value)!r}</v></c>')
            else:
                text = _escape(str(value))
                if not text:  # nothing left once the characters XML cannot hold are gone
                    continue
                style = (
                    f' s="{_BOLD}"'
                    if number == bold_row
                    else (f' s="{_WRAP}"' if index in wrapped else "")
                )
                cells.append(
                    f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">'
                    f"{text}</t></is></c>"
                )
        cells.append("</row>")
        chunk.append("".join(cells))
        if len(chunk) >= _CHUNK_ROWS:
            out.write("".join(chunk).encode("utf-8"))
            chunk = []
    chunk.append("</sheetData></worksheet>")
    out.write("".join(chunk).encode("utf-8"))
