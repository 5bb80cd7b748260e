"""Spans follow their words through edits (pure; property tests with hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from interviews.deid.edits import Edit, SpanMap, apply_edits, diff_edits, normalised

ALPHABET = "ab Ж语🎬\n"


@st.composite
def text_edits_spans(draw):
    text = draw(st.text(alphabet=ALPHABET, min_size=1, max_size=40))
    n = len(text)
    points = sorted(draw(st.lists(st.integers(0, n), max_size=8)))
    edits, last = [], -1
    for a, b in zip(points[::2], points[1::2], strict=False):
        after_insertion = bool(edits) and edits[-1].start == edits[-1].end == a
        if a < last or after_insertion or (a == b == last):
            continue
        replacement = draw(st.sampled_from(["[P1]", "", "x", "[BY-07]", "longer words"]))
        if a == b and not replacement:
            continue
        edits.append(Edit(a, b, replacement))
        last = b
    spans = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(1, n)).filter(lambda p: p[0] < p[1]),
            min_size=1,
            max_size=6,
        )
    )
    return text, normalised(edits, n), spans


def expected_words(text: str, edits: list[Edit], start: int, end: int) -> str:
    """The span's old words, grown to the edges of any edit its boundaries fall inside,
    with the edits within applied (words inserted at its edges stay out)."""
    for edit in edits:
        if edit.start < start < edit.end:
            start = edit.start
        if edit.start < end < edit.end:
            end = edit.end
    inside = [
        Edit(e.start - start, e.end - start, e.text)
        for e in edits
        if start <= e.start and e.end <= end and not (e.start == e.end and e.start in (start, end))
    ]
    return apply_edits(text[start:end], inside)


@settings(max_examples=400, deadline=None)
@given(text_edits_spans())
def test_every_span_keeps_its_words(case):
    text, edits, spans = case
    new = apply_edits(text, edits)
    mapping = SpanMap(edits)
    for start, end in spans:
        new_start, new_end = mapping.span(start, end)
        assert 0 <= new_start <= new_end <= len(new)
        assert new[new_start:new_end] == expected_words(text, edits, start, end)


@settings(max_examples=200, deadline=None)
@given(text_edits_spans())
def test_order_of_boundaries_is_kept(case):
    text, edits, _spans = case
    mapping = SpanMap(edits)
    starts = [mapping.start(p) for p in range(len(text) + 1)]
    ends = [mapping.end(p) for p in range(len(text) + 1)]
    assert starts == sorted(starts)
    assert ends == sorted(ends)


def test_a_coding_over_part_of_a_name_covers_its_whole_placeholder():
    text = "Thank you, Hanna Karpovich, for coming."
    name = Edit(11, 26, "[BY-07]")
    new = apply_edits(text, [name])
    assert new == "Thank you, [BY-07], for coming."
    mapping = SpanMap([name])
    assert new[slice(*mapping.span(0, 16))] == "Thank you, [BY-07]"  # ends inside the name
    assert new[slice(*mapping.span(17, 39))] == "[BY-07], for coming."  # starts inside it
    assert new[slice(*mapping.span(26, 39))] == ", for coming."  # starts just after it
    assert new[slice(*mapping.span(0, 11))] == "Thank you, "  # ends just before it


def test_words_inserted_at_a_boundary_stay_outside_the_span():
    text = "money short"
    edits = [Edit(5, 5, " was always")]
    mapping = SpanMap(edits)
    new = apply_edits(text, edits)
    assert new[slice(*mapping.span(0, 5))] == "money"
    assert new[slice(*mapping.span(5, 11))] == " short"
    assert new[slice(*mapping.span(0, 11))] == "money was always short"


def test_overlapping_edits_are_refused():
    import pytest

    from interviews.deid.edits import EditError

    with pytest.raises(EditError, match="overlap"):
        normalised([Edit(0, 5, "x"), Edit(3, 8, "y")], 10)
    with pytest.raises(EditError, match="outside"):
        normalised([Edit(0, 50, "x")], 10)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=30), st.text(alphabet=ALPHABET, max_size=30))
def test_a_correction_is_found_as_edits_that_rebuild_it(old, new):
    assert apply_edits(old, normalised(diff_edits(old, new), len(old))) == new


@settings(max_examples=100, deadline=None)
@given(text_edits_spans())
def test_replacing_spans_gives_the_text_presidios_anonymizer_gives(case):
    """Presidio's anonymizer, replacing the same spans, writes the same de-identified text."""
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    text, edits, _spans = case
    replacements = [e for e in edits if e.start < e.end and e.text]
    results = [
        RecognizerResult(entity_type=f"E{i}", start=e.start, end=e.end, score=1.0)
        for i, e in enumerate(replacements)
    ]
    operators = {
        f"E{i}": OperatorConfig("replace", {"new_value": e.text})
        for i, e in enumerate(replacements)
    }
    expected = AnonymizerEngine().anonymize(
        text=text, analyzer_results=results, operators=operators
    )
    assert apply_edits(text, replacements) == expected.text
