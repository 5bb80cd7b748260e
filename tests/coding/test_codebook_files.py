"""Codebook export and import as CSV and XLSX."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from coding import codebook_files
from coding import codebook_services as svc
from coding.models import Code
from interviews.models import Project

HEADER = "path,colour,definition,inclusion,exclusion,example\n"


@pytest.fixture
def small_book(project, users):
    top = svc.code_create(project=project, user=users["lead"], name="Weaknesses", colour="#c62828")
    svc.code_create(
        project=project,
        user=users["lead"],
        name="Financing",
        parent=top,
        colour="#e57373",
        definition="Money problems",
        inclusion="Budgets",
        exclusion="Prices",
        example="Money was short",
    )
    return project


def _codes(project) -> list[tuple]:
    return [
        (c.path, c.colour, c.definition, c.inclusion, c.exclusion, c.example)
        for c in Code.objects.filter(project=project).tree_order()
    ]


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_csv_export_lists_paths_and_fields(small_book):
    rows = list(
        csv.reader(io.StringIO(codebook_files.codebook_csv(small_book).decode("utf-8-sig")))
    )
    assert rows == [
        ["path", "colour", "definition", "inclusion", "exclusion", "example"],
        ["Weaknesses", "#c62828", "", "", "", ""],
        [
            "Weaknesses/Financing",
            "#e57373",
            "Money problems",
            "Budgets",
            "Prices",
            "Money was short",
        ],
    ]


def test_xlsx_export_holds_the_same_rows(small_book):
    sheet = load_workbook(io.BytesIO(codebook_files.codebook_xlsx(small_book))).active
    rows = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[1:] == [list(r) for r in codebook_files.codebook_rows(small_book)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_a_new_project_gives_the_same_codebook(small_book, users, fmt):
    data = (
        codebook_files.codebook_csv(small_book)
        if fmt == "csv"
        else codebook_files.codebook_xlsx(small_book)
    )
    fresh = Project.objects.create(name="Fresh")
    report = codebook_files.codebook_import(
        project=fresh, user=users["lead"], filename=f"b.{fmt}", data=data
    )
    assert (report.created, report.updated) == (2, 0)
    assert _codes(fresh) == _codes(small_book)


def test_import_updates_existing_codes_and_creates_missing_parents(small_book, users):
    data = (
        HEADER
        + "Weaknesses/Financing,#000000,New definition,,,\n"
        + "Threats/Competition/Korea,#123abc,,,,\n"
    ).encode()
    report = codebook_files.codebook_import(
        project=small_book, user=users["lead"], filename="c.csv", data=data
    )
    assert (report.created, report.updated, report.unchanged) == (3, 1, 0)
    financing = Code.objects.get(name="Financing")
    assert (financing.colour, financing.definition, financing.inclusion) == (
        "#000000",
        "New definition",
        "",
    )
    assert Code.objects.get(name="Korea").full_path == "Threats/Competition/Korea"


def test_import_reads_utf8_with_bom_semicolons_and_cyrillic(project, users):
    data = (
        "\ufeff" + HEADER.replace(",", ";") + "Слабые стороны;#112233;Определение;;;\n"
    ).encode()
    codebook_files.codebook_import(project=project, user=users["lead"], filename="x.csv", data=data)
    assert Code.objects.get(project=project).name == "Слабые стороны"


def test_a_file_with_missing_columns_is_refused(small_book, users):
    before = _codes(small_book)
    with pytest.raises(ValidationError) as error:
        codebook_files.codebook_import(
            project=small_book,
            user=users["lead"],
            filename="c.csv",
            data=b"path,colour\nA,#000000\n",
        )
    assert (
        "lacks the columns “definition”, “inclusion”, “exclusion”, “example”"
        in error.value.messages[0]
    )
    assert _codes(small_book) == before


def test_unknown_colours_are_refused_and_nothing_is_imported(small_book, users):
    before = _codes(small_book)
    data = (HEADER + "Good,#00ff00,,,,\nBad,bluish,,,,\n").encode()
    with pytest.raises(ValidationError) as error:
        codebook_files.codebook_import(
            project=small_book, user=users["lead"], filename="c.csv", data=data
        )
    assert error.value.messages == [
        "Row 3: “bluish” is not a colour; write it as #rrggbb, for example #1e88e5."
    ]
    assert _codes(small_book) == before


def test_a_wrong_encoding_is_refused(small_book, users):
    data = (HEADER + "Сила,#00ff00,,,,\n").encode("cp1251")
    with pytest.raises(ValidationError, match="is not UTF-8 text"):
        codebook_files.codebook_import(
            project=small_book, user=users["lead"], filename="c.csv", data=data
        )
    assert len(_codes(small_book)) == 2


def test_a_broken_xlsx_is_refused(small_book, users):
    with pytest.raises(ValidationError, match="not a readable XLSX"):
        codebook_files.codebook_import(
            project=small_book, user=users["lead"], filename="c.xlsx", data=b"PK\x03\x04junk"
        )


def test_xlsx_with_missing_columns_is_refused(small_book, users):
    data = _xlsx([["path", "definition"], ["A", "x"]])
    with pytest.raises(ValidationError, match="lacks the columns “colour”"):
        codebook_files.codebook_import(
            project=small_book, user=users["lead"], filename="c.xlsx", data=data
        )
    assert len(_codes(small_book)) == 2


def test_repeated_paths_and_empty_parts_are_refused(project, users):
    data = (HEADER + "A,,,,,\na,,,,,\nB//C,,,,,\n").encode()
    with pytest.raises(ValidationError) as error:
        codebook_files.codebook_import(
            project=project, user=users["lead"], filename="c.csv", data=data
        )
    assert error.value.messages == [
        "Row 3: “a” repeats row 2.",
        "Row 4: the path “B//C” is empty or has an empty part.",
    ]
    assert not Code.objects.filter(project=project).exists()


def test_other_file_types_are_refused(project, users):
    with pytest.raises(ValidationError, match=r"\.csv or \.xlsx"):
        codebook_files.codebook_import(
            project=project, user=users["lead"], filename="c.txt", data=b"x"
        )


def test_the_import_page_reports_errors_and_changes_nothing(small_book, client_for):
    upload = SimpleUploadedFile("c.csv", (HEADER + "X,notacolour,,,,\n").encode(), "text/csv")
    response = client_for("lead").post(
        reverse("coding:codebook_import", args=[small_book.pk]), {"file": upload}, follow=True
    )
    body = response.content.decode()
    assert "Nothing was imported." in body and "“notacolour” is not a colour" in body
    assert len(_codes(small_book)) == 2


def test_the_import_page_imports(small_book, client_for):
    upload = SimpleUploadedFile("c.csv", (HEADER + "Strengths,#00aa00,,,,\n").encode(), "text/csv")
    response = client_for("lead").post(
        reverse("coding:codebook_import", args=[small_book.pk]), {"file": upload}, follow=True
    )
    assert "Codebook imported: 1 code created, 0 updated, 0 unchanged." in response.content.decode()


def test_coders_cannot_import(small_book, client_for):
    upload = SimpleUploadedFile("c.csv", (HEADER + "Strengths,#00aa00,,,,\n").encode(), "text/csv")
    response = client_for("coder").post(
        reverse("coding:codebook_import", args=[small_book.pk]), {"file": upload}
    )
    assert response.status_code == 403
    assert len(_codes(small_book)) == 2


def test_every_member_can_export(small_book, client_for):
    response = client_for("viewer").get(
        reverse("coding:codebook_export", args=[small_book.pk]), {"format": "xlsx"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert (
        client_for("outsider")
        .get(reverse("coding:codebook_export", args=[small_book.pk]))
        .status_code
        == 404
    )


def test_xlsx_with_an_unknown_colour_is_refused(small_book, users):
    data = _xlsx([codebook_files.COLUMNS, ["New", "reddish", "", "", "", ""]])
    with pytest.raises(ValidationError, match="“reddish” is not a colour"):
        codebook_files.codebook_import(
            project=small_book, user=users["lead"], filename="c.xlsx", data=data
        )
    assert len(_codes(small_book)) == 2


def test_a_csv_holding_nul_characters_is_refused(small_book, users):
    """PostgreSQL cannot store NUL in text; the file is refused before anything is written."""
    data = (HEADER + "Über\x00Null,#00ff00,definition\x00,,,\n").encode("utf-8")
    with pytest.raises(ValidationError, match="NUL characters"):
        codebook_files.codebook_import(
            project=small_book, user=users["lead"], filename="c.csv", data=data
        )
    assert len(_codes(small_book)) == 2


def test_text_starting_with_equals_survives_an_xlsx_round_trip_as_text(small_book, users):
    """'=…' in a definition must stay text: as a formula it would run in a spreadsheet and
    come back empty on import."""
    Code.objects.filter(project=small_book, name="Financing").update(
        definition='=HYPERLINK("http://example.org")', example="= money, not prices"
    )
    data = codebook_files.codebook_xlsx(small_book)
    sheet = load_workbook(io.BytesIO(data)).active
    cell = sheet["C3"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.org")', "s")
    fresh = Project.objects.create(name="Fresh")
    codebook_files.codebook_import(project=fresh, user=users["lead"], filename="b.xlsx", data=data)
    assert _codes(fresh) == _codes(small_book)


def test_xlsx_keeps_formula_like_and_non_latin_text_as_text_and_imports_back(small_book, users):
    lead = users["lead"]
    top = svc.code_create(
        project=small_book,
        user=lead,
        name='=HYPERLINK("x","y")',  # a code name cannot hold "/"
        definition='=HYPERLINK("http://x","y")',
        inclusion="@everyone who says it",
        exclusion="+ prices",
        example="- Money was short 🎬",
    )
    svc.code_create(project=small_book, user=lead, name="Финансы 资金 💰", parent=top)
    data = codebook_files.codebook_xlsx(small_book)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Codebook"]
    sheet = book["Codebook"]
    assert [(c.value, c.font.b) for c in sheet[1]] == [
        (name, True) for name in codebook_files.COLUMNS
    ]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == top.name)
    assert [(c.value, c.data_type) for c in row] == [
        ('=HYPERLINK("x","y")', "s"),
        ("#1e88e5", "s"),
        ('=HYPERLINK("http://x","y")', "s"),
        ("@everyone who says it", "s"),
        ("+ prices", "s"),
        ("- Money was short 🎬", "s"),
    ]
    paths = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert '=HYPERLINK("x","y")/Финансы 资金 💰' in paths
    fresh = Project.objects.create(name="Fresh")
    report = codebook_files.codebook_import(project=fresh, user=lead, filename="b.xlsx", data=data)
    assert (report.created, report.updated) == (4, 0)
    assert _codes(fresh) == _codes(small_book)


def test_csv_export_opens_in_spreadsheet_programs_as_utf8(small_book, users, client_for):
    """A byte-order mark tells Excel the file is UTF-8, so Cyrillic code names stay legible;
    the import reads it back."""
    svc.code_create(project=small_book, user=users["lead"], name="Финансы", colour="#c62828")
    response = client_for("viewer").get(reverse("coding:codebook_export", args=[small_book.pk]))
    assert response.content.startswith("\ufeffpath,".encode())
    fresh = Project.objects.create(name="Fresh")
    codebook_files.codebook_import(
        project=fresh, user=users["lead"], filename="b.csv", data=response.content
    )
    assert _codes(fresh) == _codes(small_book)
