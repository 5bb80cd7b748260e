"""The pure agreement statistics against published values and reference implementations."""

from __future__ import annotations

import math
import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, cohen_kappa_score

from agreement.statistics import (
    LEVELS,
    AgreementUndefined,
    cohen_kappa,
    krippendorff_alpha,
    percent_agreement,
)

N = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
# 12 units, values 1–5 with missing data.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def _as_array(data) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)


def _reference_alpha(data, level) -> float | None:
    """The krippendorff package's alpha, or None where it has none (NaN or refusal)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = krippendorff.alpha(reliability_data=_as_array(data), level_of_measurement=level)
    except ValueError:
        return None
    return None if math.isnan(value) else float(value)


def test_the_published_worked_example_gives_nominal_alpha_0_743():
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, "nominal"), 3) == 0.743


@pytest.mark.parametrize(
    ("level", "published"), [("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
)
def test_the_worked_example_at_other_levels(level, published):
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level), 3) == published


def test_percent_agreement_counts_only_units_with_two_values():
    # Units 1–3 are comparable (two values each); the fourth has one value and is left out.
    assert percent_agreement([[1, 1, 0, N], [1, 0, 0, 1]]) == pytest.approx(2 / 3)


def test_percent_agreement_with_three_coders_needs_all_present_values_equal():
    data = [[1, 1, 0, 1], [1, 1, 0, N], [1, 0, N, N]]
    # unit 1: all 1 → agree; unit 2: 1,1,0 → not; unit 3: 0,0 → agree; unit 4: one value.
    assert percent_agreement(data) == pytest.approx(2 / 3)


def test_kappa_leaves_out_units_either_coder_missed():
    a = [1, 0, 1, 0, N, 1]
    b = [1, 0, 0, 0, 1, N]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score([1, 0, 1, 0], [1, 0, 0, 0]))


def test_perfect_agreement_is_one_for_every_statistic():
    data = [[0, 1, 1, 2, N], [0, 1, 1, 2, 2]]
    assert percent_agreement(data) == 1.0
    assert cohen_kappa(*data) == 1.0
    for level in LEVELS:
        assert krippendorff_alpha(data, level) == pytest.approx(1.0)


def test_one_category_only_is_undefined_with_a_reason():
    data = [[1, 1, 1], [1, 1, 1]]
    assert percent_agreement(data) == 1.0
    with pytest.raises(AgreementUndefined, match="same category"):
        cohen_kappa(*data)
    with pytest.raises(AgreementUndefined, match="same category"):
        krippendorff_alpha(data)


def test_all_missing_is_undefined_with_a_reason():
    data = [[N, N, N], [N, N, N]]
    with pytest.raises(AgreementUndefined, match="two or more coders"):
        percent_agreement(data)
    with pytest.raises(AgreementUndefined, match="both coders"):
        cohen_kappa(*data)
    with pytest.raises(AgreementUndefined, match="nothing to compare"):
        krippendorff_alpha(data)


def test_a_single_coder_is_a_clear_message():
    with pytest.raises(AgreementUndefined, match="at least 2 coders; 1 was given"):
        krippendorff_alpha([[1, 0, 1]])
    with pytest.raises(AgreementUndefined, match="at least 2 coders; 1 was given"):
        percent_agreement([[1, 0, 1]])
    with pytest.raises(AgreementUndefined, match="No coders"):
        krippendorff_alpha([])
    with pytest.raises(AgreementUndefined, match="no units"):
        krippendorff_alpha([[], []])


def test_kappa_refuses_three_coders_and_rows_must_match():
    from agreement.statistics import cohen_kappa_patterns

    with pytest.raises(AgreementUndefined, match="exactly two coders"):
        cohen_kappa_patterns({(1, 1, 0): 1})
    with pytest.raises(ValueError, match="same units"):
        cohen_kappa([1, 0], [1])
    with pytest.raises(ValueError, match="same units"):
        krippendorff_alpha([[1, 0], [1]])


def test_numeric_levels_refuse_words_and_unknown_levels_are_named():
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha([["a", "b"], ["a", "a"]], "interval")
    with pytest.raises(ValueError, match="Unknown level"):
        krippendorff_alpha([[1, 0], [1, 1]], "cardinal")


values = st.one_of(st.none(), st.integers(min_value=0, max_value=4))


@st.composite
def reliability_data(draw, max_coders: int = 5):
    coders = draw(st.integers(min_value=2, max_value=max_coders))
    units = draw(st.integers(min_value=1, max_value=25))
    return [draw(st.lists(values, min_size=units, max_size=units)) for _ in range(coders)]


@settings(max_examples=150, deadline=None)
@given(data=reliability_data(), level=st.sampled_from(LEVELS))
def test_alpha_matches_the_krippendorff_package(data, level):
    expected = _reference_alpha(data, level)
    if expected is None:
        with pytest.raises(AgreementUndefined):
            krippendorff_alpha(data, level)
    else:
        assert krippendorff_alpha(data, level) == pytest.approx(expected, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=3)),
        min_size=1,
        max_size=40,
    )
)
def test_kappa_and_percent_agreement_match_scikit_learn(pairs):
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    assert percent_agreement([a, b]) == pytest.approx(accuracy_score(a, b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cohen_kappa_score(a, b)
    if math.isnan(expected):
        with pytest.raises(AgreementUndefined):
            cohen_kappa(a, b)
    else:
        assert cohen_kappa(a, b) == pytest.approx(expected, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(data=reliability_data(max_coders=3), level=st.sampled_from(LEVELS))
def test_counting_units_by_pattern_changes_nothing(data, level):
    from agreement.statistics import krippendorff_alpha_patterns, unit_patterns

    try:
        expected = krippendorff_alpha(data, level)
    except AgreementUndefined:
        expected = None
    counted = unit_patterns(data)
    if expected is None:
        with pytest.raises(AgreementUndefined):
            krippendorff_alpha_patterns(counted, level)
    else:
        assert krippendorff_alpha_patterns(counted, level) == pytest.approx(expected)
