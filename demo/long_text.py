"""A transcript of any length, the same for every caller (long-text tests and benchmarks)."""

from __future__ import annotations

WORDS = [
    "film",
    "studio",
    "festival",
    "partners",
    "money",
    "budget",
    "audience",
    "heritage",
    "museum",
    "policy",
]


def transcript(words: int, marker: str = "", marker_at: int | None = None) -> str:
    """Alternating Interviewer and Respondent turns (12 words, then 20 to 170), sentences of
    ten words, `words` words in all; `marker` replaces the word at `marker_at`."""
    turns, count, n = [], 0, 0
    while count < words:
        size = 20 + (n * 37) % 150 if n % 2 else 12
        body = [WORDS[(count + i) % len(WORDS)] for i in range(size)]
        if marker_at is not None and count <= marker_at < count + size:
            body[marker_at - count] = marker
        sentences = [" ".join(body[i : i + 10]) for i in range(0, size, 10)]
        speaker = "Respondent" if n % 2 else "Interviewer"
        turns.append(f"{speaker}: " + " ".join(s[:1].upper() + s[1:] + "." for s in sentences))
        count += size
        n += 1
    return "\n\n".join(turns)
