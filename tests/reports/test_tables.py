"""Exact figures of every report on the hand-built study (see conftest.py for the codings)."""

from __future__ import annotations

import pytest

from coding.models import Code, Coding
from interviews.services import source_create
from reports import tables
from reports.frame import Filters, report_data


def _rows(table) -> dict[tuple, list]:
    return {tuple(row[:2]): row[2:] for row in table.rows}


@pytest.fixture
def data(study):
    return report_data(study.project, with_turns=True)


def test_swot_counts_codings_sources_and_interviewees_by_country(study, data):
    report = tables.swot(data, by="country")
    matrix = report.table("swot")
    assert matrix.columns[2:5] == [
        "Belarus · Codings",
        "Belarus · Sources",
        "Belarus · Interviewees",
    ]
    assert matrix.columns[5:8] == ["China · Codings", "China · Sources", "China · Interviewees"]
    assert matrix.columns[8] == "(not set) · Codings"
    rows = _rows(matrix)
    #                                     Belarus    China      (not set)
    assert rows[("Strengths", "(all)")] == [2, 1, 1, 2, 1, 1, 1, 1, 0]
    assert rows[("Strengths", "Heritage")] == [2, 1, 1, 1, 1, 1, 0, 0, 0]
    assert rows[("Strengths", "Market")] == [0, 0, 0, 1, 1, 1, 0, 0, 0]
    assert rows[("Strengths", "(general)")] == [0, 0, 0, 0, 0, 0, 1, 1, 0]
    assert rows[("Weaknesses", "Financing")] == [1, 1, 1, 1, 1, 1, 0, 0, 0]
    assert rows[("Opportunities", "Tourism")] == [1, 1, 1, 1, 1, 1, 0, 0, 0]
    assert rows[("Threats", "(all)")] == [0, 0, 0, 1, 1, 1, 0, 0, 0]
    assert [row[0] for row in matrix.rows] == [
        "Strengths",
        "Strengths",
        "Strengths",
        "Strengths",
        "Weaknesses",
        "Weaknesses",
        "Opportunities",
        "Opportunities",
        "Threats",
    ]


def test_swot_quotes_land_in_their_quadrant_and_group_once_per_span(study, data):
    quotes = tables.swot(data, by="country").table("quotes")
    heritage_by = [r for r in quotes.rows if r[1] == "Heritage" and r[2] == "Belarus"]
    assert heritage_by == [
        [
            "Strengths",
            "Heritage",
            "Belarus",
            "Embroidery is alive.",
            "BY-01",
            "Crafts",
            "Interview BY-01",
        ]
    ]
    threats = [r[1:4] for r in quotes.rows if r[0] == "Threats"]
    assert threats == [["(all)", "China", "Rivals copy us."]]  # no sub-themes: quotes at "(all)"
    general = [r for r in quotes.rows if r[1] == "(general)"]
    assert [r[3] for r in general] == ["The state funds film abroad."]
    assert (
        tables.attribution({"interviewee": "BY-01", "sector": "Crafts", "source": "x"})
        == "BY-01, Crafts"
    )


def test_swot_quadrants_can_be_chosen_and_exemplars_come_first(study, data):
    data.exemplar_ids = {study.codings["a"].pk}
    report = tables.swot(
        data,
        quadrants=[study.codes["Strengths"].pk, study.codes["Film co-production"].pk],
        quotes_per_cell=1,
    )
    assert [r[0] for r in report.table("swot").rows] == [
        "Strengths",
        "Strengths",
        "Strengths",
        "Strengths",
        "Film co-production",
    ]
    heritage = [r[3] for r in report.table("quotes").rows if r[1] == "Heritage"]
    assert heritage == ["Our crafts are old."]


def test_framework_by_source_attribute(study, data):
    codes = [study.codes["Film co-production"].pk, study.codes["Strengths"].pk]
    key = f"attr{study.case_study.pk}"
    report = tables.framework(
        data,
        rows=key,
        codes=codes,
        summaries={("Going Out", study.codes["Strengths"].pk): "State money abroad."},
    )
    matrix = report.table("matrix")
    assert matrix.columns == ["Case study", "Film co-production", "Strengths"]
    assert matrix.rows == [["Going Out", 1, 1], ["(not set)", 0, 4]]
    assert report.table("summaries").rows == [
        ["Going Out", "", "State money abroad."],
        ["(not set)", "", ""],
    ]
    quotes = report.table("quotes").rows
    assert [
        "Going Out",
        "Film co-production",
        "Co-production is encouraged.",
        "Going Out brief",
    ] in quotes


def test_framework_by_interviewee_and_by_source(study, data):
    codes = [study.codes["Strengths"].pk, study.codes["Weaknesses"].pk]
    by_person = tables.framework(data, rows="interviewee", codes=codes).table("matrix")
    assert by_person.rows == [["BY-01", 2, 1], ["CN-01", 2, 1]]
    by_source = tables.framework(data, rows="source", codes=codes).table("matrix")
    assert by_source.rows == [
        ["Going Out brief", 1, 0],
        ["Interview BY-01", 2, 1],
        ["Interview CN-01", 2, 1],
    ]


def test_frequencies_with_percentages_of_the_group(study, data):
    table = tables.frequencies(data).table("frequencies")
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["All codes"] == [11, 100.0, 3, 2, 100.0]
    assert rows["Strengths"] == [5, 45.5, 3, 2, 100.0]
    assert rows["Weaknesses/Financing"] == [2, 18.2, 2, 2, 100.0]
    assert rows["Threats"] == [1, 9.1, 1, 1, 50.0]
    by_country = tables.frequencies(data, by="country").table("frequencies")
    rows = {row[0]: row[1:] for row in by_country.rows}
    # Belarus: 4 codings by 1 interviewee; China: 5 by 1; (not set): 2 in the brief
    assert rows["All codes"][:5] == [4, 100.0, 1, 1, 100.0]
    assert rows["Strengths/Heritage"][:10] == [2, 50.0, 1, 1, 100.0, 1, 20.0, 1, 1, 100.0]


def test_cooccurrence_of_overlapping_passages(study, data):
    codes = [study.codes[n].pk for n in ("Heritage", "Market", "Financing")]
    table = tables.cooccurrence(data, codes=codes, mode="overlap").table("cooccurrence")
    assert table.rows == [
        ["Strengths/Heritage", None, 1, 0],
        ["Strengths/Market", 1, None, 1],
        ["Weaknesses/Financing", 0, 1, None],
    ]


def test_cooccurrence_in_the_same_speaker_turn(study, data):
    codes = [study.codes[n].pk for n in ("Heritage", "Market", "Financing")]
    report = tables.cooccurrence(data, codes=codes, mode="turn")
    assert report.table("cooccurrence").rows == [
        ["Strengths/Heritage", None, 1, 2],
        ["Strengths/Market", 1, None, 1],
        ["Weaknesses/Financing", 2, 1, None],
    ]
    assert report.table("pairs").rows[0] == ["Strengths/Heritage", "Weaknesses/Financing", 2]


def test_cooccurrence_drill_down_lists_the_codings_behind_a_cell(study, data):
    heritage, financing = study.codes["Heritage"].pk, study.codes["Financing"].pk
    drill = {"d_code": str(heritage), "d_code2": str(financing), "d_mode": "turn"}
    ids = set(tables.passages(data, drill)["coding_id"])
    c = study.codings
    assert ids == {c["a"].pk, c["b"].pk, c["g"].pk, c["h"].pk, c["i"].pk}
    market = study.codes["Market"].pk
    drill = {"d_code": str(market), "d_code2": str(financing), "d_mode": "overlap"}
    assert set(tables.passages(data, drill)["coding_id"]) == {c["f"].pk, c["b"].pk}


def test_theme_report_counts_quotes_and_memos(study, users):
    from coding.models import Memo

    Memo.objects.create(
        project=study.project,
        author=users["lead"],
        title="Why",
        text="Crafts matter.",
        code=study.codes["Heritage"],
    )
    data = report_data(study.project)
    report = tables.theme(data, codes=[study.codes["Heritage"].pk])
    assert report.table("themes").rows == [
        ["Strengths/Heritage", "Crafts and traditions.", "", "", 3, 2, 2]
    ]
    assert [r[1] for r in report.table("quotes").rows] == [
        "Embroidery is alive.",
        "Embroidery is alive.",
        "Our crafts are old.",
    ]
    assert report.table("memos").rows == [["Strengths/Heritage", "Why", "Crafts matter."]]
    data.exemplar_ids = {study.codings["a"].pk}
    only = tables.theme(data, codes=[study.codes["Heritage"].pk], exemplars_only=True)
    assert [r[1] for r in only.table("quotes").rows] == ["Our crafts are old."]
    assert only.table("quotes").rows[0][6] == "yes"


def test_every_drill_down_lists_as_many_codings_as_its_number(study, data):
    for report in (tables.frequencies(data, by="country"), tables.swot(data, by="country")):
        table = report.tables[0]
        for values, links in zip(table.rows, table.row_links(), strict=True):
            for column, value, link in zip(table.columns, values, links, strict=True):
                if link is not None and column.endswith("Codings"):
                    assert len(tables.passages(data, link)) == value, (values, column)


def test_filters_reach_every_report(study):
    data = report_data(study.project, Filters(coders=["lead"]))
    rows = {row[0]: row[1:] for row in tables.frequencies(data).table("frequencies").rows}
    assert rows["All codes"][0] == 2
    assert rows["Strengths/Market"][0] == 1


def test_chart_labels_keep_the_code_name_whole():
    from reports.charts import _short

    assert _short("Weaknesses/Financing") == "Weaknesses/Financing"
    assert _short("Weaknesses/Lack of international infrastructure") == (
        "…/Lack of international infrastructure"
    )
    assert (
        _short("Opportunities/Collaboration with China") == "Opportunities/Collaboration with China"
    )
    assert _short("Opportunities/Education and language exchange") == (
        "Opportu…/Education and language exchange"
    )


def test_charts_render_as_svg_and_png(study, data):
    from reports import charts

    report = tables.frequencies(data, by="country")
    svg = charts.render(report.charts[0], "svg")
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert charts.render(report.charts[0], "png").startswith(b"\x89PNG")
    heat = tables.cooccurrence(data).charts[0]
    assert heat.kind == "heatmap" and charts.render(heat, "png").startswith(b"\x89PNG")


@pytest.fixture
def chain(project, users):
    """45 codes, each coded once on a span that overlaps the next code's: every code
    co-occurs with its neighbours, the first and the last with one code, the others with two."""
    source = source_create(project=project, title="Chain", text="word " * 200)
    codes = [Code.objects.create(project=project, name=f"Code {i:02}", order=i) for i in range(45)]
    for i, code in enumerate(codes):
        Coding.objects.create(
            source=source, code=code, coder=users["coder"], start=10 * i, end=10 * i + 15
        )
    return codes


def test_a_cooccurrence_matrix_shows_the_40_codes_with_most_pairs_and_lists_every_pair(chain):
    report = tables.cooccurrence(report_data(chain[0].project), mode="overlap")
    matrix = report.table("cooccurrence")
    shown = [f"Code {i:02}" for i in range(1, 41)]  # two pairs each; the first of the ties
    assert matrix.columns == ["Code", *shown]
    assert [row[0] for row in matrix.rows] == shown
    assert matrix.rows[0][1:4] == [None, 1, 0]
    assert "shows the 40 codes with the most co-occurrences of the 45 chosen" in matrix.note
    pairs = report.table("pairs").rows
    assert len(pairs) == 44
    assert ["Code 00", "Code 01", 1] in pairs and ["Code 43", "Code 44", 1] in pairs
    heat = report.charts[0]
    assert heat.labels == heat.columns == shown


def test_a_chart_draws_the_40_largest_of_more_codes_in_their_order():
    from reports import charts

    labels = [f"Code {i:02}" for i in range(45)]
    counts = [5] * 45
    for low in (3, 10, 20, 30, 44):
        counts[low] = 1
    big = tables.Chart("bar", "Codings per code", labels, {"All": counts})
    drawn = charts.legible(big)
    kept = [label for i, label in enumerate(labels) if i not in (3, 10, 20, 30, 44)]
    assert drawn.labels == kept
    assert drawn.series == {"All": [5] * 40}
    assert drawn.title == "Codings per code: the 40 largest of 45 (the table has all)"
    assert b"the 40 largest of 45" in charts.render(big, "svg")
    small = tables.Chart("bar", "Codings per code", labels[:40], {"All": counts[:40]})
    assert charts.legible(small) is small


def test_theme_report_keeps_the_first_quotes_of_each_code_but_counts_them_all(study):
    data = report_data(study.project)
    heritage = study.codes["Heritage"].pk
    data.exemplar_ids = {study.codings["a"].pk}
    capped = tables.theme(data, codes=[heritage], quotes_per_code=2)
    everything = tables.theme(data, codes=[heritage])
    assert capped.table("themes").rows == everything.table("themes").rows
    assert [r[1] for r in capped.table("quotes").rows] == [
        "Our crafts are old.",  # the exemplar first, then reading order
        "Embroidery is alive.",
    ]
    assert len(everything.table("quotes").rows) == 3
    assert capped.layout["totals"]["Strengths/Heritage"]["quotes"] == 3
    assert capped.table("quotes").note.startswith("Up to 2 quotes per code")
    assert everything.table("quotes").note == ""
