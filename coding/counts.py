"""How many codes and codings a member may see, for the pages of the interviews app."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from coding.models import Code, Coding
from interviews.access import Access
from interviews.counts import Counter


def _visible_codings(access: Access):
    return Coding.objects.filter(source__project=access.project).visible_to(access)


def project_counts(access: Access) -> dict[str, int]:
    """The project's codes and the codings this member may see (their own in a blinded
    project, unless they review)."""
    return {
        "codes": Code.objects.filter(project=access.project).count(),
        "codings": _visible_codings(access).count(),
    }


def source_coding_counts(access: Access, source_ids: Iterable[int]) -> dict[int, int]:
    """Per source id, the codings of it this member may see (sources without any left out)."""
    rows = (
        _visible_codings(access)
        .filter(source_id__in=list(source_ids))
        .values("source_id")
        .annotate(n=Count("pk"))
        .values_list("source_id", "n")
    )
    return dict(rows)


COUNTER = Counter(project=project_counts, per_source=source_coding_counts)
