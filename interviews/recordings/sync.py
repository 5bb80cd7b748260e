"""Time at a position of a transcript, and position at a time (pure, no database).

A sync point ties a position of the text (code points) to a time of the recording
(seconds). Between two sync points time runs evenly over the characters; before the first
it runs from the text's start at time 0; after the last it runs to the recording's end when
its duration is known.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

# Which point wins when two disagree: one set by hand beats one read from a file, which
# beats the time of a speaker turn.
RANK_MANUAL = 3
RANK_FILE = 2
RANK_TURN = 1


@dataclass(frozen=True, order=True)
class Point:
    position: int
    time: float
    rank: int = RANK_FILE


def consistent(points: Iterable[Point]) -> list[Point]:
    """The points that can hold together, ordered by position, with times strictly rising.

    A point of higher rank is kept before any of lower rank; a point is left out when it
    sits at the position of a kept point or would make time stand still or run backwards
    against the points kept so far.
    """
    kept: list[Point] = []
    for point in sorted(points, key=lambda p: (-p.rank, p.position, p.time)):
        if point.position < 0 or point.time < 0:
            continue
        index = bisect_right([p.position for p in kept], point.position)
        before = kept[index - 1] if index else None
        after = kept[index] if index < len(kept) else None
        if before is not None and (before.position == point.position or before.time >= point.time):
            continue
        if after is not None and after.time <= point.time:
            continue
        kept.insert(index, point)
    return kept


def _anchored(
    points: list[Point], length: int | None, duration: float | None
) -> list[tuple[int, float]]:
    """The points with the text's start at time 0 and, when known, its end at the recording's
    end, where they fit."""
    anchors = [(p.position, p.time) for p in points]
    if not anchors or (anchors[0][0] > 0 and anchors[0][1] > 0):
        anchors.insert(0, (0, 0.0))
    if (
        length is not None
        and duration is not None
        and anchors[-1][0] < length
        and anchors[-1][1] < duration
    ):
        anchors.append((length, float(duration)))
    return anchors


def time_at(
    points: list[Point],
    position: int,
    *,
    length: int | None = None,
    duration: float | None = None,
) -> float | None:
    """Seconds into the recording at which the text at `position` is spoken.

    `points` come from `consistent`. None when nothing ties the text to time (no point and
    no known duration).
    """
    if not points and (duration is None or not length):
        return None
    anchors = _anchored(points, length, duration)
    if len(anchors) == 1:
        return anchors[0][1]
    positions = [a[0] for a in anchors]
    index = bisect_right(positions, position) - 1
    if index < 0:
        return anchors[0][1]
    if index >= len(anchors) - 1:
        (p0, t0), (p1, t1) = anchors[-2], anchors[-1]
    else:
        (p0, t0), (p1, t1) = anchors[index], anchors[index + 1]
    time = t0 + (position - p0) * (t1 - t0) / (p1 - p0)
    if duration is not None:
        time = min(time, float(duration))
    return max(0.0, time)


def position_at(
    points: list[Point],
    time: float,
    *,
    length: int,
    duration: float | None = None,
) -> int:
    """The first position of the text spoken at `time` (the inverse of `time_at`).

    The positions are searched by their times as `time_at` gives them, so the answer holds
    to the last bit even where floating point puts neighbouring characters at one time.
    """
    if not points and duration is None:
        return 0
    positions = range(length + 1)

    def at(position: int) -> float:
        return time_at(points, position, length=length, duration=duration) or 0.0

    # The last character whose time has come; time never runs backwards along the text.
    last = max(0, bisect_right(positions, time, key=at) - 1)
    # A stretch of text spoken at one instant maps back to its start.
    return bisect_left(positions, at(last), key=at)


def clock(seconds: float | None) -> str:
    """'00:12:31' for 751.4 seconds; '' for None."""
    if seconds is None:
        return ""
    total = int(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
