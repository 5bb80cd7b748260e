"""Speaker labels at the head of a turn: who speaks, and where the words begin."""

from __future__ import annotations

import re

from interviews.models import SegmentKind, Source

# "[00:01:02] ", then the label, then an optional "(00:01:02)", then ":" and the blank after.
_STAMP = r"(?:\[[0-9:.,]+\]\s*)?"
_TIME = r"(?:\s*\([^)\n]{0,20}\))?"


def label_length(text: str, speaker: str) -> int:
    """How many code points of a turn's text its speaker label takes ("Speaker 2: " → 11);
    0 when the text does not begin with the label."""
    if not speaker:
        return 0
    match = re.match(rf"\s*{_STAMP}{re.escape(speaker)}{_TIME}\s*[:：]\s*", text)
    if match is None or match.end() >= len(text):
        return 0
    return match.end()


def speaker_names(source: Source) -> dict[str, str]:
    """Each raw speaker label of a source → the name coders may see (pseudonym, "Interviewer",
    or the label itself when it is mapped to no one)."""
    names: dict[str, str] = {}
    rows = (
        source.segments.filter(kind=SegmentKind.TURN)
        .order_by("start")
        .values_list("speaker", "interviewee__pseudonym", "is_interviewer")
    )
    for speaker, pseudonym, is_interviewer in rows:
        if speaker not in names:
            names[speaker] = pseudonym or ("Interviewer" if is_interviewer else speaker)
    return names
