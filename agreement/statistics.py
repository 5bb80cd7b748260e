"""Inter-coder agreement statistics (pure, no database).

`data` is a list of coder rows over the same units: ``data[coder][unit]`` is the value that
coder gave the unit, or ``None`` when the coder gave none (did not see the unit). Values are
any hashable for the nominal level and numbers for the ordinal, interval and ratio levels.

Each statistic also has a form over *weighted unit patterns* — a mapping from a unit's tuple
of values (one per coder) to how many units have exactly that tuple — because agreement only
depends on those counts. The agreement page builds such counts directly (one entry per
distinct pattern instead of one per sentence or per character), which keeps it fast.

When a statistic is undefined for the data (a single coder, no unit with two values, only
one category so that chance agreement is total) the functions raise `AgreementUndefined`
whose message says why, instead of returning NaN.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence

LEVELS = ("nominal", "ordinal", "interval", "ratio")

Value = Hashable | None
Patterns = Mapping[tuple, float]


class AgreementUndefined(ValueError):
    """The statistic has no value for these data; the message says why, for the page."""


def unit_patterns(data: Sequence[Sequence[Value]]) -> Counter[tuple]:
    """Count the units (columns of `data`) by their tuple of values, one value per coder."""
    rows = [list(row) for row in data]
    if not rows:
        raise AgreementUndefined("No coders were given.")
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        raise ValueError("Every coder row must cover the same units (rows differ in length).")
    return Counter(zip(*rows, strict=True))


def _require_coders(patterns: Patterns, needed: int = 2) -> int:
    if not patterns:
        raise AgreementUndefined("There are no units to compare.")
    coders = len(next(iter(patterns)))
    if coders < needed:
        raise AgreementUndefined(
            f"Agreement needs at least {needed} coders; {coders} "
            f"{'was' if coders == 1 else 'were'} given."
        )
    return coders


# Percent agreement -------------------------------------------------------------------------


def percent_agreement_patterns(patterns: Patterns) -> float:
    """Share (0–1) of comparable units on which every coder who gave a value gave the same one.

    A unit is comparable when at least two coders gave it a value; other units are left out.
    With two coders this is the usual proportion of agreement.
    """
    _require_coders(patterns)
    total = agreed = 0.0
    for pattern, weight in patterns.items():
        present = [value for value in pattern if value is not None]
        if len(present) < 2 or not weight:
            continue
        total += weight
        if all(value == present[0] for value in present[1:]):
            agreed += weight
    if total == 0:
        raise AgreementUndefined("No unit was coded by two or more coders, so none can agree.")
    return agreed / total


def percent_agreement(data: Sequence[Sequence[Value]]) -> float:
    """Share (0–1) of units, among those two or more coders gave a value, on which all agree."""
    return percent_agreement_patterns(unit_patterns(data))


# Cohen's kappa -----------------------------------------------------------------------------


def cohen_kappa_patterns(patterns: Patterns) -> float:
    """Cohen's kappa over (value of coder A, value of coder B) patterns.

    Units where either coder gave no value are left out (listwise deletion).
    """
    coders = _require_coders(patterns)
    if coders != 2:
        raise AgreementUndefined(
            f"Cohen's kappa compares exactly two coders; {coders} were given "
            "(Krippendorff's alpha covers any number)."
        )
    total = agreed = 0.0
    first: Counter = Counter()
    second: Counter = Counter()
    for (a, b), weight in patterns.items():
        if a is None or b is None or not weight:
            continue
        total += weight
        first[a] += weight
        second[b] += weight
        if a == b:
            agreed += weight
    if total == 0:
        raise AgreementUndefined("No unit was coded by both coders.")
    observed = agreed / total
    expected = sum(first[value] * second.get(value, 0) for value in first) / (total * total)
    if expected >= 1:
        raise AgreementUndefined(
            "Both coders used one and the same category for every unit, so chance agreement "
            "is total and kappa is undefined (0/0)."
        )
    return (observed - expected) / (1 - expected)


def cohen_kappa(a: Sequence[Value], b: Sequence[Value]) -> float:
    """Cohen's kappa of two coders' values over the same units (None = no value)."""
    if len(a) != len(b):
        raise ValueError("Both coders must cover the same units (lengths differ).")
    return cohen_kappa_patterns(Counter(zip(a, b, strict=True)))


# Krippendorff's alpha ----------------------------------------------------------------------


def _coincidences(patterns: Patterns) -> dict[tuple, float]:
    """The coincidence matrix o[c, k]: pairable values, each unit weighted by 1 / (m_u - 1)."""
    matrix: dict[tuple, float] = {}
    for pattern, weight in patterns.items():
        present = [value for value in pattern if value is not None]
        count = len(present)
        if count < 2 or not weight:
            continue
        tally = Counter(present)
        share = weight / (count - 1)
        for c, n_c in tally.items():
            for k, n_k in tally.items():
                pairs = n_c * (n_c - 1) if c == k else n_c * n_k
                if pairs:
                    matrix[c, k] = matrix.get((c, k), 0.0) + pairs * share
    return matrix


def _distance_function(level: str, totals: dict):
    if level == "nominal":
        return lambda c, k: 0.0 if c == k else 1.0
    for value in totals:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"The {level} level needs numeric values; got {value!r}.")
    if level == "interval":
        return lambda c, k: float(c - k) ** 2
    if level == "ratio":

        def ratio(c, k):
            return 0.0 if c + k == 0 else ((c - k) / (c + k)) ** 2

        return ratio
    if level == "ordinal":
        ordered = sorted(totals)
        position = {value: index for index, value in enumerate(ordered)}
        cumulative = [0.0]
        for value in ordered:
            cumulative.append(cumulative[-1] + totals[value])

        def ordinal(c, k):
            low, high = sorted((position[c], position[k]))
            between = cumulative[high + 1] - cumulative[low]
            return (between - (totals[c] + totals[k]) / 2) ** 2

        return ordinal
    raise ValueError(f"Unknown level of measurement “{level}”; use one of {', '.join(LEVELS)}.")


def krippendorff_alpha_patterns(patterns: Patterns, level: str = "nominal") -> float:
    """Krippendorff's alpha from weighted unit patterns (see `krippendorff_alpha`)."""
    if level not in LEVELS:
        raise ValueError(f"Unknown level of measurement “{level}”; use one of {', '.join(LEVELS)}.")
    _require_coders(patterns)
    matrix = _coincidences(patterns)
    if not matrix:
        raise AgreementUndefined(
            "No unit has values from two or more coders, so there is nothing to compare."
        )
    totals: dict = {}
    for (c, _k), count in matrix.items():
        totals[c] = totals.get(c, 0.0) + count
    n = sum(totals.values())
    distance = _distance_function(level, totals)
    observed = sum(count * distance(c, k) for (c, k), count in matrix.items())
    values = list(totals)
    expected = (
        sum(
            totals[c] * totals[k] * distance(c, k)
            for i, c in enumerate(values)
            for k in values[i:]
            if c != k
        )
        * 2
    )
    if len(totals) < 2 or expected == 0:
        raise AgreementUndefined(
            "Every value given is the same category, so there is no variation to assess and "
            "alpha is undefined (0/0)."
        )
    return 1.0 - (n - 1) * observed / expected


def krippendorff_alpha(data: Sequence[Sequence[Value]], level: str = "nominal") -> float:
    """Krippendorff's alpha for any number of coders, with missing values (None).

    Follows Krippendorff, “Computing Krippendorff's Alpha-Reliability” (2011): units with
    fewer than two values are not pairable and are left out; levels nominal, ordinal,
    interval and ratio.
    """
    return krippendorff_alpha_patterns(unit_patterns(data), level)


def pairable_units(patterns: Patterns) -> float:
    """How many units carry values from at least two coders."""
    return sum(
        weight
        for pattern, weight in patterns.items()
        if sum(value is not None for value in pattern) >= 2
    )


def merge_patterns(many: Iterable[Patterns]) -> Counter[tuple]:
    merged: Counter[tuple] = Counter()
    for patterns in many:
        for pattern, weight in patterns.items():
            merged[pattern] += weight
    return merged
