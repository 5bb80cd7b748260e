"""Fixtures of the interviews tests."""

from __future__ import annotations

import pytest

from interviews.models import Interviewee


@pytest.fixture
def hanna(project) -> Interviewee:
    """An interviewee whose name, organisation and e-mail stand in a transcript."""
    return Interviewee.objects.create(
        project=project,
        pseudonym="BY-07",
        real_name="Hanna Karpovich / Ганна Карпович",
        contact="hanna.k@example.org",
        organisation="Lanka Pictures",
    )
