"""Half-open spans `(start, end)` of one source's text, in code points (pure, no database)."""

from __future__ import annotations

from collections.abc import Iterable

Span = tuple[int, int]


def spans_merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-overlapping spans covering the same text; touching spans join."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]
