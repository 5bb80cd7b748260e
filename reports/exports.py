"""A Report written as CSV, XLSX, DOCX or a printable HTML page.

Every format is written from the report's own tables and carries its provenance line.
"""

from __future__ import annotations

import io
import re

from django.template.loader import render_to_string

from interviews import csvfile, spreadsheet
from interviews.spreadsheet import Sheet
from interviews.xmltext import xml_safe
from reports import charts
from reports.tables import Report, Table

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": spreadsheet.CONTENT_TYPE,
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
}


def filename(report: Report, fmt: str, project_name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", project_name).strip("-").lower() or "project"
    return f"{slug}-{report.kind}.{fmt}"


def _cell(value):
    return "" if value is None else value


def to_csv(report: Report, table: str | None = None) -> bytes:
    """One table (the first unless named) as CSV; the provenance is the first line, after '#'."""
    chosen = report.table(table) if table else report.tables[0]
    title = report.title if chosen.title == report.title else f"{report.title} — {chosen.title}"
    title = " ".join(title.split())  # one line, whatever a code name holds
    provenance = " ".join(str(report.provenance).split())
    return csvfile.data(
        chosen.rows, header=chosen.columns, preamble=f"# {title} — {provenance}\n", bom=False
    )


def _xml_safe(value):
    return xml_safe(value) if isinstance(value, str) else _cell(value)


def to_xlsx(report: Report) -> bytes:
    """A sheet per table and an 'About' sheet: the report, its filters, codebook and time."""
    about = [["Report", report.title], *report.about, ["Provenance", report.provenance]]
    sheets = [Sheet("About", about, widths=[18, 100])]
    sheets += [
        Sheet(table.title, table.rows, header=table.columns, widths="auto", freeze="B2")
        for table in report.tables
    ]
    return spreadsheet.workbook(sheets)


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
    """A printable page: no scripts, its charts inline (data: images), its look from
    static/css/printable.css."""
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
