"""The one XLSX writer: text stays text, numbers stay numbers, and the layout is kept."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from openpyxl import load_workbook

from interviews.spreadsheet import MAX_TEXT, Sheet, column_letter, sheet_names, workbook

FORMULA = '=HYPERLINK("http://x","y")'


def _book(*sheets: Sheet):
    return load_workbook(io.BytesIO(workbook(sheets)))


def _cells(sheet) -> list[list[tuple]]:
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


def test_text_that_looks_like_a_formula_is_that_text():
    texts = [FORMULA, "=1+1", "-5 points", "@SUM(A1)", "+7", "'quoted'", "=", "-"]
    data = workbook([Sheet("Quotes", [[t] for t in texts])])
    sheet = load_workbook(io.BytesIO(data))["Quotes"]
    assert _cells(sheet) == [[(t, "s")] for t in texts]
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


def test_numbers_and_booleans_keep_their_type_and_empty_values_leave_the_cell_empty():
    sheet = _book(Sheet("S", [[7, 2.5, -3, 0, True, False, None, "", "12"]])).active
    assert _cells(sheet) == [
        [
            (7, "n"),
            (2.5, "n"),
            (-3, "n"),
            (0, "n"),
            (True, "b"),
            (False, "b"),
            (None, "n"),
            (None, "n"),
            ("12", "s"),
        ]
    ]


def test_a_date_and_a_value_that_is_no_number_are_written_as_their_text():
    row = [datetime.date(2024, 5, 1), float("nan"), float("inf")]
    sheet = _book(Sheet("S", [row])).active
    assert _cells(sheet) == [[("2024-05-01", "s"), ("nan", "s"), ("inf", "s")]]


def test_chinese_emoji_cyrillic_and_markup_characters_round_trip():
    texts = [
        "观众很喜欢这部电影",
        "Audiences loved the film 🎬👍🏽",
        "и в Минске тоже",
        'A & B <b>"not bold"</b> ]]>',
        "line one\nline two\tand a tab",
        "Windows line\r\nend",
        "  spaces kept  ",
    ]
    sheet = _book(Sheet("Тексты 文本 🎬", [[t] for t in texts])).active
    assert sheet.title == "Тексты 文本 🎬"
    assert [row[0] for row in _cells(sheet)] == [(t, "s") for t in texts]


def test_control_characters_are_stripped():
    sheet = _book(Sheet("S", [["a\x01b\x0bc\x1f", "\x00", "keep\ttab"]])).active
    assert _cells(sheet) == [[("abc", "s"), (None, "n"), ("keep\ttab", "s")]]


def test_a_text_longer_than_a_cell_holds_is_capped():
    long_latin = "x" * 40_000
    long_emoji = "🎬" * 20_000  # two UTF-16 code units each, as the cell limit counts them
    sheet = _book(Sheet("S", [[long_latin, long_emoji, "y" * MAX_TEXT]])).active
    latin, emoji, exact = (c.value for c in sheet[1])
    assert latin == "x" * MAX_TEXT
    assert emoji == "🎬" * (MAX_TEXT // 2)
    assert exact == "y" * MAX_TEXT


def test_the_header_is_bold_and_the_rows_are_not():
    sheet = _book(Sheet("S", [["a", 1]], header=["Name", "Count"])).active
    assert [(c.value, c.font.b) for c in sheet[1]] == [("Name", True), ("Count", True)]
    assert [(c.value, c.font.b) for c in sheet[2]] == [("a", False), (1, False)]


def test_without_a_header_no_row_is_bold():
    sheet = _book(Sheet("S", [["a"], ["b"]])).active
    assert not sheet["A1"].font.b and not sheet["A2"].font.b


@pytest.mark.parametrize("freeze", ["A2", "B2", "B1", None])
def test_the_frozen_pane_is_where_it_was_asked_for(freeze):
    sheet = _book(Sheet("S", [["a", "b"], ["c", "d"]], freeze=freeze)).active
    assert sheet.freeze_panes == freeze


def test_a_freeze_that_is_no_cell_is_refused():
    with pytest.raises(ValueError, match="A2 or B2"):
        workbook([Sheet("S", [["a"]], freeze="2A")])


def test_column_widths_are_kept_and_unnamed_columns_keep_the_default():
    sheet = _book(Sheet("S", [["a", "b", "c"]], widths=[40, None, 12.5])).active
    assert sorted(sheet.column_dimensions) == ["A", "C"]
    assert sheet.column_dimensions["A"].width == 40
    assert sheet.column_dimensions["C"].width == 12.5


def test_automatic_widths_fit_the_text_and_long_text_wraps():
    rows = ([f"row {i}", "word " * 30, i] for i in range(500))  # rows may be a generator
    sheet = _book(Sheet("S", rows, header=["Name", "Quote", "N"], widths="auto")).active
    assert [sheet.column_dimensions[c].width for c in "ABC"] == [10, 60, 10]
    assert sheet["B2"].alignment.wrap_text and not sheet["A2"].alignment.wrap_text
    assert not sheet["B1"].alignment.wrap_text and sheet["B1"].font.b
    assert sheet.max_row == 501 and sheet["A501"].value == "row 499" and sheet["C501"].value == 499


def test_named_columns_wrap():
    sheet = _book(Sheet("S", [["short", "short"]], wrapped={1})).active
    assert not sheet["A1"].alignment.wrap_text and sheet["B1"].alignment.wrap_text


def test_rows_longer_than_the_alphabet_reach_their_columns():
    sheet = _book(Sheet("S", [list(range(30))])).active
    assert sheet["Z1"].value == 25 and sheet["AD1"].value == 29
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_sheets_keep_their_order_and_rows():
    book = _book(Sheet("First", [["one"]]), Sheet("Second", [[2]], header=["n"]))
    assert book.sheetnames == ["First", "Second"]
    assert list(book["Second"].iter_rows(values_only=True)) == [("n",), (2,)]


def test_sheet_names_are_ones_a_spreadsheet_program_accepts():
    names = sheet_names(
        [
            "Codes: a/b [draft]?",
            "x" * 40,
            "Quotes",
            "quotes",
            "Quotes",
            "",
            "'Quoted'",
            "y" * 31,
            "y" * 31,
        ]
    )
    assert names == [
        "Codes  a b  draft",
        "x" * 31,
        "Quotes",
        "quotes (2)",
        "Quotes (3)",
        "Sheet",
        "Quoted",
        "y" * 31,
        "y" * 27 + " (2)",
    ]
    assert all(len(n) <= 31 for n in names)
    book = _book(*(Sheet(n, [["a"]]) for n in ["A:B", "a b", "A*B"]))
    assert book.sheetnames == ["A B", "a b (2)", "A B (3)"]


def test_a_workbook_needs_a_sheet():
    with pytest.raises(ValueError, match="at least one sheet"):
        workbook([])
