"""A Report written as CSV, XLSX, DOCX or a printable HTML page.

Every format is written from the report's own tables and carries its provenance line.
"""

from __future__ import annotations

import csv
import io
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


def to_xlsx(report: Report) -> bytes:
    """A sheet per table and an 'About' sheet: the report, its filters, codebook and time."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    about = book.active
    about.title = "About"
    about.append(["Report", report.title])
    for key, value in report.about:
        about.append([key, value])
    about.append(["Provenance", report.provenance])
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 100
    taken = {"About"}
    for table in report.tables:
        sheet = book.create_sheet(_sheet_name(table.title, taken))
        sheet.append([_xml_safe(c) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_xml_safe(v) for v in row])
        for index, column in enumerate(table.columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            longest = max(
                [len(str(column))] + [len(str(_cell(r[index - 1]))) for r in table.rows[:200]]
            )
            sheet.column_dimensions[letter].width = min(60, max(10, longest + 2))
            if longest > 60:
                for cell in sheet[letter][1:]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _docx_table(document, table: Table) -> None:
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    for cell, column in zip(grid.rows[0].cells, table.columns, strict=True):
        cell.text = _xml_safe(column)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(_xml_safe(value))


def to_docx(report: Report) -> bytes:
    """Headings, the tables, quotes as quotations and the charts as PNG images."""
    from docx import Document
    from docx.shared import Inches, Pt

    document = Document()
    document.add_heading(report.title, level=1)
    provenance = document.add_paragraph(report.provenance)
    for run in provenance.runs:
        run.font.size = Pt(8)
    for chart in report.charts:
        if chart.labels:
            document.add_picture(io.BytesIO(charts.render(chart, "png")), width=Inches(6))
    for table in report.tables:
        document.add_heading(table.title, level=2)
        if table.note:
            document.add_paragraph(table.note)
        if "Quote" in table.columns and table.rows:
            _docx_quotes(document, table)
        elif table.rows:
            _docx_table(document, table)
        else:
            document.add_paragraph("Nothing to show.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_quotes(document, table: Table) -> None:
    """Quote tables read as text: a heading line per group, then each quote with attribution."""
    quote_at = table.columns.index("Quote")
    after = table.columns[quote_at + 1 :]
    last = None
    for row in table.rows:
        heading = " › ".join(str(v) for v in row[:quote_at] if v not in ("", None))
        if heading != last:
            document.add_paragraph(heading, style="Heading 3")
            last = heading
        document.add_paragraph(f"“{_xml_safe(row[quote_at])}”", style="Quote")
        details = [
            f"{name}: {value}"
            for name, value in zip(after, row[quote_at + 1 :], strict=True)
            if value
        ]
        if details:
            document.add_paragraph(_xml_safe(" · ".join(details)))


def to_html(report: Report, *, project=None) -> bytes:
    """A standalone printable page (no scripts, no external files)."""
    html = render_to_string(
        "reports/printable.html",
        {
            "report": report,
            "project": project,
            "charts": [charts.data_uri(c) for c in report.charts if c.labels],
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
