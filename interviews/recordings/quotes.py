"""Where a quoted passage is spoken: its start time, shown as `[00:12:31]` beside the quote
in retrieval, reports and their exports, and a link that opens the coding page playing
from there. Only sources with a recording get a time."""

from __future__ import annotations

import re

from interviews.recordings.services import start_times, times_of
from interviews.recordings.sync import clock
from interviews.turns import TIME_PATTERN

# A quote that starts at a turn's label starts with the transcript's own time stamp.
_STAMPED = re.compile(rf"[ \t]*[\[(]?{TIME_PATTERN}[\])]?\s")

__all__ = ["has_time", "passage_link", "start_times", "timed_quote", "times_of"]


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
