"""WebVTT and SubRip subtitles: cues merged into speaker turns.

The stored text reads like a transcript (“Name: words…”, a blank line between turns); each
turn segment keeps its speaker and the time of its first cue.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from interviews.importers.base import Imported, ImportRefused, label, normalise, title_from_name
from interviews.importers.text import decode
from interviews.turns import Turn, parse_timestamp

_TIMING = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*"
    r"(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
_VOICE = re.compile(r"<v(?:\.[\w.\-]+)?\s+([^<>]+)>")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d[\d:.]*>")
_SRT_FONT = re.compile(r"\{\\[^{}]*\}")
# “Name: words” or “[Name] words” at the start of a cue.
_LABEL = re.compile(r"^\s*(?:-\s*)?(?P<name>[^\W\d_][\w.'’\- ]{0,60}?)\s*:\s+(?=\S)")
_BRACKET_LABEL = re.compile(r"^\s*\[(?P<name>[^\]\d][^\]]{0,60})\]\s*")
_NOT_SPEAKERS = {"note", "http", "https"}


@dataclass
class Cue:
    start: float
    end: float
    speaker: str | None
    text: str


def _cue_text(lines: list[str]) -> tuple[str | None, str]:
    raw = " ".join(line.strip() for line in lines if line.strip())
    speaker = None
    voice = _VOICE.search(raw)
    if voice:
        speaker = normalise(html.unescape(voice.group(1))).strip() or None
    text = html.unescape(_TAG.sub("", _SRT_FONT.sub("", raw))).strip()
    if speaker is None:
        match = _LABEL.match(text) or _BRACKET_LABEL.match(text)
        if match and match.group("name").strip().lower() not in _NOT_SPEAKERS:
            speaker = normalise(match.group("name")).strip()
            text = text[match.end() :].strip()
    return speaker, " ".join(normalise(text).split())


def _cues(text: str) -> list[Cue]:
    cues: list[Cue] = []
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.strip("\n").split("\n")
        for index, line in enumerate(lines):
            timing = _TIMING.match(line)
            if timing:
                speaker, words = _cue_text(lines[index + 1 :])
                if words:
                    cues.append(
                        Cue(
                            start=parse_timestamp(timing.group("start")) or 0.0,
                            end=parse_timestamp(timing.group("end")) or 0.0,
                            speaker=speaker,
                            text=words,
                        )
                    )
                break
    return cues


def cues_to_imported(cues: list[Cue], *, name: str, format: str, metadata: dict) -> Imported:
    """Merge consecutive cues of one speaker into a turn (a cue without a speaker continues
    the current turn); without any speakers, a pause of two seconds starts a new paragraph."""
    if not cues:
        raise ImportRefused(f"{label(name)} has no subtitle cues in it.")
    has_speakers = any(cue.speaker for cue in cues)
    groups: list[tuple[str, float, list[Cue]]] = []
    previous_end = None
    for cue in cues:
        if has_speakers:
            new_turn = not groups or (cue.speaker is not None and cue.speaker != groups[-1][0])
        else:
            new_turn = not groups or (previous_end is not None and cue.start - previous_end >= 2)
        if new_turn:
            groups.append((cue.speaker or "", cue.start, [cue]))
        else:
            groups[-1][2].append(cue)
        previous_end = cue.end
    parts: list[str] = []
    turns: list[Turn] = []
    # One sync point per cue: (position, seconds); a turn's first cue at the turn's start.
    sync_points: list[tuple[int, float]] = []
    position = 0
    for speaker, start_time, group in groups:
        body = " ".join(cue.text for cue in group)
        chunk = f"{speaker}: {body}" if speaker else body
        if parts:
            position += 2  # the blank line between turns
        body_start = position + len(speaker) + 2 if speaker else position
        turns.append(Turn(position, position + len(chunk), speaker, start_time, body_start))
        at = body_start
        for index, cue in enumerate(group):
            sync_points.append((position if index == 0 else at, cue.start))
            at += len(cue.text) + 1
        parts.append(chunk)
        position += len(chunk)
    text = "\n\n".join(parts)
    metadata = {
        **metadata,
        "cues": len(cues),
        "duration": cues[-1].end,
        "sync_points": sync_points,
    }
    return Imported(
        text=text,
        format=format,
        title=title_from_name(name) if name else "",
        metadata=metadata,
        turns=turns,
    )


def parse_vtt(text: str, *, name: str = "") -> Imported:
    body = normalise(text)
    if not body.startswith("WEBVTT"):
        raise ImportRefused(
            f"{label(name)} is named as WebVTT subtitles but does not start with WEBVTT."
        )
    return cues_to_imported(_cues(body), name=name, format="vtt", metadata={})


def read_vtt(data: bytes, *, name: str = "") -> Imported:
    text, encoding = decode(data, name=name, kind="subtitle file")
    imported = parse_vtt(text, name=name)
    imported.metadata["encoding"] = encoding
    return imported


def read_srt(data: bytes, *, name: str = "") -> Imported:
    text, encoding = decode(data, name=name, kind="subtitle file")
    cues = _cues(normalise(text))
    return cues_to_imported(cues, name=name, format="srt", metadata={"encoding": encoding})
