"""The consensus coder: an inactive account that the codings agreed on after review belong
to, so that every report, and the training of coding help, can read the consensus alone."""

from __future__ import annotations

from django.contrib.auth import get_user_model

CONSENSUS_USERNAME = "consensus"


def consensus_user_id() -> int | None:
    """The consensus coder's id, or None while no consensus has been stored (an active
    account of that name is a person's, not the consensus)."""
    return (
        get_user_model()
        .objects.filter(username=CONSENSUS_USERNAME, is_active=False)
        .values_list("pk", flat=True)
        .first()
    )
