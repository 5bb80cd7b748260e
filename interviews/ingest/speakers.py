"""Speaker labels: the usual labels guessed, and each label mapped to an interviewee or the
interviewer."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from interviews.models import (
    Interviewee,
    Project,
    SegmentKind,
    Source,
)

INTERVIEWER = "interviewer"
LINKED = "linked"  # in a batch: the one interviewee linked to each file (name or CSV)
INTERVIEWER_LABELS = {
    "interviewer", "q", "i", "int", "moderator", "question", "researcher",
    "интервьюер", "вопрос", "в", "інтерв'юер", "інтэрв'юер", "采访者", "主持人", "问",
}  # fmt: skip
RESPONDENT_LABELS = {
    "respondent", "a", "r", "interviewee", "answer", "participant",
    "респондент", "ответ", "о", "відповідь", "адказ", "受访者", "答",
}  # fmt: skip


SpeakerTarget = Interviewee | str | None


def speaker_map_guess(
    *,
    speakers: Iterable[str],
    project: Project,
    interviewees: Iterable[Interviewee] = (),
    interviewer_name: str = "",
) -> dict[str, SpeakerTarget]:
    """A first mapping of speaker labels: pseudonyms to their interviewee, the usual
    interviewer labels to the interviewer, the usual respondent labels to the one linked
    interviewee. Anything else stays unmapped for the user to decide."""
    by_pseudonym = {i.pseudonym.lower(): i for i in project.interviewees.all()}
    linked = list(interviewees)
    guess: dict[str, SpeakerTarget] = {}
    for speaker in speakers:
        key = speaker.strip().lower()
        if key in by_pseudonym:
            guess[speaker] = by_pseudonym[key]
        elif key in INTERVIEWER_LABELS or (interviewer_name and key == interviewer_name.lower()):
            guess[speaker] = INTERVIEWER
        elif key in RESPONDENT_LABELS and len(linked) == 1:
            guess[speaker] = linked[0]
        else:
            guess[speaker] = None
    return guess


@transaction.atomic
def source_speakers_map(*, source: Source, speaker_map: dict[str, SpeakerTarget]) -> int:
    """Point each speaker's turns at an interviewee or the interviewer; returns turns changed.

    Mapped interviewees are added to the source's interviewees.
    """
    changed = 0
    for speaker, target in speaker_map.items():
        if isinstance(target, Interviewee) and target.project_id != source.project_id:
            raise ValidationError("An interviewee of another project cannot speak here.")
        changed += source.segments.filter(kind=SegmentKind.TURN, speaker=speaker).update(
            interviewee=target if isinstance(target, Interviewee) else None,
            is_interviewer=target == INTERVIEWER,
        )
    mapped = [t for t in speaker_map.values() if isinstance(t, Interviewee)]
    if mapped:
        source.interviewees.add(*mapped)
    return changed
