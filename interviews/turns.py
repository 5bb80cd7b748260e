"""Speaker-turn recognition in plain transcript text (pure, no database).

A turn starts at the beginning of a line with a speaker label followed by a colon,
optionally preceded by a timestamp:

    Interviewer: So how did the project start?
    Q: ... / A: ...
    [00:01:02] Speaker 1: ...
    00:01:02 Olga: ...
    Ян Ли: ...
    Olga (00:01:02): ...           a timestamp after the name
    <v Olga>...                    a WebVTT voice tag
    Speaker 1  0:03                a name and time alone on a line (Otter and similar),
    words on the next line...      or a name with a colon alone on its line

A turn runs until the next labelled line (or the end of the text); its span covers the
label as well as the speech, so that coding a whole turn codes what the reader sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TIME_PATTERN = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
# A label: up to five words of letters (any script), digits, dots, apostrophes, hyphens.
# No word of a name is longer than 40 characters: a line of one long word fails at once
# instead of being tried at every length of that word.
_WORD = r"[\w.'’\-]"
_LABEL = rf"[^\W\d_]{_WORD}{{0,39}}(?:[ \t]{_WORD}{{1,40}}){{0,4}}"
_LABEL_TIME = rf"(?:[ \t]+[\[(]?(?P<time2>{TIME_PATTERN})[\])]?)?"
TURN_RE = re.compile(
    rf"^[ \t]*(?:\[?(?P<time>{TIME_PATTERN})\]?[ \t]+)?(?:-[ \t]*)?(?P<speaker>{_LABEL}){_LABEL_TIME}"
    rf"[ \t]*[:：][ \t]*(?:(?=\S)|\n(?=[ \t]*\S))",
    re.MULTILINE,
)
VOICE_RE = re.compile(
    r"^[ \t]*<v(?:\.[\w.\-]+)?[ \t]+(?P<speaker>[^>\n]{1,60})>[ \t]*", re.MULTILINE
)
# “Speaker 1  0:03” alone on a line, the speech on the next (Otter, Zoom and others).
NAME_TIME_LINE_RE = re.compile(
    rf"^[ \t]*(?P<speaker>[^\W\d_]{_WORD}{{0,39}}(?:[ \t]{_WORD}{{1,40}}){{0,2}})[ \t]+\[?(?P<time>{TIME_PATTERN})\]?[ \t]*\n(?=[ \t]*\S)",
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
    body: int | None = None  # where the speech starts, after the label


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
    labels = _labels(text)
    if len(labels) < min_turns:
        return []
    turns: list[Turn] = []
    for index, (start, body, speaker, time) in enumerate(labels):
        stop = labels[index + 1][0] if index + 1 < len(labels) else len(text)
        end = start + len(text[start:stop].rstrip())
        if end > start:
            turns.append(
                Turn(start=start, end=end, speaker=speaker, timestamp=time, body=min(body, end))
            )
    return turns


def _labels(text: str) -> list[tuple[int, int, str, float | None]]:
    """(start, end of label, speaker, seconds) of every speaker label, in text order, none overlapping."""
    found: list[tuple[int, int, str, float | None]] = []
    for match in TURN_RE.finditer(text):
        speaker = match.group("speaker").strip()
        if speaker.lower() in _NOT_SPEAKERS:
            continue
        time = match.group("time") or match.group("time2")
        found.append((match.start(), match.end(), speaker, parse_timestamp(time)))
    for match in VOICE_RE.finditer(text):
        found.append((match.start(), match.end(), match.group("speaker").strip(), None))
    for match in NAME_TIME_LINE_RE.finditer(text):
        speaker = match.group("speaker").strip()
        if speaker.lower() not in _NOT_SPEAKERS:
            time = parse_timestamp(match.group("time"))
            found.append((match.start(), match.end(), speaker, time))
    found.sort(key=lambda item: (item[0], -item[1]))  # the longest label at a place wins
    labels: list[tuple[int, int, str, float | None]] = []
    last_end = -1
    for start, end, speaker, time in found:
        if start < last_end:
            continue
        line = text[start:end]
        labels.append((start + len(line) - len(line.lstrip()), end, speaker, time))
        last_end = end
    return labels


def speakers(turns: list[Turn]) -> list[str]:
    """Distinct speaker labels in order of first appearance."""
    seen: dict[str, None] = {}
    for turn in turns:
        seen.setdefault(turn.speaker, None)
    return list(seen)
