"""Every CSV Parley writes comes from interviews/csvfile.py, which writes a text a
spreadsheet would run as a formula with an apostrophe in front."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from coding import codebook_files
from coding.models import Code, Coding, Memo
from interviews import csvfile
from interviews.models import Membership, Role

HOSTILE = '=HYPERLINK("evil.example?x=1","click")'


def _cells(content: bytes) -> list[str]:
    text = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_neutral(cells: list[str]) -> None:
    for cell in cells:
        assert not cell.startswith(csvfile.FORMULA_STARTS), cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+31 20", "'+31 20"),
        ("-5 points", "'-5 points"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("'quoted", "'quoted"),
        (-5, -5),
        (0.5, 0.5),
        (None, ""),
    ],
)
def test_a_cell_is_made_safe(value, written):
    assert csvfile.safe(value) == written
    if isinstance(value, str):
        assert csvfile.unescape(csvfile.safe(value)) == value


@pytest.fixture
def hostile(project, source, users, make_user):
    code = Code.objects.create(project=project, name=HOSTILE, colour="#123456")
    Code.objects.create(project=project, name="@other", colour="#654321", definition="-1")
    second = make_user("second")
    Membership.objects.create(project=project, user=second, role=Role.CODER)
    for coder in (users["coder"], second):
        coding = Coding.objects.create(source=source, code=code, coder=coder, start=0, end=11)
        Memo.objects.create(project=project, author=coder, coding=coding, text="+memo")
    return code


@pytest.mark.parametrize("kind", ["swot", "framework", "frequencies", "cooccurrence", "theme"])
def test_report_csvs_hold_no_formula(client_for, project, hostile, kind):
    params = {"codes": [hostile.pk]} if kind == "framework" else {}
    response = client_for("lead").get(
        reverse("reports:export", args=[project.pk, kind, "csv"]), params
    )
    assert response.status_code == 200
    cells = _cells(response.content)
    _assert_neutral(cells)
    if kind in ("frequencies", "theme", "cooccurrence"):
        assert any(cell.startswith("'" + HOSTILE) or ("'" + HOSTILE) in cell for cell in cells)


def test_the_agreement_csv_holds_no_formula(client_for, project, hostile, source):
    coders = project.memberships.filter(role=Role.CODER).values_list("user_id", flat=True)
    response = client_for("lead").get(
        reverse("agreement:export", args=[project.pk, "csv"]),
        {
            "sources": [source.pk],
            "coders": list(coders),
            "codes": [hostile.pk],
            "unit": "turn",
            "min_overlap": 90,
            "seen": "coded",
        },
    )
    assert response.status_code == 200
    cells = _cells(response.content)
    _assert_neutral(cells)
    assert "'" + HOSTILE in cells


def test_the_codebook_csv_holds_no_formula_and_imports_back_as_written(
    client_for, project, hostile, users, other_project
):
    response = client_for("lead").get(
        reverse("coding:codebook_export", args=[project.pk]), {"format": "csv"}
    )
    cells = _cells(response.content)
    _assert_neutral(cells)
    assert "'" + HOSTILE in cells and "'@other" in cells and "'-1" in cells
    codebook_files.codebook_import(
        project=other_project, user=users["admin"], filename="b.csv", data=response.content
    )
    names = set(Code.objects.filter(project=other_project).values_list("name", flat=True))
    assert {HOSTILE, "@other"} <= names
    assert Code.objects.get(project=other_project, name="@other").definition == "-1"


def test_retrieval_and_memo_csvs_hold_no_formula(client_for, project, hostile):
    client = client_for("lead")
    retrieval = client.get(
        reverse("coding:retrieval", args=[project.pk]), {"code": hostile.pk, "export": "csv"}
    )
    memos = client.get(reverse("coding:memo_list", args=[project.pk]), {"export": "csv"})
    for response in (retrieval, memos):
        assert response.status_code == 200
        _assert_neutral(_cells(response.content))
    assert "'+memo" in _cells(memos.content)
