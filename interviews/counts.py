"""Counts that this app's pages show of what the apps above it keep (codes and codings).

`interviews` imports no app above it: the coding app registers its counter here when it
starts (`CodingConfig.ready`), and the dashboard and the source list ask through `counts`.
Without a registered counter every count is 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from interviews.access import Access


@dataclass(frozen=True)
class Counter:
    """`project(access)` gives {"codes": n, "codings": n} as `access` may see them;
    `per_source(access, source_ids)` gives {source id: codings the member may see}."""

    project: Callable[[Access], dict[str, int]]
    per_source: Callable[[Access, Iterable[int]], dict[int, int]]


_counter: Counter | None = None


def register(counter: Counter) -> None:
    global _counter
    _counter = counter


def project_counts(access: Access) -> dict[str, int]:
    return _counter.project(access) if _counter else {"codes": 0, "codings": 0}


def source_coding_counts(access: Access, source_ids: Iterable[int]) -> dict[int, int]:
    return _counter.per_source(access, source_ids) if _counter else {}
