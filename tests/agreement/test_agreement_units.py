"""Turning codings into units, and segment-overlap matching (pure functions)."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agreement.units import (
    SegmentTally,
    add_patterns,
    choose_units,
    code_patterns,
    coded_only,
    elementary_spans,
    figures,
    matched_segments,
    overlap_share,
    unit_views,
)

UNITS = [(0, 10), (10, 20), (20, 30)]


def test_sentences_fall_back_to_stored_paragraphs_then_to_paragraphs_of_the_text():
    stored = {"sentence": [(5, 9), (0, 4)], "paragraph": [(0, 9)]}
    assert choose_units("sentence", stored, []) == ("sentence", [(0, 4), (5, 9)])
    assert choose_units("turn", stored, []) == ("paragraph", [(0, 9)])
    assert choose_units("sentence", {}, [(0, 3), (5, 8)]) == ("paragraph", [(0, 3), (5, 8)])
    assert choose_units("character", stored, []) == ("character", [])


def test_a_unit_is_coded_when_any_coding_overlaps_it_by_one_character():
    coded, blank, others = code_patterns(
        units=UNITS,
        length=30,
        coder_spans=[[(5, 11)], [(29, 30)]],
        present=[True, True],
    )
    assert coded == {(0, 10): (1, 0), (10, 20): (1, 0), (20, 30): (0, 1)}
    assert blank == (0, 0) and others == 0


def test_a_coding_that_ends_where_a_unit_starts_does_not_code_it():
    coded, _blank, others = code_patterns(
        units=UNITS, length=30, coder_spans=[[(0, 10)], []], present=[True, True]
    )
    assert coded == {(0, 10): (1, 0)}
    assert others == 2


def test_a_coder_who_has_not_seen_the_source_gives_missing_values():
    coded, blank, others = code_patterns(
        units=UNITS, length=30, coder_spans=[[(12, 14)], []], present=[True, False]
    )
    assert coded == {(10, 20): (1, None)}
    assert blank == (0, None) and others == 2


def test_character_units_are_weighed_by_their_length():
    coded, blank, others = code_patterns(
        units=None, length=40, coder_spans=[[(0, 10)], [(5, 15)]], present=[True, True]
    )
    assert coded == {(0, 5): (1, 0), (5, 10): (1, 1), (10, 15): (0, 1)}
    assert others == 25
    counter = Counter()
    add_patterns(counter, coded, blank, others, weighted=True)
    assert counter == Counter({(1, 0): 5, (1, 1): 5, (0, 1): 5, (0, 0): 25})
    assert coded_only(counter) == Counter({(1, 0): 5, (1, 1): 5, (0, 1): 5})


def test_elementary_spans_split_at_every_boundary_and_skip_gaps():
    assert elementary_spans([(0, 4), (2, 6), (8, 9)]) == [(0, 2), (2, 4), (4, 6), (8, 9)]


def test_overlap_share_is_intersection_over_union():
    assert overlap_share((0, 10), (0, 9)) == pytest.approx(0.9)
    assert overlap_share((0, 10), (5, 15)) == pytest.approx(5 / 15)
    assert overlap_share((0, 5), (5, 10)) == 0.0


def test_segments_match_only_from_the_minimum_share():
    assert matched_segments([(0, 10)], [(0, 9)], 0.9) == 1
    assert matched_segments([(0, 10)], [(0, 9)], 0.91) == 0
    assert matched_segments([(0, 10), (50, 60)], [(40, 55), (1, 10)], 0.5) == 1


def test_segment_tally_counts_both_coders():
    tally = SegmentTally()
    tally.add([(0, 10), (20, 30)], [(0, 10)], 0.9)
    assert (tally.agreements, tally.disagreements, tally.total) == (2, 1, 3)
    assert tally.share.value == pytest.approx(2 / 3)
    assert SegmentTally().share.value is None
    assert "Neither coder" in SegmentTally().share.note


def test_unit_views_show_which_codes_each_coder_applied():
    views = unit_views(
        source_id=7,
        units=UNITS,
        codings=[(1, 100, 2, 4), (2, 200, 3, 5), (1, 200, 12, 14), (1, 100, 15, 16)],
        coder_index={100: 0, 200: 1},
        present=[True, True],
    )
    assert [(v.start, v.codes) for v in views] == [(0, [{1}, {2}]), (10, [{1}, {1}])]
    assert [v.disagrees for v in views] == [True, False]


def test_a_unit_only_one_coder_saw_is_no_disagreement():
    (view,) = unit_views(
        source_id=7,
        units=UNITS,
        codings=[(1, 100, 2, 4)],
        coder_index={100: 0, 200: 1},
        present=[True, False],
    )
    assert view.codes == [{1}, None] and not view.disagrees


def test_figures_give_reasons_instead_of_numbers_when_undefined():
    single = figures(Counter({(1,): 3}), 1)
    assert single.alpha.value is None and "at least 2 coders" in single.alpha.note
    three = figures(Counter({(1, 1, 0): 2, (0, 0, 0): 2}), 3)
    assert three.kappa.value is None and "exactly two coders" in three.kappa.note
    assert three.alpha.value is not None
    same = figures(Counter({(1, 1): 4}), 2)
    assert same.percent.value == 1.0 and same.percent.percent == "100.0 %"
    assert same.alpha.display == "—" and "same category" in same.alpha.note


spans = st.tuples(st.integers(0, 59), st.integers(1, 20)).map(
    lambda p: (p[0], min(60, p[0] + p[1]))
)


@settings(max_examples=150, deadline=None)
@given(
    cuts=st.lists(st.integers(1, 59), unique=True, max_size=8),
    first=st.lists(spans, max_size=5),
    second=st.lists(spans, max_size=5),
)
def test_unit_patterns_match_a_plain_overlap_check(cuts, first, second):
    points = [0, *sorted(cuts), 60]
    units = list(zip(points, points[1:], strict=False))
    coded, blank, others = code_patterns(
        units=units, length=60, coder_spans=[first, second], present=[True, True]
    )
    expected = {}
    for unit in units:
        values = tuple(
            int(any(s < unit[1] and unit[0] < e for s, e in spans_)) for spans_ in (first, second)
        )
        if any(values):
            expected[unit] = values
    assert coded == expected
    assert others == len(units) - len(expected)


@settings(max_examples=150, deadline=None)
@given(first=st.lists(spans, max_size=5), second=st.lists(spans, max_size=5))
def test_character_patterns_match_counting_each_character(first, second):
    coded, blank, others = code_patterns(
        units=None, length=60, coder_spans=[first, second], present=[True, True]
    )
    counter = Counter()
    add_patterns(counter, coded, blank, others, weighted=True)
    expected = Counter(
        tuple(int(any(s <= i < e for s, e in spans_)) for spans_ in (first, second))
        for i in range(60)
    )
    assert counter == expected
