"""Who may see which sources, which words and whose identity: the one rule.

Every page, API endpoint, search, report and export asks this module (through the
QuerySet methods that call it: `Source.objects.visible_to`, `Coding.objects.visible_to`,
`Memo.objects.visible_to`) instead of filtering by hand:

- role: identities (real names, contact, consent forms, the identified text) are for the
  roles that hold `Perm.SEE_IDENTITIES` — `can_read_identities(access)`;
- blinded coding: coders and viewers of a blinded project see their own codings only —
  `coding_filter(access)`;
- withdrawn consent: the words of an interviewee who withdrew consent stay out of every
  analysis (search, retrieval, queries, reports, exports), and the memos about them or
  their sources out of every list of memos, until an admin changes the status again —
  `withdrawn_sources(project)` and `exclusion_note(project)`;
- identified text: what an export writes is the text coders read, unless an admin asks for
  the identified version — `Disclosure.of(access, identified=...)` decides once, and
  `Disclosure.texts(...)` hands every writer the words it may write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import router
from django.db.models import Q

from interviews.access import Perm
from interviews.compiled import Compiled
from interviews.models import ConsentStatus, Interviewee, Project, Source


def can_read_identities(access) -> bool:
    """Whether a member may read who the interviewees are (names, contact, consent forms,
    the identified text and its key)."""
    return access.can(Perm.SEE_IDENTITIES)


def coding_filter(access, prefix: str = "") -> Q:
    """A filter for the codings a member may see: every coding, or in a blinded project a
    coder's or viewer's own. `prefix` reaches codings from another model (`codings__`)."""
    if access.sees_all_codings:
        return Q()
    return Q(**{f"{prefix}coder": access.user})


# Asked by every report, retrieval and export: compiled once (`interviews.compiled`), and
# without the models' default ordering, which would join the project table to sort a set.
_WITHDRAWN_SOURCES = Compiled(
    lambda project: (
        Source.objects.filter(project_id=project).withdrawn().order_by().values_list("pk")
    ),
    ("project",),
)
_WITHDRAWN_PEOPLE = Compiled(
    lambda project: (
        Interviewee.objects.filter(project_id=project, consent_status=ConsentStatus.WITHDRAWN)
        .order_by()
        .values_list("pk")
    ),
    ("project",),
)


def withdrawn_sources(project) -> set[int]:
    """Ids of the project's sources in which an interviewee who withdrew consent speaks."""
    using = router.db_for_read(Source)
    return {pk for (pk,) in _WITHDRAWN_SOURCES.rows(using, project=project.pk)}


def withdrawn_count(project) -> int:
    """How many of the project's interviewees withdrew consent."""
    return len(_WITHDRAWN_PEOPLE.rows(router.db_for_read(Interviewee), project=project.pk))


def exclusion_note(project) -> str:
    """What every report and export says about the people left out of it ("" for none)."""
    count = withdrawn_count(project)
    if not count:
        return ""
    people = "interviewee" if count == 1 else "interviewees"
    return f"{count} {people} excluded: consent withdrawn"


@dataclass(frozen=True)
class ReadableText:
    """A source's words as one reader may have them.

    `text` is what is written out; `position` turns an offset of a coding (counted in the
    text coders read) into an offset of `text`. They are the same text, and `position` is
    the identity, except in the identified version of a de-identified source.
    """

    text: str
    # Coding offset → offset of `text`; None where the two texts are the same.
    offsets: Callable[[int], int] | None = None

    def position(self, offset: int) -> int:
        return offset if self.offsets is None else self.offsets(offset)

    def passage(self, start: int, end: int) -> str:
        return self.text[self.position(start) : self.position(end)]


@dataclass(frozen=True)
class Disclosure:
    """Which text a reader gets: the text coders read, or (an admin's explicit choice) the
    identified original. `Disclosure.of(access, identified=True)` refuses anyone else; the
    command line, run by whoever holds the database, builds one directly."""

    project: Project
    identified: bool = False

    @classmethod
    def of(cls, access, *, identified: bool = False) -> Disclosure:
        if identified and not can_read_identities(access):
            raise PermissionDenied("Only admins may export the identified text.")
        return cls(project=access.project, identified=identified)

    def texts(self, source_ids: Iterable[int]) -> dict[int, ReadableText]:
        """Per source id, the text this reader may read or write out."""
        rows = Source.objects.filter(project=self.project, pk__in=list(source_ids)).order_by()
        # The text coders read is `Source.text`; the identified original is kept apart for
        # admins, and until a source is de-identified the two are the same text.
        if self.identified:
            from interviews.deid.key import identified_texts

            found = identified_texts(rows.only("pk", "text"))
            return {pk: ReadableText(text, offsets) for pk, (text, offsets) in found.items()}
        return {pk: ReadableText(text) for pk, text in rows.values_list("pk", "text")}

    @property
    def label(self) -> str:
        """How provenance lines name the text that was written."""
        if self.identified:
            return "identified text, asked for by an admin"
        return "text as coders read it"

    def provenance(self) -> list[tuple[str, str]]:
        """(label, value) pairs every report and export adds to its provenance."""
        items = [("Text", self.label)]
        note = exclusion_note(self.project)
        if note:
            items.append(("Excluded", note))
        return items


def wants_identified(params) -> bool:
    """Whether a request's parameters ask for the identified version (`identified=1`)."""
    return params.get("identified") in {"1", "on", "true", "yes"}


def only_coder(access):
    """The coder whose codings alone a member sees (blinded coding), or None for all."""
    return None if access.sees_all_codings else access.user


def coders_visible(access, users):
    """The coders a member may choose in filters: everyone, or under blinded coding only
    themselves."""
    return users if access.sees_all_codings else users.filter(pk=access.user.pk)


def provenance_suffix(items: list[tuple[str, str]]) -> str:
    """Provenance pairs as they end a one-line provenance (" · text as … · 1 interviewee …")."""
    return "".join(f" · {value}" for _label, value in items)
