"""From codings to units of analysis, and segment-overlap matching (pure, no database).

A *unit* is a span of a source's text: a sentence, a speaker turn, a paragraph, or a single
character. A coder codes a unit with code C when any of their codings of C overlaps it by at
least one character (half-open spans [start, end) overlap when each starts before the other
ends). A coder who has not seen a source gives its units no value (missing), which is not the
same as "not coded".

At the character level consecutive characters with the same coding pattern are counted
together (a weight), so that a long text costs no more than its codings.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from agreement.statistics import (
    AgreementUndefined,
    Patterns,
    cohen_kappa_patterns,
    krippendorff_alpha_patterns,
    pairable_units,
    percent_agreement_patterns,
)
from coding.spans import Span, spans_merge

UNIT_CHOICES = [
    ("sentence", "Sentence"),
    ("turn", "Speaker turn"),
    ("paragraph", "Paragraph"),
    ("character", "Character"),
]
UNIT_LABELS = dict(UNIT_CHOICES)
# Where a source has no segments of the chosen kind, its paragraphs are used instead.
FALLBACK = {"sentence": "paragraph", "turn": "paragraph"}


def choose_units(
    requested: str, segments: dict[str, list[Span]], paragraphs_from_text: Sequence[Span]
) -> tuple[str, list[Span]]:
    """The unit kind actually used for one source and its spans, sorted by start.

    `segments` maps a segment kind to the source's stored spans of that kind. A source without
    segments of the requested kind falls back to its paragraphs (stored, or else found in its
    text by the caller); the returned kind says which one was used.
    """
    if requested == "character":
        return "character", []
    kind = requested
    spans = segments.get(kind) or []
    if not spans and kind in FALLBACK:
        kind = FALLBACK[kind]
        spans = segments.get(kind) or []
    if not spans and kind == "paragraph":
        spans = list(paragraphs_from_text)
    return kind, sorted(spans)


def overlapped_units(units: Sequence[Span], ends: Sequence[int], start: int, end: int) -> range:
    """Indices of `units` (sorted, not overlapping; `ends` their ends) that [start, end) overlaps."""
    first = bisect_right(ends, start)
    last = first
    while last < len(units) and units[last][0] < end:
        last += 1
    return range(first, last)


def covers(merged: Sequence[Span], starts: Sequence[int], start: int, end: int) -> bool:
    """Whether the disjoint sorted spans `merged` (their starts in `starts`) cover [start, end)."""
    index = bisect_right(starts, start) - 1
    return index >= 0 and merged[index][1] >= end


def elementary_spans(spans: Iterable[Span]) -> list[Span]:
    """The pieces between consecutive boundaries of `spans` that lie inside at least one span."""
    spans = list(spans)
    merged = spans_merge(spans)
    starts = [s for s, _ in merged]
    boundaries = sorted({point for span in spans for point in span})
    pieces = []
    for left, right in zip(boundaries, boundaries[1:], strict=False):
        if covers(merged, starts, left, right):
            pieces.append((left, right))
    return pieces


def code_patterns(
    *,
    units: Sequence[Span] | None,
    length: int,
    coder_spans: Sequence[Sequence[Span]],
    present: Sequence[bool],
) -> tuple[dict[Span, tuple], tuple, int]:
    """One code in one source: the value pattern of each unit some coder coded with it.

    Returns (patterns of coded units keyed by unit span, the pattern of every other unit,
    how many other units there are). A value is 1 (coded), 0 (seen, not coded) or None
    (the coder has not seen the source). `units` None means character units; then the keys
    are stretches of characters with one pattern and the count is in characters.
    """
    blank = tuple(0 if seen else None for seen in present)
    if units is None:
        merged_by_coder = [spans_merge(spans) for spans in coder_spans]
        starts_by_coder = [[s for s, _ in merged] for merged in merged_by_coder]
        coded: dict[Span, tuple] = {}
        covered = 0
        for left, right in elementary_spans(s for spans in coder_spans for s in spans):
            coded[left, right] = tuple(
                1 if covers(merged, starts, left, right) else (0 if present[index] else None)
                for index, (merged, starts) in enumerate(
                    zip(merged_by_coder, starts_by_coder, strict=True)
                )
            )
            covered += right - left
        return coded, blank, max(length - covered, 0)
    ends = [end for _, end in units]
    hit: list[set[int]] = []
    for spans in coder_spans:
        indices: set[int] = set()
        for start, end in spans:
            indices.update(overlapped_units(units, ends, start, end))
        hit.append(indices)
    union = set().union(*hit) if hit else set()
    coded = {
        units[index]: tuple(
            1 if index in hit[c] else (0 if present[c] else None) for c in range(len(present))
        )
        for index in sorted(union)
    }
    return coded, blank, len(units) - len(union)


def add_patterns(
    counter: Counter, coded: dict[Span, tuple], blank: tuple, others: int, weighted: bool
) -> None:
    """Add one source's patterns for one code to a running count (characters weigh their length)."""
    for (start, end), pattern in coded.items():
        counter[pattern] += (end - start) if weighted else 1
    if others:
        counter[blank] += others


def is_coded(pattern: tuple) -> bool:
    """Whether any coder applied the code to the unit."""
    return any(value == 1 for value in pattern)


def coded_only(patterns: Patterns) -> Counter:
    """The patterns without the units that no coder coded."""
    return Counter({p: w for p, w in patterns.items() if is_coded(p)})


# Figures for the page and the exports --------------------------------------------------------


@dataclass(frozen=True)
class Stat:
    value: float | None
    note: str = ""

    @property
    def display(self) -> str:
        return "—" if self.value is None else f"{self.value:.3f}"

    @property
    def percent(self) -> str:
        return "—" if self.value is None else f"{100 * self.value:.1f} %"


def _stat(function, patterns: Patterns) -> Stat:
    try:
        return Stat(function(patterns))
    except AgreementUndefined as reason:
        return Stat(None, str(reason))


@dataclass(frozen=True)
class Figures:
    units: int
    pairable: int
    percent: Stat
    kappa: Stat
    alpha: Stat


def figures(patterns: Patterns, coders: int) -> Figures:
    """Units, pairable units and the three statistics of one set of unit patterns."""
    if coders < 2:
        reason = f"Agreement needs at least 2 coders; {coders} was given."
        return Figures(
            units=int(sum(patterns.values())),
            pairable=0,
            percent=Stat(None, reason),
            kappa=Stat(None, reason),
            alpha=Stat(None, reason),
        )
    if not any(patterns.values()):
        reason = "No unit is left to compare: no coder applied this code."
        empty = Stat(None, reason)
        return Figures(units=0, pairable=0, percent=empty, kappa=empty, alpha=empty)
    if coders == 2:
        kappa = _stat(cohen_kappa_patterns, patterns)
    else:
        kappa = Stat(
            None,
            f"Cohen's kappa compares exactly two coders; {coders} are selected "
            "(Krippendorff's alpha covers them all).",
        )
    return Figures(
        units=int(sum(patterns.values())),
        pairable=int(pairable_units(patterns)),
        percent=_stat(percent_agreement_patterns, patterns),
        kappa=kappa,
        alpha=_stat(krippendorff_alpha_patterns, patterns),
    )


# Segment overlap (as MAXQDA does it) ---------------------------------------------------------


def overlap_share(a: Span, b: Span) -> float:
    """Shared characters of two spans as a share of the characters either covers."""
    shared = min(a[1], b[1]) - max(a[0], b[0])
    if shared <= 0:
        return 0.0
    return shared / (max(a[1], b[1]) - min(a[0], b[0]))


def matched_segments(mine: Sequence[Span], theirs: Sequence[Span], min_share: float) -> int:
    """How many of `mine` some span of `theirs` overlaps by at least `min_share` (0–1)."""
    ordered = sorted(theirs)
    starts = [s for s, _ in ordered]
    matched = 0
    for span in mine:
        # Only spans starting before this one ends can overlap it.
        candidates = ordered[: bisect_left(starts, span[1])]
        if any(overlap_share(span, other) >= min_share for other in candidates):
            matched += 1
    return matched


@dataclass
class SegmentTally:
    """Segment-overlap agreement of one code between two coders."""

    first_total: int = 0
    first_matched: int = 0
    second_total: int = 0
    second_matched: int = 0

    def add(self, first: Sequence[Span], second: Sequence[Span], min_share: float) -> None:
        self.first_total += len(first)
        self.second_total += len(second)
        self.first_matched += matched_segments(first, second, min_share)
        self.second_matched += matched_segments(second, first, min_share)

    @property
    def agreements(self) -> int:
        return self.first_matched + self.second_matched

    @property
    def total(self) -> int:
        return self.first_total + self.second_total

    @property
    def disagreements(self) -> int:
        return self.total - self.agreements

    @property
    def share(self) -> Stat:
        if not self.total:
            return Stat(None, "Neither coder applied this code.")
        return Stat(self.agreements / self.total)


@dataclass
class UnitView:
    """One unit for the disagreement review: the codes each coder applied (None = not seen)."""

    source_id: int
    start: int
    end: int
    codes: list[set[int] | None] = field(default_factory=list)

    @property
    def disagrees(self) -> bool:
        present = [codes for codes in self.codes if codes is not None]
        return len(present) >= 2 and any(codes != present[0] for codes in present[1:])


def unit_views(
    *,
    source_id: int,
    units: Sequence[Span],
    codings: Iterable[tuple[int, int, int, int]],
    coder_index: dict[int, int],
    present: Sequence[bool],
) -> list[UnitView]:
    """Units of one source that any coder coded, with each coder's codes on them.

    `codings` are (code id, coder id, start, end); `units` sorted, not overlapping.
    """
    ends = [end for _, end in units]
    found: dict[int, UnitView] = {}
    for code_id, coder_id, start, end in codings:
        column = coder_index[coder_id]
        for index in overlapped_units(units, ends, start, end):
            view = found.get(index)
            if view is None:
                view = found[index] = UnitView(
                    source_id,
                    units[index][0],
                    units[index][1],
                    [set() if seen else None for seen in present],
                )
            view.codes[column].add(code_id)
    return [found[index] for index in sorted(found)]
