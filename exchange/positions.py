"""Position arithmetic for REFI-QDA selections (pure, no database).

Parley stores offsets in code points of the normalised text (LF line endings). Exchange
files count in other units: NVivo for Windows and QualCoder count UTF-16 units, and the
text a tool measured may still have had CRLF line endings (ATLAS.ti counts a CRLF as one
character, others as two). Each way of counting is a `Reading`; `choose_reading` decides
which one a file used by checking the selections against the text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

BOM = "\ufeff"


def decode_text(data: bytes) -> str:
    """Bytes of a text file as str: UTF-8 (with or without BOM) or UTF-16 with a BOM."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.removeprefix(BOM)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class Reading:
    """One way of counting positions: in UTF-16 units or code points, with CRLF as 1 or 2."""

    utf16: bool
    crlf_as_two: bool

    @property
    def label(self) -> str:
        unit = "UTF-16 units" if self.utf16 else "code points"
        return f"{unit}, CRLF as two" if self.crlf_as_two else unit


CODE_POINTS = Reading(utf16=False, crlf_as_two=False)
UTF16 = Reading(utf16=True, crlf_as_two=False)


@dataclass
class PositionMap:
    """Converts positions counted in a `Reading` of `raw` into code points of the normalised text."""

    raw: str
    reading: Reading
    _astral: list[int] = field(default_factory=list, init=False)
    _removed_cr: list[int] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        basis = self.raw if self.reading.crlf_as_two else self.raw.replace("\r\n", "\n")
        if self.reading.utf16:
            # UTF-16 index at which each astral character (two units) starts.
            for shift, match in enumerate(re.finditer("[\U00010000-\U0010ffff]", basis)):
                self._astral.append(match.start() + shift)
        if self.reading.crlf_as_two:
            # Code-point index (in the CRLF text) of each CR that normalisation removes.
            self._removed_cr = [m.start() for m in re.finditer("\r\n", basis)]

    def to_code_point(self, position: int) -> int | None:
        """The normalised code-point offset, or None if the position splits a character."""
        if position < 0:
            return None
        if self.reading.utf16:
            before = bisect_left(self._astral, position)
            if before and self._astral[before - 1] + 1 == position:
                return None  # between the two halves of a surrogate pair
            position -= before
        if self.reading.crlf_as_two:
            # A position between CR and LF lands on the newline itself.
            position -= bisect_left(self._removed_cr, position)
        return position


def code_points_to_utf16(text: str, position: int) -> int:
    """The UTF-16 offset of a code-point offset (for tests and for tools that need it)."""
    return position + sum(1 for ch in text[:position] if ord(ch) > 0xFFFF)


def readings_for(raw: str) -> list[Reading]:
    """The readings that can differ for this text (only CRLF and astral text make a difference)."""
    options = [CODE_POINTS]
    has_astral = re.search("[\U00010000-\U0010ffff]", raw) is not None
    has_crlf = "\r\n" in raw
    if has_astral:
        options.append(UTF16)
    if has_crlf:
        options.append(Reading(utf16=False, crlf_as_two=True))
        if has_astral:
            options.append(Reading(utf16=True, crlf_as_two=True))
    return options


def preferred_reading(origin: str) -> Reading:
    """What the exporting tool is known to write, judged by the Project's `origin`."""
    name = (origin or "").lower()
    utf16 = "qualcoder" in name or ("nvivo" in name and "mac" not in name)
    crlf_as_two = "atlas" not in name
    return Reading(utf16=utf16, crlf_as_two=crlf_as_two)


_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip().rstrip("…").removesuffix("...").strip()


def name_matches(name: str, quote: str) -> bool:
    """Whether a selection's name (tools often store the quoted text, maybe cut) fits the quote."""
    name, quote = _squash(name), _squash(quote)
    if len(name) < 3 or not quote:
        return False
    return quote.startswith(name) or name.startswith(quote) and len(quote) >= 3


SAMPLE = 100  # named selections checked per source: enough to tell the readings apart


@dataclass
class Choice:
    reading: Reading
    map: PositionMap
    checked: int  # selections with a name to compare
    matched: int  # of those, how many land on their name's text
    differs: bool  # whether any other reading would place some selection elsewhere
    preferred: Reading


def choose_reading(raw: str, text: str, spans: list[tuple[int, int, str]], origin: str) -> Choice:
    """Pick how the positions of one source were counted.

    `spans` are the file's (start, end, name) of the source's selections, `raw` the text
    as read (before newline normalisation) and `text` the normalised text. Every candidate
    reading is scored by how many named selections land on their name and how many fit in
    the text at all; ties go to what the origin says.
    """
    preferred = preferred_reading(origin)
    candidates = readings_for(raw)
    # What the origin prefers, restricted to what makes a difference for this text.
    ordered = sorted(
        candidates,
        key=lambda r: (r.utf16 != preferred.utf16, r.crlf_as_two != preferred.crlf_as_two),
    )
    named = [i for i, (_s, _e, name) in enumerate(spans) if len(name) >= 3]
    if len(named) > SAMPLE:
        named = named[:: len(named) // SAMPLE + 1]
    sample = set(named)
    best: tuple | None = None
    results: dict[Reading, list] = {}
    for rank, reading in enumerate(ordered):
        mapping = PositionMap(raw, reading)
        converted = []
        matched = checked = valid = 0
        for index, (start, end, name) in enumerate(spans):
            a, b = mapping.to_code_point(start), mapping.to_code_point(end)
            ok = a is not None and b is not None and 0 <= a < b <= len(text)
            valid += ok
            converted.append((a, b) if ok else None)
            if index in sample:
                checked += 1
                matched += ok and name_matches(name, text[a:b])
        results[reading] = converted
        score = (matched, valid, -rank)
        if best is None or score > best[0]:
            best = (score, reading, mapping, checked, matched)
    _score, reading, mapping, checked, matched = best
    chosen = results[reading]
    differs = any(other != chosen for other in results.values())
    return Choice(reading, mapping, checked, matched, differs, ordered[0])
