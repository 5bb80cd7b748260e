"""Report definitions read from query parameters, and written back to the same parameters."""

from __future__ import annotations

from reports.definitions import parse_mapping

LABELS = {"country": "Country", "sector": "Sector", "attr7": "Case study"}
KNOWN = {"labels": LABELS, "code_ids": {1, 2, 3}, "source_ids": {10, 11}}


def test_a_definition_round_trips_through_its_parameters():
    params = {
        "by": ["Country"],
        "code": ["1", "3"],
        "coder": ["artem", "consensus"],
        "source": ["11"],
        "f_attr7": ["Going Out", "(not set)"],
        "quotes": ["5"],
    }
    first = parse_mapping("swot", params, **KNOWN)
    assert first.errors == []
    assert first.by == "country"
    assert first.codes == [1, 3]
    assert first.filters.coders == ["artem", "consensus"]
    assert first.filters.attributes == {"attr7": ["Going Out", "(not set)"]}
    assert first.quotes == 5
    again = parse_mapping("swot", first.as_params(), **KNOWN)
    assert again == first


def test_framework_rows_accept_an_attribute_label():
    definition = parse_mapping("framework", {"rows": ["case study"]}, **KNOWN)
    assert definition.rows == "attr7"
    assert definition.as_params()["rows"] == ["attr7"]


def test_bad_values_are_reported_and_dropped():
    definition = parse_mapping(
        "cooccurrence",
        {"mode": ["sideways"], "code": ["9"], "source": ["x"], "quotes": ["many"], "f_zz": ["1"]},
        **KNOWN,
    )
    assert definition.mode == "overlap"
    assert definition.codes == []
    assert definition.filters.sources == []
    assert definition.errors == [
        "There is no code 9 in this project.",
        "Co-occurrence counts “overlap” or “turn”, not “sideways”.",
        "The number of quotes per cell must be a whole number, not “many”.",
        "“x” is not a source.",
        "There is no attribute “zz” to filter by.",
    ]


def test_quotes_per_cell_are_bounded_and_unknown_reports_fall_back():
    assert parse_mapping("swot", {"quotes": ["500"]}, **KNOWN).quotes == 50
    unknown = parse_mapping("pie", {}, **KNOWN)
    assert unknown.kind == "frequencies"
    assert unknown.errors == ["There is no report called “pie”."]


def test_quotes_default_to_three_per_cell_and_ten_per_theme_code():
    assert parse_mapping("swot", {}, **KNOWN).quotes == 3
    theme = parse_mapping("theme", {}, **KNOWN)
    assert theme.quotes == 10
    assert "quotes" not in theme.as_params()
    fewer = parse_mapping("theme", {"quotes": ["3"]}, **KNOWN)
    assert fewer.quotes == 3 and fewer.as_params()["quotes"] == ["3"]
    assert parse_mapping("theme", fewer.as_params(), **KNOWN) == fewer
