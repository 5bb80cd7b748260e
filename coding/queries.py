"""Coding queries: A AND B, A OR B, A NOT B, A NEAR B.

The set logic is pure work on half-open spans `(start, end)` of one source and is tested
without a database. `query_run` below feeds it the codings of a project and returns the
resulting passages.

What each operator returns, per source:

- AND: the text coded with both A and B (the intersection of A's and B's coverage).
- OR: the text coded with A or B (the union).
- NOT: the text coded with A and not with B (A's coverage minus B's).
- NEAR (within N characters): every A coding that has a B coding no more than N characters
  away (overlapping counts as 0), joined with those B codings into one passage from the
  first start to the last end; touching or overlapping passages are merged.
- NEAR (same turn): like NEAR, but "near" means an A and a B coding both lie in one speaker
  turn (each overlaps the turn).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from coding.spans import Span, spans_merge

# Pure interval logic ---------------------------------------------------------------------


def spans_and(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    """The text covered by both A and B."""
    left, right = spans_merge(a), spans_merge(b)
    out: list[Span] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            out.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def spans_or(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    """The text covered by A or B."""
    return spans_merge([*a, *b])


def spans_not(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    """The text covered by A and not by B."""
    cut = spans_merge(b)
    out: list[Span] = []
    j = 0
    for start, end in spans_merge(a):
        # Both lists are sorted and disjoint: skip B spans ending before this A span.
        while j < len(cut) and cut[j][1] <= start:
            j += 1
        cursor = start
        k = j
        while k < len(cut) and cut[k][0] < end:
            if cut[k][0] > cursor:
                out.append((cursor, cut[k][0]))
            cursor = max(cursor, cut[k][1])
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def span_gap(x: Span, y: Span) -> int:
    """Characters between two spans; 0 when they touch or overlap."""
    return max(0, max(x[0], y[0]) - min(x[1], y[1]))


def spans_near(a: Iterable[Span], b: Iterable[Span], distance: int) -> list[Span]:
    """Passages joining each A span with every B span at most `distance` characters away."""
    if distance < 0:
        raise ValueError("distance must not be negative")
    b_sorted = sorted(b)
    b_starts = [s for s, _ in b_sorted]
    joined: list[Span] = []
    for span in a:
        # B spans starting after span.end + distance cannot be near; those starting earlier
        # are near when they end no earlier than span.start - distance.
        upper = bisect_right(b_starts, span[1] + distance)
        near = [y for y in b_sorted[:upper] if y[1] >= span[0] - distance]
        if near:
            joined.append(
                (min(span[0], *(y[0] for y in near)), max(span[1], *(y[1] for y in near)))
            )
    return spans_merge(joined)


def spans_same_segment(
    a: Iterable[Span], b: Iterable[Span], segments: Iterable[Span]
) -> list[Span]:
    """Passages joining A and B spans that overlap one and the same segment (e.g. a turn)."""
    segs = sorted(segments)
    seg_starts = [s for s, _ in segs]

    def by_segment(spans: Iterable[Span]) -> dict[int, list[Span]]:
        found: dict[int, list[Span]] = defaultdict(list)
        for span in spans:
            # Segments that start before the span ends; walk back while they still overlap.
            i = bisect_left(seg_starts, span[1]) - 1
            while i >= 0 and segs[i][1] > span[0]:
                found[i].append(span)
                i -= 1
        return found

    in_a, in_b = by_segment(a), by_segment(b)
    joined = [
        (min(x[0] for x in in_a[i] + in_b[i]), max(x[1] for x in in_a[i] + in_b[i]))
        for i in in_a
        if i in in_b
    ]
    return spans_merge(joined)


OPERATORS = {
    "and": "A AND B (coded with both)",
    "or": "A OR B (coded with either)",
    "not": "A NOT B (coded with A, not with B)",
    "near": "A NEAR B (within N characters)",
    "turn": "A NEAR B (in the same speaker turn)",
}


def spans_combine(
    operator: str,
    a: Iterable[Span],
    b: Iterable[Span],
    *,
    distance: int = 0,
    segments: Iterable[Span] = (),
) -> list[Span]:
    """One source's result spans for an operator."""
    if operator == "and":
        return spans_and(a, b)
    if operator == "or":
        return spans_or(a, b)
    if operator == "not":
        return spans_not(a, b)
    if operator == "near":
        return spans_near(a, b, distance)
    if operator == "turn":
        return spans_same_segment(a, b, segments)
    raise ValueError(f"unknown operator {operator!r}")


def combine_by_source(
    operator: str,
    a: Iterable[tuple[int, int, int]],
    b: Iterable[tuple[int, int, int]],
    *,
    distance: int = 0,
    segments: Iterable[tuple[int, int, int]] = (),
) -> dict[int, list[Span]]:
    """Apply an operator per source to `(source_id, start, end)` rows; empty results dropped."""
    by_source: dict[int, tuple[list[Span], list[Span], list[Span]]] = defaultdict(
        lambda: ([], [], [])
    )
    for source_id, start, end in a:
        by_source[source_id][0].append((start, end))
    for source_id, start, end in b:
        by_source[source_id][1].append((start, end))
    for source_id, start, end in segments:
        if source_id in by_source:
            by_source[source_id][2].append((start, end))
    result: dict[int, list[Span]] = {}
    for source_id in sorted(by_source):
        a_spans, b_spans, segs = by_source[source_id]
        spans = spans_combine(operator, a_spans, b_spans, distance=distance, segments=segs)
        if spans:
            result[source_id] = spans
    return result


# Database layer --------------------------------------------------------------------------


@dataclass
class QuerySpec:
    """A query as a user states it; stored as JSON in a SavedQuery."""

    operator: str
    code_a: int
    code_b: int
    include_subcodes: bool = False
    distance: int = 100
    filters: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "operator": self.operator,
            "code_a": self.code_a,
            "code_b": self.code_b,
            "include_subcodes": self.include_subcodes,
            "distance": self.distance,
            "filters": self.filters,
        }

    @classmethod
    def from_json(cls, data: dict) -> QuerySpec:
        return cls(
            operator=data.get("operator", ""),
            code_a=data.get("code_a"),
            code_b=data.get("code_b"),
            include_subcodes=bool(data.get("include_subcodes")),
            distance=data.get("distance", 100),
            filters=data.get("filters") or {},
        )


@dataclass
class Passage:
    source_id: int
    source_title: str
    start: int
    end: int
    text: str
    link: str


@dataclass
class QueryResult:
    passages: list[Passage]
    total: int
    source_count: int
    characters: int


def _codes_for(project, code_id, include_subcodes: bool, label: str):
    from coding.models import Code

    try:
        code = Code.objects.get(pk=int(code_id))
    except (TypeError, ValueError, Code.DoesNotExist):
        raise ValidationError(f"Choose a code for {label}.") from None
    if code.project_id != project.pk:
        raise ValidationError(f"Code {label} belongs to another project.")
    ids = {code.pk}
    if include_subcodes:
        ids |= code.descendant_ids()
    return code, ids


def query_validate(project, spec: QuerySpec) -> tuple:
    """The two codes (and their id sets) of a query, or ValidationError saying what is wrong."""
    if spec.operator not in OPERATORS:
        raise ValidationError("Choose an operator: AND, OR, NOT or NEAR.")
    code_a, ids_a = _codes_for(project, spec.code_a, spec.include_subcodes, "A")
    code_b, ids_b = _codes_for(project, spec.code_b, spec.include_subcodes, "B")
    if spec.operator == "near":
        try:
            spec.distance = int(spec.distance)
        except (TypeError, ValueError):
            raise ValidationError("Give the distance as a whole number of characters.") from None
        if spec.distance < 0:
            raise ValidationError("The distance cannot be negative.")
    return code_a, ids_a, code_b, ids_b


def query_run(
    *, access, spec: QuerySpec, offset: int = 0, limit: int | None = 50, disclosure=None
) -> QueryResult:
    """Run a query in the caller's project, seeing only the codings the caller may see; the
    passages' words are the text `disclosure` allows (by default the text coders read)."""
    from django.urls import reverse

    from coding.filters import codings_filter
    from coding.models import Coding
    from interviews.models import Segment, SegmentKind, Source
    from interviews.visibility import Disclosure

    project = access.project
    _code_a, ids_a, _code_b, ids_b = query_validate(project, spec)
    # The codes are the project's (checked above), so their codings are too: no join needed.
    codings = codings_filter(
        Coding.objects.for_analysis(access), project=project, filters=spec.filters
    )
    rows_a = codings.filter(code_id__in=ids_a).values_list("source_id", "start", "end")
    rows_b = codings.filter(code_id__in=ids_b).values_list("source_id", "start", "end")
    segments: list[tuple[int, int, int]] = []
    rows_a, rows_b = list(rows_a), list(rows_b)
    if spec.operator == "turn":
        touched = {r[0] for r in rows_a} & {r[0] for r in rows_b}
        segments = list(
            Segment.objects.filter(source_id__in=touched, kind=SegmentKind.TURN).values_list(
                "source_id", "start", "end"
            )
        )
    combined = combine_by_source(
        spec.operator, rows_a, rows_b, distance=spec.distance, segments=segments
    )
    flat = [(sid, s, e) for sid, spans in combined.items() for s, e in spans]
    total = len(flat)
    page = flat[offset : offset + limit] if limit is not None else flat[offset:]
    page_sources = {sid for sid, _, _ in page}
    titles = dict(Source.objects.filter(pk__in=page_sources).values_list("pk", "title"))
    texts = (disclosure or Disclosure(project=project)).texts(page_sources)
    passages = [
        Passage(
            source_id=sid,
            source_title=titles[sid],
            start=s,
            end=e,
            text=texts[sid].passage(s, e),
            link=reverse("coding:workspace", args=[project.pk, sid]) + f"#pos={s}-{e}",
        )
        for sid, s, e in page
    ]
    return QueryResult(
        passages=passages,
        total=total,
        source_count=len(combined),
        characters=sum(e - s for _, s, e in flat),
    )
