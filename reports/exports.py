"""A Report written as CSV, XLSX, DOCX or a printable HTML page.

Every format is written from the report's own tables and carries its provenance line.
"""

from __future__ import annotations

import csv
import io
import math
import re

from django.template.loader import render_to_string

from reports import charts
from reports.tables import Report, Table

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
}
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def filename(report: Report, fmt: str, project_name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", project_name).strip("-").lower() or "project"
    return f"{slug}-{report.kind}.{fmt}"


def _cell(value):
    return "" if value is None else value


def to_csv(report: Report, table: str | None = None) -> bytes:
    """One table (the first unless named) as CSV; the provenance is the first line, after '#'."""
    chosen = report.table(table) if table else report.tables[0]
    buffer = io.StringIO()
    title = report.title if chosen.title == report.title else f"{report.title} — {chosen.title}"
    buffer.write(f"# {title} — {report.provenance}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(chosen.columns)
    for row in chosen.rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def _sheet_name(title: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title)[:31].strip() or "Sheet"
    base, n = name, 2
    while name in taken:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name)
    return name


def _xml_safe(value):
    return _ILLEGAL_XML.sub("", value) if isinstance(value, str) else _cell(value)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XLSX_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
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
_XLSX_MAX_TEXT = 32767  # characters a spreadsheet cell holds


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xlsx_text(value: str) -> str:
    text = _ILLEGAL_XML.sub("", value)[:_XLSX_MAX_TEXT]
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _xlsx_sheet(
    out, rows, *, widths: list[float], header: bool, wrapped: set[int], freeze: bool
) -> None:
    """Write one worksheet's XML to `out`, row by row (numbers as numbers, text inline)."""
    letters = [_column_letter(i) for i in range(len(widths))]
    head = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">']
    if freeze:
        head.append(
            '<sheetViews><sheetView workbookViewId="0"><pane xSplit="1" ySplit="1" '
            'topLeftCell="B2" activePane="bottomRight" state="frozen"/></sheetView></sheetViews>'
        )
    head.append("<cols>")
    head.extend(
        f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(widths)
    )
    head.append("</cols><sheetData>")
    out.write("".join(head).encode("utf-8"))
    chunk: list[str] = []
    for number, values in enumerate(rows, start=1):
        cells = [f'<row r="{number}">']
        for index, value in enumerate(values):
            if value is None or value == "":
                continue
            ref = f"{letters[index]}{number}"
            if isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
                cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            else:
                style = (
                    f' s="{_BOLD}"'
                    if header and number == 1
                    else (f' s="{_WRAP}"' if index in wrapped else "")
                )
                cells.append(
                    f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">'
                    f"{_xlsx_text(str(value))}</t></is></c>"
                )
        cells.append("</row>")
        chunk.append("".join(cells))
        if len(chunk) >= 2000:
            out.write("".join(chunk).encode("utf-8"))
            chunk = []
    chunk.append("</sheetData></worksheet>")
    out.write("".join(chunk).encode("utf-8"))


def to_xlsx(report: Report) -> bytes:
    """A sheet per table and an 'About' sheet: the report, its filters, codebook and time.

    The sheets are written as XML directly, a row at a time: a theme report's 200,000
    quotes take seconds rather than the minute a cell-object library needs.
    """
    import zipfile

    taken = {"About"}
    sheets = [
        (
            "About",
            [["Report", report.title], *report.about, ["Provenance", report.provenance]],
            {"widths": [18, 100], "header": False, "wrapped": set(), "freeze": False},
        )
    ]
    for table in report.tables:
        widths, wrapped = [], set()
        for index, column in enumerate(table.columns):
            longest = max(
                [len(str(column))] + [len(str(_cell(r[index]))) for r in table.rows[:200]]
            )
            widths.append(min(60, max(10, longest + 2)))
            if longest > 60:
                wrapped.add(index)
        sheets.append(
            (
                _sheet_name(table.title, taken),
                _chain([table.columns], table.rows),
                {"widths": widths, "header": True, "wrapped": wrapped, "freeze": True},
            )
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        count = len(sheets)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
            f'ContentType="{_XLSX_TYPE}.worksheet+xml"/>'
            for n in range(1, count + 1)
        )
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_XLSX_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_XLSX_TYPE}.styles+xml"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
            f'Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        names = "".join(
            f'<sheet name="{_xlsx_text(name)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, (name, _, _) in enumerate(sheets, start=1)
        )
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>{names}</sheets></workbook>',
        )
        links = "".join(
            f'<Relationship Id="rId{n}" Type="{_RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PACKAGE_RELS}">{links}<Relationship Id="rId{count + 1}" '
            f'Type="{_RELS}/styles" Target="styles.xml"/></Relationships>',
        )
        archive.writestr("xl/styles.xml", _XLSX_STYLES)
        for n, (_, rows, options) in enumerate(sheets, start=1):
            with archive.open(f"xl/worksheets/sheet{n}.xml", "w") as out:
                _xlsx_sheet(out, rows, **options)
    return buffer.getvalue()


def _chain(first: list, rest: list):
    yield from first
    yield from rest


class _Writer:
    """Appends to a document's body in constant time per element.

    python-docx looks for the section properties on every paragraph it adds, which grows
    with the document; a theme report with thousands of quotes needs the direct route.
    """

    def __init__(self, document) -> None:
        from docx.oxml.ns import qn

        self.document = document
        self.end = document.element.body.find(qn("w:sectPr"))
        self.styles: dict[str, object] = {}

    def paragraph(self, text: str, style: str | None = None, size: int | None = None) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        element = OxmlElement("w:p")
        if style:
            if style not in self.styles:
                self.styles[style] = self.document.styles[style].style_id
            props = OxmlElement("w:pPr")
            style_ref = OxmlElement("w:pStyle")
            style_ref.set(qn("w:val"), self.styles[style])
            props.append(style_ref)
            element.append(props)
        element.append(_run(str(_xml_safe(text)), size=size))
        self.end.addprevious(element)

    def table(self, table: Table) -> None:
        from docx.oxml.ns import qn

        grid = self.document.add_table(rows=len(table.rows) + 1, cols=len(table.columns))
        grid.style = self.document.styles["Table Grid"]
        rows = [table.columns, *table.rows]
        for tr, values in zip(grid._tbl.tr_lst, rows, strict=True):
            for tc, value in zip(tr.tc_lst, values, strict=True):
                paragraph = tc.find(qn("w:p"))
                paragraph.append(_run(str(_xml_safe(value)), bold=values is table.columns))


def _run(text: str, *, bold: bool = False, size: int | None = None):
    """A w:r element holding text (sizes in points)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = OxmlElement("w:r")
    if bold or size:
        props = OxmlElement("w:rPr")
        if bold:
            props.append(OxmlElement("w:b"))
        if size:
            half_points = OxmlElement("w:sz")
            half_points.set(qn("w:val"), str(size * 2))
            props.append(half_points)
        run.append(props)
    element = OxmlElement("w:t")
    element.text = text
    element.set(qn("xml:space"), "preserve")
    run.append(element)
    return run


def to_docx(report: Report) -> bytes:
    """Headings, the tables, quotes as quotations and the charts as PNG images."""
    from docx import Document
    from docx.shared import Inches

    document = Document()
    if any(len(t.columns) > 6 and "Quote" not in t.columns for t in report.tables):
        from docx.enum.section import WD_ORIENT

        section = document.sections[0]  # wide tables read better across the page
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    writer = _Writer(document)
    writer.paragraph(report.title, "Heading 1")
    writer.paragraph(report.provenance, size=8)
    for chart in report.charts:
        if chart.labels:
            document.add_picture(io.BytesIO(charts.render(chart, "png")), width=Inches(6))
    for table in report.tables:
        writer.paragraph(table.title, "Heading 2")
        if table.note:
            writer.paragraph(table.note)
        if "Quote" in table.columns and table.rows:
            _docx_quotes(writer, table)
        elif table.rows:
            writer.table(table)
        else:
            writer.paragraph("Nothing to show.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_quotes(writer: _Writer, table: Table) -> None:
    """Quote tables read as text: a heading line per group, then each quote with attribution."""
    quote_at = table.columns.index("Quote")
    after = table.columns[quote_at + 1 :]
    last = None
    for row in table.rows:
        heading = " › ".join(str(v) for v in row[:quote_at] if v not in ("", None))
        if heading != last:
            writer.paragraph(heading, "Heading 3")
            last = heading
        writer.paragraph(f"“{row[quote_at]}”", "Quote")
        details = [
            f"{name}: {value}"
            for name, value in zip(after, row[quote_at + 1 :], strict=True)
            if value
        ]
        if details:
            writer.paragraph(" · ".join(details))


def _html_table(table: Table) -> str:
    """A table as escaped HTML; built directly, as a theme report may hold 200,000 rows."""
    from django.utils.html import escape

    def cell(value) -> str:
        if value is None:
            return "<td></td>"
        text = escape(str(value)).replace("\n", "<br>")
        css = ' class="num"' if isinstance(value, int | float) else ""
        return f"<td{css}>{text}</td>"

    head = "".join(f"<th>{escape(str(c))}</th>" for c in table.columns)
    if table.rows:
        body = "\n".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in table.rows)
    else:
        body = f'<tr><td colspan="{len(table.columns)}">Nothing to show.</td></tr>'
    return (
        f'<table data-table="{escape(table.key)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def to_html(report: Report, *, project=None) -> bytes:
    """A standalone printable page (no scripts, no external files)."""
    from django.utils.safestring import mark_safe

    html = render_to_string(
        "reports/printable.html",
        {
            "report": report,
            "project": project,
            "charts": [charts.data_uri(c) for c in report.charts if c.labels],
            "tables": [(t, mark_safe(_html_table(t))) for t in report.tables],  # noqa: S308
        },
    )
    return html.encode("utf-8")


def export(report: Report, fmt: str, *, table: str | None = None, project=None) -> bytes:
    if fmt == "csv":
        return to_csv(report, table)
    if fmt == "xlsx":
        return to_xlsx(report)
    if fmt == "docx":
        return to_docx(report)
    if fmt == "html":
        return to_html(report, project=project)
    raise ValueError(f"Unknown format: {fmt}")
