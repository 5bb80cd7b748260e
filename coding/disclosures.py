"""The history's record of every export that carried the identified text."""

from __future__ import annotations

from coding.models import Change, ChangeAction
from interviews.visibility import Disclosure


def disclosure_record(*, user, disclosure: Disclosure, what: str) -> Change | None:
    """Record in the project's history that `what` (e.g. "SWOT matrix as XLSX") was written
    with the identified text; an export of the text coders read records nothing."""
    if not disclosure.identified:
        return None
    project = disclosure.project
    return Change.objects.create(
        project=project,
        user=user,
        action=ChangeAction.EXPORT,
        object_type="project",
        object_guid=project.guid,
        after={"summary": f"{what}, with the identified text", "identified": True},
    )
