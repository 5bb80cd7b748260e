"""The limits on what one upload, form or request may ask of a worker, in one place.

Each is a setting (config/settings.py, from the environment) and is listed in the README
under “Limits”. The checks raise LimitExceeded with a message for the user; callers turn it
into their own refusal (a form error, an ImportRefused, a 400).
"""

from __future__ import annotations

from django.conf import settings


class LimitExceeded(ValueError):
    """A request asks for more than a limit allows; the message says which and how much."""


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def check_batch(sizes: list[int]) -> None:
    """Files per upload and their total size."""
    if len(sizes) > settings.PARLEY_MAX_BATCH_FILES:
        raise LimitExceeded(
            f"{len(sizes):,} files were sent at once; the limit is "
            f"{settings.PARLEY_MAX_BATCH_FILES:,} files per upload. Import them in parts."
        )
    total = sum(sizes)
    if total > settings.PARLEY_MAX_BATCH_BYTES:
        raise LimitExceeded(
            f"The files sent at once come to {_mb(total)}; the limit is "
            f"{_mb(settings.PARLEY_MAX_BATCH_BYTES)} per upload. Import them in parts."
        )


def check_memo(text: str) -> None:
    if len(text) > settings.PARLEY_MAX_MEMO_CHARS:
        raise LimitExceeded(
            f"The memo has {len(text):,} characters; the limit is "
            f"{settings.PARLEY_MAX_MEMO_CHARS:,}."
        )


def check_codebook_rows(count: int) -> None:
    if count > settings.PARLEY_MAX_CODEBOOK_ROWS:
        raise LimitExceeded(
            f"The codebook file has more than {settings.PARLEY_MAX_CODEBOOK_ROWS:,} rows, the "
            "most one import takes. Split it into several files."
        )


def check_code_depth(depth: int, *, name: str = "") -> None:
    """`depth` counts levels from the top (a top-level code has depth 1)."""
    if depth > settings.PARLEY_MAX_CODE_DEPTH:
        what = f"“{name[:80]}”" if name else "A code"
        raise LimitExceeded(
            f"{what} would sit {depth:,} levels deep; codes may nest at most "
            f"{settings.PARLEY_MAX_CODE_DEPTH} levels."
        )


def speakers_shown() -> int:
    """How many distinct speaker labels a mapping form lists one by one (the rest grouped)."""
    return settings.PARLEY_MAX_SPEAKERS_SHOWN
