"""What the coding page and the API send about a source's codings, as plain data.

Offsets are code points, half-open [start, end). Under blinded coding a coder sees only
their own codings (`Coding.objects.visible_to`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace

from django.db import connections, router, transaction
from django.db.models import Exists, OuterRef, Subquery

from coding import services
from coding.models import (
    Change,
    Code,
    CodePin,
    Coding,
    Memo,
    coding_quotes,
    slice_bytes,
    slice_known,
    source_span_quotes,
    span_bytes,
    tree_ordered,
    with_slice,
)
from coding.pieces import first_view_queries
from interviews.access import Access, Perm, project_with_role_query
from interviews.compiled import Compiled, keys_fit, sent_together
from interviews.models import Profile, SelectionSnap, Source, SourceCodePoints
from interviews.recordings.models import Recording
from interviews.sql_text import IsoFormat, UuidText


def coding_json(
    coding: Coding, access: Access, *, quote: str | None = None, memo: str | None = None
) -> dict:
    if memo is None:
        found = min(coding.memos.all(), key=lambda m: m.pk, default=None)
        memo = found.text if found else ""
    data = {
        "id": coding.pk,
        "guid": str(coding.guid),
        "code": coding.code_id,
        "coder": coding.coder.username,
        "start": coding.start,
        "end": coding.end,
        "origin": coding.origin,
        "memo": memo,
        "mine": coding.coder_id == access.user.pk,
        "editable": coding.editable_by(access),
        "modified_at": coding.modified_at.isoformat(),
    }
    if quote is not None:
        data["quote"] = quote
    return data


def page_opening(
    user, project_pk: int, pk: int, access_of: Callable[[], Access]
) -> tuple[Access, Source | None]:
    """The member's access to the project and the source of the coding page (`page_source`),
    asked at once: on PostgreSQL one round trip. `access_of` reads the access (through
    `interviews.access.project_with_role`) and refuses an outsider; the source's row is used
    only once it has, and dropped unread otherwise. The coding page and the API's requests
    about one source (its codings and their changes, its pieces) open this way."""
    opening = project_with_role_query(user, project_pk) + page_source_query(user, project_pk, pk)
    with sent_together(router.db_for_read(Source), opening):
        access = access_of()
        return access, page_source(access, pk)


def page_source(access: Access, pk: int) -> Source | None:
    """The source the coding page shows (one the member may see), without its text, read
    with what the page asks of it besides by one query (the ORM's, compiled once,
    `interviews.compiled`): the text's length and what reads its slices (`with_slice`),
    the change cursor, whether it has a recording and the user's snap setting
    (`selection_snap`, its default without a profile)."""
    asked = page_source_query(access.user, access.project.pk, pk)
    if not asked:
        return None
    [(query, values)] = asked
    using = router.db_for_read(Source)
    row = query.row(using, **values)
    if row is None:
        return None
    length, quote, cursor, has_recording, snap, *values = row
    found = Source.from_db(using, _PAGE_SOURCE_FIELDS, values)
    found.project = access.project
    found.__dict__.update(_cursor=cursor, has_recording=has_recording)
    slice_known(found, quote, length, (0, 0))
    found.selection_snap = snap or SelectionSnap.WORD
    return found


def page_source_query(user, project_pk: int, pk: int) -> list[tuple[Compiled, dict]]:
    """The query `page_source` runs, with its values (also for
    `interviews.compiled.sent_together`); none for an anonymous user or a key no row can
    have."""
    if not user.is_authenticated or not keys_fit(pk, project_pk):
        return []
    return [(_PAGE_SOURCE, {"user": user.pk, "project": project_pk, "source": pk})]


_PAGE_SOURCE_FIELDS = tuple(f.attname for f in Source._meta.concrete_fields if f.name != "text")


def _page_source_query(*, user, project, source):
    access = SimpleNamespace(project=project)
    rows = with_slice(Source.objects.visible_to(access), *slice_bytes(0, 0)).filter(pk=source)
    rows = rows.order_by().annotate(
        _cursor=Subquery(_last_change(OuterRef("pk"))),
        _recorded=Exists(Recording.objects.filter(source=OuterRef("pk"))),
        _snap=Subquery(Profile.objects.filter(user=user).values("selection_snap")[:1]),
    )
    return rows.values_list(
        "_length", "_quote", "_cursor", "_recorded", "_snap", *_PAGE_SOURCE_FIELDS
    )[:1]


_PAGE_SOURCE = Compiled(_page_source_query, ("user", "project", "source"))


def source_codings_json(source: Source, access: Access, *, quotes: bool = True) -> dict:
    """The answer of the API's list of a source's codings, which the coding page also
    carries for its first view: every coding the user may see (with its words) and the
    cursor to ask for changes since. The cursor is read first (or with the source, by
    `page_source`), so a change made meanwhile comes again with the next poll rather
    than never."""
    cursor = source.__dict__.get("_cursor", _NOT_READ)
    if cursor is _NOT_READ:
        cursor = change_cursor(source)
    rows = codings_for_page(source, access)
    if quotes and rows:
        words = source_span_quotes(source, [(row["start"], row["end"]) for row in rows])
        if words is None:
            by_id = _page_quotes(source, access)
            words = [by_id[row["id"]] for row in rows]
        for row, quote in zip(rows, words, strict=True):
            row["quote"] = quote
    return {"codings": rows, "cursor": cursor or 0}


_NOT_READ = object()


def _page_quotes(source: Source, access: Access) -> dict[int, str]:
    """`coding_quotes` of the codings the page lists, where their words are not one stretch
    of the text: on PostgreSQL by one query compiled once (`interviews.compiled`; building
    the ORM's took 1.4 ms of a 7 ms page, bench/README.md "The quotes of codings apart"),
    elsewhere by `coding_quotes`, which reads SQLite's blob in place."""
    using = router.db_for_read(Coding)
    if connections[using].vendor != "sqlite":
        found = _PAGE_QUOTES[access.sees_all_codings].rows(
            using, source=source.pk, user=access.user.pk
        )
        if all(quote is not None for _pk, quote in found):
            return {pk: SourceCodePoints.decode(quote) for pk, quote in found}
    # SQLite, or a source without its code points stored yet (`coding_quotes` adds them).
    return coding_quotes(Coding.objects.visible_to(access).filter(source=source))


def _page_quotes_query(*, source, user, sees_all: bool):
    visible = _visible_on_page(source, user, sees_all).order_by()
    return visible.annotate(_quote=span_bytes()).values_list("pk", "_quote")


_PAGE_QUOTES = {
    sees_all: Compiled(partial(_page_quotes_query, sees_all=sees_all), ("source", "user"))
    for sees_all in (True, False)
}


def codings_for_page(source: Source, access: Access) -> list[dict]:
    """Every coding of the source the user may see, for the page and the API list, without
    its words (`source_codings_json` reads them: the text they cover, once, where they
    overlap).

    Read as plain rows by one query (the ORM's, compiled once, `interviews.compiled`),
    because a long transcript has thousands of codings.
    """
    using = router.db_for_read(Coding)
    found = _PAGE_CODINGS[access.sees_all_codings].rows(
        using, source=source.pk, user=access.user.pk
    )
    return _rows_json(found, access, with_times=True, with_source=False, memos=None)


# The guid and the time changed are read as the text the answer carries (`_as_text`).
_CODING_FIELDS = (
    "pk",
    "_guid",
    "code_id",
    "coder_id",
    "coder__username",
    "start",
    "end",
    "source_id",
    "origin",
)


def _as_text(codings):
    """Codings with their guid and time changed as `coding_json` writes them, selected as
    that text (`interviews.sql_text`): not parsed into Python objects and written back, row
    by row."""
    return codings.annotate(_guid=UuidText("guid"), _modified=IsoFormat("modified_at"))


def _visible_on_page(source, user, sees_all: bool):
    """The source's codings by the rule of `Coding.objects.visible_to`, for a member who
    sees every coding or not (the page's compiled queries, one for each)."""
    seer = SimpleNamespace(sees_all_codings=sees_all, user=user)
    return Coding.objects.filter(source=source).visible_to(seer)


def _page_codings_query(*, source, user, sees_all: bool):
    visible = _visible_on_page(source, user, sees_all)
    # Each coding's memo is read with it (a source has far fewer codings than a project,
    # whose lists read them apart, `first_memos`).
    memo = Memo.objects.filter(coding=OuterRef("pk")).order_by("pk").values("text")[:1]
    visible = _as_text(visible.annotate(_memo=Subquery(memo))).order_by("start", "end", "pk")
    return visible.values_list(*_CODING_FIELDS, "_memo", "_modified")


_PAGE_CODINGS = {
    sees_all: Compiled(partial(_page_codings_query, sees_all=sees_all), ("source", "user"))
    for sees_all in (True, False)
}


def coding_rows(
    codings, access: Access, *, with_times: bool = True, with_source: bool = False
) -> list[dict]:
    """The codings of an ordered queryset as plain rows, in the shape of `coding_json`."""
    memos = first_memos(codings)
    found = _as_text(codings).values_list(*_CODING_FIELDS, *(["_modified"] if with_times else []))
    return _rows_json(
        ((*row[:9], None, *row[9:]) for row in found),
        access,
        with_times=with_times,
        with_source=with_source,
        memos=memos,
    )


def _rows_json(
    found, access: Access, *, with_times: bool, with_source: bool, memos: dict[int, str] | None
) -> list[dict]:
    """Rows of `_CODING_FIELDS`, the memo (or None, and `memos` by coding) and the time
    changed (`with_times`, as text), as `coding_json` gives a coding."""
    reviews = access.can(Perm.REVIEW)
    codes_ok = access.can(Perm.CODE)
    me = access.user.pk
    rows = []
    for pk, guid, code_id, coder_id, coder, start, end, source_id, origin, memo, *more in found:
        row = {
            "id": pk,
            "guid": guid,
            "code": code_id,
            "coder": coder,
            "start": start,
            "end": end,
            "origin": origin,
            "memo": (memo or "") if memos is None else memos.get(pk, ""),
            "mine": coder_id == me,
            "editable": reviews or (codes_ok and coder_id == me),
        }
        if with_source:
            row["source"] = source_id
        if with_times:
            row["modified_at"] = more[0]
        rows.append(row)
    return rows


def first_memos(codings) -> dict[int, str]:
    """The memo of each coding (ids or a queryset): its oldest, as in coding_json."""
    memos: dict[int, str] = {}
    for coding_id, text in (
        Memo.objects.filter(coding__in=codings.values("pk"))
        .order_by("-pk")
        .values_list("coding_id", "text")
    ):
        memos[coding_id] = text
    return memos


def change_cursor(source: Source) -> int:
    return next(iter(_last_change(source)), 0)


def _last_change(source):
    """The id of the source's last change (a source or an `OuterRef` to one): the first
    entry of the changes' (source, id) index, read backwards, where `MAX(id) … GROUP BY`
    read every change of the source."""
    return Change.objects.filter(source=source).order_by("-pk").values_list("pk", flat=True)[:1]


def changes_since(source: Source, access: Access, since: int) -> dict:
    """The codings created or changed since the cursor `since` and the guids of those
    deleted, with the new cursor: what the coding page polls for every few seconds. Most
    polls find nothing: for a member who sees every coding the changes are read by a query
    compiled once (`interviews.compiled`), and the codings only when there are some."""
    if access.sees_all_codings:
        rows = _CHANGES.rows(router.db_for_read(Change), source=source.pk, since=since)
    else:
        rows = list(_changes_query(source=source.pk, since=since, reader=access))
    guids = {guid for _pk, guid in rows}
    current = []
    if guids:
        current = list(
            Coding.objects.filter(source=source, guid__in=guids)
            .visible_to(access)
            .select_related("coder")
            .prefetch_related("memos")
        )
    found = {c.guid for c in current}
    return {
        "codings": [coding_json(c, access) for c in current],
        "deleted": sorted(str(g) for g in guids - found),
        "cursor": max([since, *(pk for pk, _g in rows)]),
    }


def _changes_query(*, source, since, reader):
    # The history's (source, id) index holds them, after `since`.
    changes = Change.objects.filter(source_id=source, object_type="coding", pk__gt=since)
    return changes.visible_to(reader).order_by().values_list("pk", "object_guid")


# Compiled for a member who sees every coding only: a blinded coder's rule compares their
# name inside the changes' JSON, a value the compiled query's stand-ins cannot carry.
_CHANGES = Compiled(
    partial(_changes_query, reader=SimpleNamespace(sees_all_codings=True)), ("source", "since")
)


@dataclass
class CodeRow:
    """What the coding page needs of a code (`codebook_rows`)."""

    pk: int
    name: str
    parent_id: int | None
    colour: str
    is_codable: bool
    depth: int = 0
    path: str = ""


def page_queries(access: Access, source: Source, *, can_code: bool) -> list[tuple]:
    """The coding page's queries that need only the member and the source, with their
    values (`interviews.compiled.sent_together`): the first piece with the outline and its
    sentences and turns, the codings, the codebook and, for those who code, the number keys
    and the codes used last."""
    user, project = access.user.pk, access.project.pk
    queries = [
        *first_view_queries(source),
        (_PAGE_CODINGS[access.sees_all_codings], {"source": source.pk, "user": user}),
        (_CODEBOOK, {"project": project}),
    ]
    if can_code:
        queries += [(q, {"user": user, "project": project}) for q in (_PINS, _RECENT)]
    return queries


def codebook_rows(access: Access) -> list[CodeRow]:
    """The project's codebook in tree order (`tree_ordered`) as light rows, read by one
    query (the ORM's, compiled once, `interviews.compiled`): the coding page reads it each
    time it opens."""
    found = _CODEBOOK.rows(router.db_for_read(Code), project=access.project.pk)
    return tree_ordered([CodeRow(*row) for row in found])


def _codebook_query(*, project):
    codes = Code.objects.filter(project_id=project).order_by("order", "name", "pk")
    return codes.values_list("pk", "name", "parent_id", "colour", "is_codable")


_CODEBOOK = Compiled(_codebook_query, ("project",))


def pins_json(access: Access, codes: list | None = None) -> list[dict]:
    """The user's number-key codes; without pins, the first nine codable codes in order
    (of `codes`, the project's codebook in tree order, when the caller has read it)."""
    using = router.db_for_read(CodePin)
    pins = _PINS.rows(using, user=access.user.pk, project=access.project.pk)
    if pins:
        return [{"slot": slot, "code": code} for slot, code in pins]
    if codes is None:
        codes = Code.objects.filter(project=access.project).tree_order()
    codable = [c for c in codes if c.is_codable]
    return [{"slot": i, "code": c.pk} for i, c in enumerate(codable[:9], start=1)]


def _pins_query(*, user, project):
    pins = CodePin.objects.filter(user_id=user, project_id=project).order_by("slot")
    return pins.values_list("slot", "code_id")


_PINS = Compiled(_pins_query, ("user", "project"))


def recent_code_ids(access: Access, limit: int = 5) -> list[int]:
    """The codes the user applied last in the project, latest first (`limit` of them)."""
    recent: list[int] = []
    using = router.db_for_read(Coding)
    for (code_id,) in _RECENT.rows(using, user=access.user.pk, project=access.project.pk):
        if code_id not in recent:
            recent.append(code_id)
        if len(recent) == limit:
            break
    return recent


def _recent_query(*, user, project):
    codings = Coding.objects.filter(coder_id=user, source__project_id=project)
    return codings.order_by("-modified_at").values_list("code_id")[:200]


_RECENT = Compiled(_recent_query, ("user", "project"))


@transaction.atomic
def pin_set(access: Access, code: Code, slot: int | None) -> None:
    """Put `code` on number key `slot` (or the first free one) for the user."""
    if not CodePin.objects.filter(user=access.user, project=access.project).exists():
        # Pinning the first code keeps the default keys the user has been using.
        for row in pins_json(access):
            if row["code"] != code.pk:
                services.code_pin_set(
                    user=access.user, code=Code.objects.get(pk=row["code"]), slot=row["slot"]
                )
    services.code_pin_set(user=access.user, code=code, slot=slot)
