"""`manage.py report` writes exactly what the page exports."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from openpyxl import load_workbook


def _body_without_time(text: str) -> str:
    first, _, rest = text.partition("\n")
    return first.rsplit(" · generated", 1)[0] + "\n" + rest


def test_csv_matches_the_page_export(client_for, study, tmp_path):
    target = tmp_path / "freq.csv"
    call_command(
        "report",
        str(study.project.pk),
        "frequencies",
        "--by",
        "Country",
        "--filter",
        "Country=China",
        "--filter",
        "country=Belarus",
        "-o",
        str(target),
    )
    page = client_for("lead").get(
        f"/projects/{study.project.pk}/reports/frequencies/export/csv/?by=country&f_country=China&f_country=Belarus"
    )
    assert _body_without_time(target.read_text("utf-8")) == _body_without_time(
        page.content.decode()
    )
    # Passages: the coder's and the lead's "Embroidery is alive." count once.
    assert "Strengths/Heritage,1,33.3,1,1,100.0,1,20.0,1,1,100.0" in target.read_text("utf-8")


def test_codes_by_path_or_name_and_framework_rows(study, tmp_path):
    target = tmp_path / "framework.xlsx"
    call_command(
        "report",
        str(study.project.pk),
        "framework",
        "--rows",
        "Case study",
        "--codes",
        "Film co-production",
        "Strengths",
        "--format",
        "xlsx",
        "-o",
        str(target),
    )
    book = load_workbook(target)
    rows = list(book[book.sheetnames[1]].iter_rows(values_only=True))
    assert rows == [
        ("Case study", "Film co-production", "Strengths"),
        ("Going Out", 1, 1),
        ("(not set)", 0, 3),  # a, f, and g+h as one passage
    ]


def test_docx_of_the_swot(study, tmp_path):
    target = tmp_path / "swot.docx"
    call_command(
        "report",
        str(study.project.pk),
        "swot",
        "--by",
        "country",
        "--format",
        "docx",
        "-o",
        str(target),
    )
    document = Document(target)
    header = [c.text for c in document.tables[0].rows[0].cells]
    assert header[:3] == ["Quadrant", "Sub-theme", "Belarus · Passages"]


def test_csv_goes_to_standard_output(study):
    out = io.StringIO()
    call_command(
        "report",
        str(study.project.pk),
        "cooccurrence",
        "--mode",
        "turn",
        "--codes",
        "Heritage",
        "Market",
        "Financing",
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[1] == "Code,Strengths/Heritage,Strengths/Market,Weaknesses/Financing"
    assert lines[2] == "Strengths/Heritage,,1,2"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["999999", "swot"], "There is no project 999999."),
        (["{pk}", "swot", "--by", "Shoe size"], "There is no attribute called “Shoe size”."),
        (["{pk}", "theme", "--codes", "Nope"], "There is no code “Nope”."),
        (["{pk}", "swot", "--format", "xlsx"], "name it with -o FILE"),
        (["{pk}", "swot", "--filter", "nothing"], "--filter wants ATTRIBUTE=VALUE"),
    ],
)
def test_bad_arguments_say_what_is_wrong(study, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("report", *[a.format(pk=study.project.pk) for a in args])


def test_theme_files_from_the_command_match_the_page_exports(client_for, study, tmp_path):
    csv_file, docx_file = tmp_path / "quotes.csv", tmp_path / "theme.docx"
    pk = str(study.project.pk)
    args = ["--codes", "Heritage", "--quotes", "1"]
    call_command("report", pk, "theme", *args, "--table", "quotes", "-o", str(csv_file))
    call_command("report", pk, "theme", *args, "--format", "docx", "-o", str(docx_file))
    heritage = study.codes["Heritage"].pk
    page = client_for("lead").get(
        f"/projects/{pk}/reports/theme/export/csv/?code={heritage}&quotes=1&table=quotes"
    )
    text = csv_file.read_text("utf-8")
    assert _body_without_time(text) == _body_without_time(page.content.decode())
    # every passage's quote: provenance, header, 2 rows (g and h are one passage)
    assert len(text.strip().splitlines()) == 2 + 2
    paragraphs = [p.text for p in Document(str(docx_file)).paragraphs]
    assert sum(p.startswith("“") for p in paragraphs) == 1
    assert any(p.startswith("Up to 1 quote per code") for p in paragraphs)
