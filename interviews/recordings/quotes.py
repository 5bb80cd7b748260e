"""Where a quoted passage is spoken: its start time, shown as `[00:12:31]` beside the quote
in retrieval, reports and their exports, and a link that opens the coding page playing
from there. Only sources with a recording get a time."""

from __future__ import annotations

import re

from interviews.recordings.services import start_times, timelines
from interviews.recordings.sync import clock
from interviews.turns import TIME_PATTERN

# A quote that starts at a turn's label starts with the transcript's own time stamp.
_STAMPED = re.compile(rf"[ \t]*[\[(]?{TIME_PATTERN}[\])]?\s")

__all__ = ["has_time", "passage_link", "start_times", "timed_quote"]


def has_time(seconds: float | None) -> bool:
    """A time is known (a table column of times holds NaN, not None, where a source has no
    recording)."""
    return seconds is not None and seconds == seconds


def timed_quote(quote: str, seconds: float | None) -> str:
    """The quote as reports show it: `[00:12:31] quote`, or unchanged without a time or when
    it starts with the transcript's own time stamp (a quote from a turn's label)."""
    if not has_time(seconds) or _STAMPED.match(quote):
        return quote
    return f"[{clock(seconds)}] {quote}"


def passage_link(workspace_url: str, start: int, end: int, seconds: float | None = None) -> str:
    """The coding page at a passage; with a time, playing the recording from there."""
    play = f"?t={seconds:.1f}" if has_time(seconds) else ""
    return f"{workspace_url}{play}#pos={start}-{end}"


def times_of(source_ids: list[int], starts: list[int]) -> list[float | None]:
    """The start time of each (source id, start) of two parallel lists, None where its
    source has no recording. Without a recording among the sources nothing is looked up
    (a report's frame holds tens of thousands of rows)."""
    lines = timelines(set(source_ids))
    if not lines:
        return [None] * len(source_ids)
    times: list[float | None] = []
    for source_id, start in zip(source_ids, starts, strict=True):
        line = lines.get(source_id)
        times.append(None if line is None else line.time_at(start))
    return times
