"""Speaker-turn recognition in plain transcript text (pure, no database).

A turn starts at the beginning of a line with a speaker label followed by a colon,
optionally preceded by a timestamp:

    Interviewer: So how did the project start?
    Q: ... / A: ...
    [00:01:02] Speaker 1: ...
    00:01:02 Olga: ...
    Ян Ли: ...

A turn runs until the next labelled line (or the end of the text); its span covers the
label as well as the speech, so that coding a whole turn codes what the reader sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
# A label: up to five words of letters (any script), digits, dots, apostrophes, hyphens.
_LABEL = r"[^\W\d_][\w.'’\-]*(?:[ \t][\w.'’\-]+){0,4}"
TURN_RE = re.compile(
    rf"^[ \t]*(?:\[?(?P<time>{_TIME})\]?[ \t]+)?(?:-[ \t]*)?(?P<speaker>{_LABEL})[ \t]*:[ \t]*(?=\S)",
    re.MULTILINE,
)
# Words that look like labels but start ordinary sentences ("Note: ...", "Example: ...").
_NOT_SPEAKERS = {"note", "example", "http", "https", "e.g", "i.e", "ps", "nb", "re", "subject"}


@dataclass(frozen=True)
class Turn:
    start: int
    end: int
    speaker: str
    timestamp: float | None = None


def parse_timestamp(text: str | None) -> float | None:
    """'01:02:03.5' → 3723.5 seconds; '02:03' → 123.0; None → None."""
    if not text:
        return None
    parts = text.replace(",", ".").split(":")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def parse_turns(text: str, min_turns: int = 2) -> list[Turn]:
    """Speaker turns of a transcript, or [] when fewer than `min_turns` labels are found.

    A label must recur (the same speaker twice, or two different speakers) before the text
    counts as a transcript, so that a stray "Note:" in a policy document makes no turn.
    """
    matches = [
        m for m in TURN_RE.finditer(text) if m.group("speaker").strip().lower() not in _NOT_SPEAKERS
    ]
    if len(matches) < min_turns:
        return []
    turns: list[Turn] = []
    for index, match in enumerate(matches):
        start = match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
        stop = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        end = start + len(text[start:stop].rstrip())
        if end > start:
            turns.append(
                Turn(
                    start=start,
                    end=end,
                    speaker=match.group("speaker").strip(),
                    timestamp=parse_timestamp(match.group("time")),
                )
            )
    return turns


def speakers(turns: list[Turn]) -> list[str]:
    """Distinct speaker labels in order of first appearance."""
    seen: dict[str, None] = {}
    for turn in turns:
        seen.setdefault(turn.speaker, None)
    return list(seen)
