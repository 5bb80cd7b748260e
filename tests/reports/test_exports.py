"""The page, CSV, XLSX, DOCX and printable HTML of one report carry the same figures."""

from __future__ import annotations

import csv
import io

import pytest
from docx import Document
from lxml import html as lxml_html
from openpyxl import load_workbook

from reports.tables import Report

SWOT_QUERY = "?by=country&f_country=China&f_country=Belarus"


def _norm(value):
    """A cell as each format gives it back: numbers as floats, empty cells as ''."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except ValueError:
        return str(value)


def _page(client, study, kind, query=""):
    response = client.get(f"/projects/{study.project.pk}/reports/{kind}/{query}")
    assert response.status_code == 200
    return response


def _export(client, study, kind, fmt, query=""):
    response = client.get(f"/projects/{study.project.pk}/reports/{kind}/export/{fmt}/{query}")
    assert response.status_code == 200, response.content[:500]
    return response


def _csv_rows(body: bytes) -> tuple[str, list[list[str]]]:
    text = body.decode("utf-8")
    first, _, rest = text.partition("\n")
    return first, list(csv.reader(io.StringIO(rest)))


@pytest.mark.parametrize(
    ("kind", "query"),
    [
        ("swot", SWOT_QUERY),
        ("frequencies", "?by=country"),
        ("cooccurrence", "?mode=turn"),
        ("theme", ""),
        ("framework", "?rows=interviewee"),
    ],
)
def test_every_format_carries_the_pages_numbers(client_for, study, kind, query):
    client = client_for("lead")
    report: Report = _page(client, study, kind, query).context["report"]
    main = report.tables[0]
    expected = [[_norm(v) for v in row] for row in main.rows]
    assert expected, "the fixture gives every report some rows"

    first, rows = _csv_rows(_export(client, study, kind, "csv", query).content)
    assert first.startswith("# ") and "Project “Study”" in first and "generated" in first
    assert rows[0] == main.columns
    assert [[_norm(v) for v in row] for row in rows[1:]] == expected

    book = load_workbook(io.BytesIO(_export(client, study, kind, "xlsx", query).content))
    assert book.sheetnames[0] == "About"
    assert len(book.sheetnames) == 1 + len(report.tables)
    sheet = book[book.sheetnames[1]]
    values = [[_norm(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == main.columns
    assert values[1:] == expected
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Report"] == report.title
    assert about["Project"] == "Study"
    assert about["Filters"] == report.about[1][1]
    assert about["Codebook"].startswith("9 codes, last changed ")
    assert (
        about["Provenance"].split(" · generated")[0] == report.provenance.split(" · generated")[0]
    )

    document = Document(io.BytesIO(_export(client, study, kind, "docx", query).content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert report.provenance.split(" · generated")[0] in text
    grid = document.tables[0]
    cells = [[_norm(cell.text) for cell in row.cells] for row in grid.rows]
    assert cells[0] == [_norm(c) for c in main.columns]
    assert cells[1:] == expected

    page = lxml_html.fromstring(_export(client, study, kind, "html", query).content)
    printed = page.xpath(f'//table[@data-table="{main.key}"]')[0]
    body = [[_norm(td.text_content()) for td in tr.xpath("td")] for tr in printed.xpath("tbody/tr")]
    assert body == expected


def test_the_page_shows_the_same_numbers_as_its_table(client_for, study):
    response = _page(client_for("lead"), study, "frequencies", "?by=country")
    page = lxml_html.fromstring(response.content)
    shown = page.xpath('//table[@data-table="frequencies"]')[0]
    body = [
        [_norm(td.text_content().strip().replace("—", "")) for td in tr.xpath("td")]
        for tr in shown.xpath("tbody/tr")
    ]
    expected = [[_norm(v) for v in row] for row in response.context["report"].tables[0].rows]
    assert body == expected


def test_docx_has_charts_and_quotes(client_for, study):
    document = Document(
        io.BytesIO(_export(client_for("lead"), study, "swot", "docx", SWOT_QUERY).content)
    )
    assert len(document.inline_shapes) == 1  # the quadrant chart as a PNG
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert "“Embroidery is alive.”" in quotes
    section = document.sections[0]
    assert section.page_width > section.page_height  # eight columns: landscape


def test_csv_can_export_another_table(client_for, study):
    body = _export(client_for("lead"), study, "swot", "csv", SWOT_QUERY + "&table=quotes").content
    _, rows = _csv_rows(body)
    assert rows[0][:4] == ["Quadrant", "Sub-theme", "Group", "Quote"]
    assert [
        "Strengths",
        "Heritage",
        "Belarus",
        "Embroidery is alive.",
        "BY-01",
        "Crafts",
        "Interview BY-01",
    ] in rows


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx", "html"])
def test_coders_exports_carry_pseudonyms_only(client_for, study, fmt):
    query = "?table=quotes" if fmt == "csv" else ""
    body = _export(client_for("coder"), study, "theme", fmt, query).content
    if fmt in ("xlsx", "docx"):
        import zipfile

        archive = zipfile.ZipFile(io.BytesIO(body))
        body = b"".join(archive.read(name) for name in archive.namelist() if name.endswith(".xml"))
    assert b"Real Name" not in body
    assert b"No money at all" not in body
    assert b"BY-01" in body


@pytest.mark.parametrize("kind", ["frequencies", "theme"])
def test_user_text_is_escaped_on_the_page_and_in_the_printable_page(client_for, study, kind, users):
    from coding.models import Code, Coding

    code = Code.objects.create(project=study.project, name="<script>alert(1)</script>", order=9)
    source = study.sources["S1"]
    Coding.objects.create(source=source, code=code, coder=users["coder"], start=0, end=11)
    client = client_for("lead")
    for response in (_page(client, study, kind), _export(client, study, kind, "html")):
        assert b"<script>alert(1)</script>" not in response.content
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


def test_theme_documents_keep_the_first_quotes_with_a_note_and_the_xlsx_keeps_all(
    client_for, study
):
    client = client_for("lead")
    query = f"?code={study.codes['Heritage'].pk}&quotes=1"
    document = Document(io.BytesIO(_export(client, study, "theme", "docx", query).content))
    text = [p.text for p in document.paragraphs]
    note = next(t for t in text if t.startswith("Up to 1 quote per code"))
    assert "CSV and XLSX exports cover every quote" in note
    assert sum(t.startswith("“") for t in text) == 1
    printable = _export(client, study, "theme", "html", query).content.decode()
    assert "Up to 1 quote per code" in printable
    book = load_workbook(io.BytesIO(_export(client, study, "theme", "xlsx", query).content))
    quotes = list(book["Quotes"].iter_rows(min_row=2, values_only=True))
    assert sorted(q[1] for q in quotes) == ["Embroidery is alive.", "Our crafts are old."]
    themes = list(book["Themes"].iter_rows(min_row=2, values_only=True))
    assert themes[0][4:] == (2, 2, 2)  # passages: g and h count once


def test_the_theme_xlsx_keeps_text_that_looks_like_a_formula_as_that_text(client_for, study, users):
    from coding.models import Code, Coding
    from interviews.services import source_create

    text = '=HYPERLINK("http://x","y") she typed. -5 % came. @all left. Зрители 观众 🎬.'
    source = source_create(
        project=study.project, title="Interview CN-02", text=text, interviewees=[]
    )
    code = Code.objects.create(project=study.project, name='=HYPERLINK("x","y")', order=9)
    quotes = ['=HYPERLINK("http://x","y")', "-5 % came.", "@all left.", "Зрители 观众 🎬."]
    for quote in quotes:
        start = text.index(quote)
        Coding.objects.create(
            source=source, code=code, coder=users["coder"], start=start, end=start + len(quote)
        )
    query = f"?code={code.pk}"
    book = load_workbook(
        io.BytesIO(_export(client_for("lead"), study, "theme", "xlsx", query).content)
    )
    sheet = book["Quotes"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert sorted((r["Quote"].value, r["Quote"].data_type) for r in rows) == sorted(
        (quote, "s") for quote in quotes
    )
    assert {(r["Code"].value, r["Code"].data_type) for r in rows} == {('=HYPERLINK("x","y")', "s")}
    themes = book["Themes"]
    assert (themes["A2"].value, themes["A2"].data_type) == ('=HYPERLINK("x","y")', "s")
    assert [(c.value, c.data_type) for c in themes[2][4:]] == [(4, "n"), (1, "n"), (0, "n")]
    assert sheet.freeze_panes == "B2" and all(c.font.b for c in sheet[1])


def test_xlsx_keeps_text_numbers_and_layout_of_every_row():
    from reports import exports
    from reports.tables import Table

    table = Table("quotes", "Quotes", ["Code", "Quote", "Count"])
    table.rows = [["A & B", 'She said "<no>"\x01', 7], ["C", None, 2.5]]
    table.rows += [["Long", "word " * 30, i] for i in range(3000)]
    table.rows.append(["Longest", "x" * 40_000, True])
    report = Report(kind="theme", title="T", tables=[table], provenance="Project “P”")
    book = load_workbook(io.BytesIO(exports.to_xlsx(report)))
    assert book.sheetnames == ["About", "Quotes"]
    assert book["About"]["B1"].value == "T"
    sheet = book["Quotes"]
    assert sheet.freeze_panes == "B2" and sheet["A1"].font.b
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[:3] == [
        ("Code", "Quote", "Count"),
        ("A & B", 'She said "<no>"', 7),
        ("C", None, 2.5),
    ]
    assert len(rows) == 3004 and rows[-2][2] == 2999
    assert rows[-1] == ("Longest", "x" * 32767, True)  # what a spreadsheet cell holds
    assert sheet["B4"].alignment.wrap_text  # long text wraps
