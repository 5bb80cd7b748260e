"""On the demo study a lead produces the SWOT China vs Belarus and a Table-1-style matrix."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from docx import Document
from openpyxl import load_workbook

from coding.models import Code
from interviews.models import Attribute, Project

DEMO_DATA = Path(__file__).resolve().parents[2] / "demo" / "data"
pytestmark = pytest.mark.skipif(
    not any(DEMO_DATA.glob("*.json")), reason="the demo study's data files are not present"
)


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())
    project = Project.objects.get()
    client = Client()
    client.force_login(get_user_model().objects.get(username="lina"))
    return project, client


def _numbers(rows):
    return [[float(v) if isinstance(v, int | float) else v for v in row] for row in rows]


def test_swot_china_vs_belarus_with_xlsx_and_docx_matching_the_page(demo):
    project, client = demo
    query = "?by=country&f_country=China&f_country=Belarus"
    page = client.get(f"/projects/{project.pk}/reports/swot/{query}")
    report = page.context["report"]
    matrix = report.table("swot")
    assert [q["name"] for q in page.context["quadrants"]] == [
        "Strengths",
        "Weaknesses",
        "Opportunities",
        "Threats",
    ]
    assert matrix.columns[2:] == [
        "Belarus · Codings",
        "Belarus · Sources",
        "Belarus · Interviewees",
        "China · Codings",
        "China · Sources",
        "China · Interviewees",
    ]
    totals = [row for row in matrix.rows if row[1] == "(all)"]
    assert all(row[2] > 0 and row[5] > 0 for row in totals)
    sub_themes = {row[1] for row in matrix.rows if row[0] == "Weaknesses"}
    assert "Financing" in sub_themes

    xlsx = client.get(f"/projects/{project.pk}/reports/swot/export/xlsx/{query}")
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet_rows = list(book[book.sheetnames[1]].iter_rows(values_only=True))
    assert _numbers([list(r) for r in sheet_rows[1:]]) == _numbers(matrix.rows)

    docx = client.get(f"/projects/{project.pk}/reports/swot/export/docx/{query}")
    grid = Document(io.BytesIO(docx.content)).tables[0]
    cells = [[c.text for c in row.cells] for row in grid.rows][1:]
    assert cells == [[str(v) for v in row] for row in matrix.rows]


def test_table_one_style_framework_matrix_of_case_studies(demo):
    project, client = demo
    case = Attribute.objects.get(project=project, name="Case study")
    policies = [
        Code.objects.get(project=project, name=name).pk
        for name in ("Going Out strategy", "Cultural Strategy 2020", "Film co-production")
    ]
    values = case.choice_list
    query = f"?rows=attr{case.pk}&" + "&".join(f"code={pk}" for pk in policies)
    query += "".join(f"&f_attr{case.pk}={v}" for v in values)
    page = client.get(f"/projects/{project.pk}/reports/framework/{query}")
    matrix = page.context["report"].table("matrix")
    assert sorted(row[0] for row in matrix.rows) == sorted(values)
    by_case = {row[0]: row[1:] for row in matrix.rows}
    assert by_case["China's Going Out Strategy"][0] > 0
    assert by_case["Belarus's Cultural Strategy 2020"][1] > 0
    assert by_case["China-Belarus Film Co-Productions"][2] > 0

    lead = client.post(
        f"/projects/{project.pk}/reports/summary/",
        {
            "rows": f"attr{case.pk}",
            "row_key": values[0],
            "code": policies[0],
            "text": "Going global.",
        },
    )
    assert lead.status_code == 302
    xlsx = client.get(f"/projects/{project.pk}/reports/framework/export/xlsx/{query}")
    book = load_workbook(io.BytesIO(xlsx.content))
    counts = list(book[book.sheetnames[1]].iter_rows(values_only=True))
    assert _numbers([list(r) for r in counts[1:]]) == _numbers(matrix.rows)
    summaries = list(book[book.sheetnames[2]].iter_rows(values_only=True))
    assert "Going global." in {cell for row in summaries for cell in row}
