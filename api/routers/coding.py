"""Codings (the coding page's own calls and project-wide lists and batches), pins, codes,
memos and saved queries."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel, StrictBool, StrictInt, StrictStr

from api import guard
from api.auth import member
from api.errors import CONFLICT, ApiError, error_codes, one
from api.pagination import Id, PageParams, page, page_of
from coding import codebook_services, services, workspace_data
from coding.filters import codings_filter, filters_validate
from coding.memos import MEMO_KINDS, memo_create, memo_delete, memo_target, memo_update
from coding.models import MAX_OFFSET, Change, Code, Coding, SavedQuery, coding_quotes
from coding.queries import QuerySpec, query_run
from interviews.access import Access, Perm
from interviews.db_statistics import THRESHOLD, statistics_refreshed

router = Router(tags=["codings"])
codes_router = Router(tags=["codes"])
memos_router = Router(tags=["memos"])
queries_router = Router(tags=["saved queries"])

Offset = StrictInt
# An id in a body: ids start at 1 (one below the database's integers cannot reach it).
BodyId = Annotated[StrictInt, Field(ge=1, le=MAX_OFFSET)]


# ---- schemas ------------------------------------------------------------------------------
class CodingIn(Schema):
    code: BodyId = Field(..., description="The code's id.")
    start: Offset = Field(..., le=MAX_OFFSET, description="First code point (inclusive).")
    end: Offset = Field(..., le=MAX_OFFSET, description="Last code point (exclusive).")
    quote: StrictStr | None = Field(
        None, description="The text at [start, end); refused when it does not match."
    )
    memo: StrictStr = ""


class CodingBatchItem(CodingIn):
    source: BodyId = Field(..., description="The source's id.")


class CodingBatchIn(Schema):
    codings: list[CodingBatchItem] = Field(..., min_length=1, max_length=5000)


class CodingPatch(Schema):
    code: BodyId | None = None
    start: Offset | None = Field(None, le=MAX_OFFSET)
    end: Offset | None = Field(None, le=MAX_OFFSET)
    quote: StrictStr | None = None
    memo: StrictStr | None = None


class CodingOut(BaseModel):
    id: int
    guid: str
    source: int | None = None
    code: int
    coder: str
    start: int
    end: int
    origin: str = Field("", description="Where an accepted suggestion came from; empty otherwise.")
    memo: str
    mine: bool
    editable: bool
    modified_at: str | None = None
    quote: str | None = None


class SourceCodings(BaseModel):
    codings: list[CodingOut]
    cursor: int


class CodingChanges(BaseModel):
    codings: list[CodingOut]
    deleted: list[str]
    cursor: int


class CodingFilters(PageParams):
    code: list[Id] = Field([], description="Codes (each with its sub-codes).")
    source: list[Id] = Field([], description="Sources.")
    coder: list[str] = Field([], description="Coders' usernames.")
    attribute: list[str] = Field(
        [],
        description="`key=value`: an interviewee field (country, sector, organisation, role) "
        "or `attr:<id>` of a free attribute.",
    )
    date_from: datetime.date | None = Field(None, description="Coded on or after (YYYY-MM-DD).")
    date_to: datetime.date | None = Field(None, description="Coded on or before.")
    quotes: bool = Field(True, description="Include each coding's quote.")


class PinIn(Schema):
    code: BodyId
    slot: StrictInt | None = Field(
        None, le=MAX_OFFSET, description="A number key from 1 to 9; null unpins the code."
    )


class Pin(BaseModel):
    slot: int
    code: int


class Pins(BaseModel):
    pins: list[Pin]


# ---- the codings of one source (the coding page) -----------------------------------------
@router.get(
    "/projects/{id:pk}/sources/{id:source_pk}/codings/",
    response={200: SourceCodings | CodingChanges},
    url_name="source_codings",
    summary="A source's codings, or what changed since a cursor",
    exclude_none=True,
)
def source_codings(
    request: HttpRequest,
    pk: int,
    source_pk: int,
    since: int | None = Query(None, ge=0, le=MAX_OFFSET, description="A `cursor` seen before."),
    quotes: bool = Query(True, description="Include each coding's quote."),
):
    """Every coding of the source the caller may see (with a `cursor`); with `since`, the
    codings created or changed since that cursor and the guids of those deleted."""
    access, source = guard.project_source(request, pk, source_pk)
    if since is not None:
        return workspace_data.changes_since(source, access, since)
    return workspace_data.source_codings_json(source, access, quotes=quotes)


@router.post(
    "/projects/{id:pk}/sources/{id:source_pk}/codings/",
    response={201: CodingOut},
    auth=member(Perm.CODE),
    url_name="source_codings_create",
    summary="Code a passage",
)
def source_coding_create(request: HttpRequest, pk: int, source_pk: int, payload: CodingIn):
    """Apply a code to [start, end) of the source. With `quote`, the text there must match."""
    # One query reads the project with the caller's role, the source, the code and the quote:
    # this is the coding page's hot path.
    access, source, code = services.coding_target(
        request.user, pk, source_pk, payload.code, (payload.start, payload.end)
    )
    if source is None:
        raise Http404("No such source.")
    if code is None:
        raise ValidationError({"code": ["There is no such code in this project."]})
    coding = services.coding_create(
        source=source,
        code=code,
        coder=request.user,
        start=payload.start,
        end=payload.end,
        quote=payload.quote,
        memo=payload.memo,
    )
    data = workspace_data.coding_json(
        coding, access, quote=payload.quote, memo=payload.memo.strip()
    )
    data["source"] = source.pk
    return Status(201, data)


# ---- the project's codings ----------------------------------------------------------------
def _filters(access: Access, query: CodingFilters) -> dict:
    attributes = {}
    for item in query.attribute:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError({"attribute": ["Write each attribute filter as key=value."]})
        attributes[key.strip()] = value.strip()
    filters = {
        "attributes": attributes,
        "sources": query.source,
        "coders": [],
        "date_from": query.date_from.isoformat() if query.date_from else "",
        "date_to": query.date_to.isoformat() if query.date_to else "",
    }
    try:
        filters_validate(filters, access.project)
    except ValidationError as error:
        raise ValidationError({"filters": error.messages}) from None
    return filters


def _rows(access: Access, codings, *, quotes: bool) -> list[dict]:
    rows = workspace_data.coding_rows(codings, access, with_source=True)
    words = coding_quotes(codings) if quotes and rows else {}
    for row in rows:
        row["quote"] = words.get(row["id"])
    return rows


@router.get(
    "/projects/{id:pk}/codings/",
    response=page_of(CodingOut),
    url_name="codings",
    summary="The project's codings, filtered, a page at a time",
)
def codings(request: HttpRequest, pk: int, query: Query[CodingFilters]):
    """The codings the caller may see (not those of interviewees who withdrew consent),
    by id, with filters by code (with sub-codes), source, coder, attribute and date."""
    access = guard.project(request, pk)
    filters = _filters(access, query)
    selected = codings_filter(
        guard.codings_for_analysis(access), project=access.project, filters=filters
    )
    if query.code:
        known = dict(Code.objects.filter(project=access.project).values_list("pk", "parent_id"))
        wanted = set()
        for code_id in query.code:
            if code_id not in known:
                raise ValidationError({"code": [f"There is no code {code_id} in this project."]})
            wanted |= _subtree(known, code_id)
        selected = selected.filter(code_id__in=wanted)
    if query.coder:
        selected = selected.filter(coder__username__in=query.coder)
    return page(
        selected.values("pk"),
        query,
        convert=lambda rows: _rows(
            access,
            Coding.objects.filter(pk__in=[r["pk"] for r in rows]).order_by("pk"),
            quotes=query.quotes,
        ),
    )


def _subtree(parents: dict[int, int | None], code_id: int) -> set[int]:
    found = {code_id}
    grew = True
    while grew:
        more = {pk for pk, parent in parents.items() if parent in found} - found
        found |= more
        grew = bool(more)
    return found


@router.post(
    "/projects/{id:pk}/codings/",
    response={201: page_of(CodingOut)},
    auth=member(Perm.CODE),
    url_name="codings_create",
    summary="Code many passages in one transaction",
)
def codings_create(request: HttpRequest, pk: int, payload: CodingBatchIn):
    """All or nothing: when one coding is refused, none is stored and the answer names it
    (`fields` holds `codings.<index>`)."""
    access = guard.project(request, pk)
    items = payload.codings
    sources = {
        s.pk: s
        for s in guard.sources(access).defer("text").filter(pk__in={i.source for i in items})
    }
    codes = {
        c.pk: c
        for c in Code.objects.filter(
            project=access.project, pk__in={i.code for i in items}
        ).select_related("parent__parent")
    }
    created: list[Coding] = []
    errors: dict[str, list[str]] = {}
    conflict = False
    with transaction.atomic():
        for index, item in enumerate(items):
            source, code = sources.get(item.source), codes.get(item.code)
            if source is None or code is None:
                what = "source" if source is None else "code"
                errors[f"codings.{index}"] = [f"There is no such {what} in this project."]
                continue
            source.project = access.project
            try:
                # A refused coding raises before it writes, so the transaction stays usable
                # and every refusal of the batch can be reported.
                created.append(
                    services.coding_create(
                        source=source,
                        code=code,
                        coder=request.user,
                        start=item.start,
                        end=item.end,
                        quote=item.quote,
                        memo=item.memo,
                    )
                )
            except ValidationError as error:
                conflict |= CONFLICT in error_codes(error)
                errors[f"codings.{index}"] = error.messages
        if errors:
            transaction.set_rollback(True)
    if errors:
        first = next(iter(errors))
        raise ApiError(
            409 if conflict else 400,
            f"Nothing was stored: {len(errors)} of {len(items)} codings were refused "
            f"({first}: {errors[first][0]})",
            errors,
        )
    if len(created) > THRESHOLD:
        # A batch large beside the tables (a project's first codings loaded through the API)
        # leaves the planner's statistics behind; smaller ones cannot pass the threshold.
        statistics_refreshed({Coding: len(created), Change: len(created)})
    rows = _rows(access, Coding.objects.filter(pk__in=[c.pk for c in created]), quotes=True)
    return Status(201, {"items": rows, "next": None})


def _coding(access: Access, coding_pk: int) -> Coding:
    coding = one(
        guard.codings_on_page(access)
        .filter(pk=coding_pk, source__project=access.project)
        .select_related("coder", "code", "source"),
        "coding",
    )
    coding.source.project = access.project
    return coding


@router.get(
    "/projects/{id:pk}/codings/{id:coding_pk}/",
    response=CodingOut,
    url_name="coding",
    summary="One coding",
)
def coding_get(request: HttpRequest, pk: int, coding_pk: int):
    access = guard.project(request, pk)
    coding = _coding(access, coding_pk)
    return {
        **workspace_data.coding_json(coding, access, quote=coding.quote),
        "source": coding.source_id,
    }


@router.patch(
    "/projects/{id:pk}/codings/{id:coding_pk}/",
    response=CodingOut,
    auth=member(Perm.CODE),
    url_name="coding_update",
    summary="Move, recode or annotate a coding",
)
def coding_update(request: HttpRequest, pk: int, coding_pk: int, payload: CodingPatch):
    access = guard.project(request, pk)
    coding = _coding(access, coding_pk)
    if not coding.editable_by(access):
        raise PermissionDenied("You may change only your own codings.")
    code = None
    if payload.code is not None:
        code = (
            Code.objects.filter(pk=payload.code, project=access.project)
            .select_related("parent__parent")
            .first()
        )
        if code is None:
            raise ValidationError({"code": ["There is no such code in this project."]})
    coding = services.coding_update(
        coding=coding,
        user=request.user,
        code=code,
        start=payload.start,
        end=payload.end,
        quote=payload.quote,
        memo=payload.memo,
    )
    data = workspace_data.coding_json(coding, access, quote=payload.quote)
    return {**data, "source": coding.source_id}


@router.delete(
    "/projects/{id:pk}/codings/{id:coding_pk}/",
    response={204: None},
    auth=member(Perm.CODE),
    url_name="coding_delete",
    summary="Delete a coding (its last state stays in the history)",
)
def coding_delete(request: HttpRequest, pk: int, coding_pk: int):
    access = guard.project(request, pk)
    coding = _coding(access, coding_pk)
    if not coding.editable_by(access):
        raise PermissionDenied("You may change only your own codings.")
    services.coding_delete(coding=coding, user=request.user)
    return Status(204, None)


# ---- number keys ------------------------------------------------------------------------
@router.get("/projects/{id:pk}/pins/", response=Pins, url_name="pins", summary="Number keys")
def pins(request: HttpRequest, pk: int):
    """The caller's number-key codes (without pins, the first nine codable codes)."""
    return {"pins": workspace_data.pins_json(guard.project(request, pk))}


@router.post(
    "/projects/{id:pk}/pins/",
    response=Pins,
    auth=member(Perm.CODE),
    url_name="pins_set",
    summary="Put a code on a number key",
)
def pins_set(request: HttpRequest, pk: int, payload: PinIn):
    access = guard.project(request, pk)
    code = Code.objects.filter(pk=payload.code, project=access.project).first()
    if code is None:
        raise ValidationError({"code": ["There is no such code in this project."]})
    workspace_data.pin_set(access, code, payload.slot)
    return {"pins": workspace_data.pins_json(access)}


# ---- codes (the codebook page's choices, through coding's codebook services) -------------
class CodeOut(BaseModel):
    id: int
    guid: str
    name: str
    path: str
    parent: int | None
    depth: int
    order: int
    colour: str
    definition: str
    inclusion: str
    exclusion: str
    example: str
    is_codable: bool
    codings: int = Field(..., description="How many codings the caller may see.")


class CodeIn(Schema):
    name: StrictStr = Field(..., min_length=1, max_length=200)
    parent: BodyId | None = Field(None, description="The parent code's id.")
    colour: StrictStr = Field("#1e88e5", pattern=r"^#[0-9a-fA-F]{6}$")
    definition: StrictStr = ""
    inclusion: StrictStr = ""
    exclusion: StrictStr = ""
    example: StrictStr = ""
    is_codable: StrictBool = True


class CodePatch(Schema):
    name: StrictStr | None = Field(None, min_length=1, max_length=200)
    colour: StrictStr | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    definition: StrictStr | None = None
    inclusion: StrictStr | None = None
    exclusion: StrictStr | None = None
    example: StrictStr | None = None
    is_codable: StrictBool | None = None
    parent: StrictInt | None = Field(
        None, ge=0, le=MAX_OFFSET, description="Move under this code; 0 moves it to the top level."
    )


class ReorderIn(Schema):
    direction: Literal["up", "down"]


class MergeIn(Schema):
    into: BodyId = Field(..., description="The code that takes everything.")


class MergeOut(BaseModel):
    message: str
    moved: int
    collapsed: int
    memos_repointed: int
    children_moved: list[str]
    into: CodeOut


def _codes(access: Access, only: int | None = None) -> list[dict]:
    from django.db.models import Count

    counts = dict(
        guard.codings_on_page(access)
        .filter(source__project=access.project)
        .values("code_id")
        .annotate(n=Count("pk"))
        .values_list("code_id", "n")
    )
    return [
        {
            "id": c.pk,
            "guid": str(c.guid),
            "name": c.name,
            "path": c.path,
            "parent": c.parent_id,
            "depth": c.depth,
            "order": c.order,
            "colour": c.colour,
            "definition": c.definition,
            "inclusion": c.inclusion,
            "exclusion": c.exclusion,
            "example": c.example,
            "is_codable": c.is_codable,
            "codings": counts.get(c.pk, 0),
        }
        for c in Code.objects.filter(project=access.project).tree_order()
        if only is None or c.pk == only
    ]


def _code_of(access: Access, code_pk: int, field: str | None = None) -> Code:
    found = Code.objects.filter(pk=code_pk, project=access.project)
    if field and not found.exists():
        raise ValidationError({field: ["There is no such code in this project."]})
    return one(found, "code")


@codes_router.get(
    "/projects/{id:pk}/codes/", response=list[CodeOut], url_name="codes", summary="The codebook"
)
def codes(request: HttpRequest, pk: int):
    """Every code in tree order (depth first, siblings in order), with its path."""
    return _codes(guard.project(request, pk))


@codes_router.get(
    "/projects/{id:pk}/codes/{id:code_pk}/", response=CodeOut, url_name="code", summary="A code"
)
def code_get(request: HttpRequest, pk: int, code_pk: int):
    access = guard.project(request, pk)
    return _codes(access, _code_of(access, code_pk).pk)[0]


@codes_router.post(
    "/projects/{id:pk}/codes/",
    response={201: CodeOut},
    auth=member(Perm.MANAGE_CODEBOOK),
    url_name="codes_create",
    summary="Create a code",
)
def code_create(request: HttpRequest, pk: int, payload: CodeIn):
    access = guard.project(request, pk)
    fields = payload.dict(exclude={"parent"})
    parent = _code_of(access, payload.parent, "parent") if payload.parent else None
    code = codebook_services.code_create(
        project=access.project, user=request.user, parent=parent, **fields
    )
    return Status(201, _codes(access, code.pk)[0])


@codes_router.patch(
    "/projects/{id:pk}/codes/{id:code_pk}/",
    response=CodeOut,
    auth=member(Perm.MANAGE_CODEBOOK),
    url_name="code_update",
    summary="Rename, recolour, redefine or move a code",
)
def code_update(request: HttpRequest, pk: int, code_pk: int, payload: CodePatch):
    access = guard.project(request, pk)
    code = _code_of(access, code_pk)
    fields = payload.dict(exclude_none=True, exclude={"parent"})
    with transaction.atomic():
        if fields:
            code = codebook_services.code_update(code=code, user=request.user, **fields)
        if payload.parent is not None:
            parent = _code_of(access, payload.parent, "parent") if payload.parent else None
            code = codebook_services.code_move(code=code, user=request.user, parent=parent)
    return _codes(access, code.pk)[0]


@codes_router.post(
    "/projects/{id:pk}/codes/{id:code_pk}/reorder/",
    response=list[CodeOut],
    auth=member(Perm.MANAGE_CODEBOOK),
    url_name="code_reorder",
    summary="Move a code one place up or down among its siblings",
)
def code_reorder(request: HttpRequest, pk: int, code_pk: int, payload: ReorderIn):
    """Answers the whole codebook in its new order."""
    access = guard.project(request, pk)
    codebook_services.code_reorder(
        code=_code_of(access, code_pk), user=request.user, direction=payload.direction
    )
    return _codes(access)


@codes_router.post(
    "/projects/{id:pk}/codes/{id:code_pk}/merge/",
    response=MergeOut,
    auth=member(Perm.MANAGE_CODEBOOK),
    url_name="code_merge",
    summary="Merge a code into another",
)
def code_merge(request: HttpRequest, pk: int, code_pk: int, payload: MergeIn):
    """Every coding, memo and sub-code moves to `into`; exact duplicates are joined; the
    code goes."""
    access = guard.project(request, pk)
    code = _code_of(access, code_pk)
    into = _code_of(access, payload.into, "into")
    report = codebook_services.code_merge(code=code, into=into, user=request.user)
    return {
        "message": report.message,
        "moved": report.moved,
        "collapsed": report.collapsed,
        "memos_repointed": report.memos_repointed,
        "children_moved": report.children_moved,
        "into": _codes(access, into.pk)[0],
    }


@codes_router.delete(
    "/projects/{id:pk}/codes/{id:code_pk}/",
    response={200: dict[str, str]},
    auth=member(Perm.MANAGE_CODEBOOK),
    url_name="code_delete",
    summary="Delete a code",
)
def code_delete(
    request: HttpRequest,
    pk: int,
    code_pk: int,
    codings: Literal["parent", "delete"] = Query(
        ..., description="Move its codings to the parent code, or delete them."
    ),
):
    """Sub-codes move up to the deleted code's parent; deleted codings stay restorable from
    the history."""
    access = guard.project(request, pk)
    code = _code_of(access, code_pk)
    message = codebook_services.code_delete(code=code, user=request.user, codings=codings)
    return {"message": message}


# ---- memos --------------------------------------------------------------------------------
class MemoOut(BaseModel):
    id: int
    guid: str
    title: str
    text: str
    author: str | None
    about: str = Field(..., description="project, source, code, interviewee or coding")
    target: int | None = Field(None, description="The id of what the memo is about.")
    created_at: datetime.datetime
    modified_at: datetime.datetime


class MemoIn(Schema):
    about: Literal["project", "source", "code", "interviewee", "coding"] = "project"
    target: BodyId | None = None
    title: StrictStr = Field("", max_length=200)
    text: StrictStr = Field(..., min_length=1)


class MemoPatch(Schema):
    title: StrictStr | None = Field(None, max_length=200)
    text: StrictStr | None = Field(None, min_length=1)


class MemoFilters(PageParams):
    about: Literal["project", "source", "code", "interviewee", "coding"] | None = None
    source: int | None = Field(None, ge=1, le=2**62)
    code: int | None = Field(None, ge=1, le=2**62)


def _memo(memo) -> dict:
    kind = memo.target_kind
    return {
        "id": memo.pk,
        "guid": str(memo.guid),
        "title": memo.title,
        "text": memo.text,
        "author": memo.author.username if memo.author_id else None,
        "about": kind,
        "target": getattr(memo, f"{kind}_id", None) if kind != "project" else None,
        "created_at": memo.created_at,
        "modified_at": memo.modified_at,
    }


def _memo_changeable(access: Access, memo_pk: int):
    memo = one(guard.memos(access).filter(pk=memo_pk), "memo")
    if memo.author_id != access.user.pk and not access.can(Perm.MANAGE_MEMBERS):
        raise PermissionDenied("Only the memo's author can change it.")
    return memo


@memos_router.get(
    "/projects/{id:pk}/memos/", response=page_of(MemoOut), url_name="memos", summary="Memos"
)
def memos(request: HttpRequest, pk: int, query: Query[MemoFilters]):
    access = guard.project(request, pk)
    found = guard.memos(access)
    if query.about:
        found = found.filter(**MEMO_KINDS[query.about])
    if query.source:
        found = found.filter(source_id=query.source) | found.filter(coding__source_id=query.source)
    if query.code:
        found = found.filter(code_id=query.code) | found.filter(coding__code_id=query.code)
    return page(found.distinct(), query, convert=lambda rows: [_memo(m) for m in rows])


@memos_router.post(
    "/projects/{id:pk}/memos/",
    response={201: MemoOut},
    auth=member(Perm.CODE),
    url_name="memos_create",
    summary="Write a memo",
)
def memo_add(request: HttpRequest, pk: int, payload: MemoIn):
    access = guard.project(request, pk)
    try:
        target = memo_target(access, payload.about, payload.target)
    except ValidationError as error:
        raise ValidationError({"target": error.messages}) from None
    memo = memo_create(access=access, target=target, text=payload.text, title=payload.title)
    return Status(201, _memo(memo))


@memos_router.patch(
    "/projects/{id:pk}/memos/{id:memo_pk}/",
    response=MemoOut,
    auth=member(Perm.CODE),
    url_name="memo_update",
    summary="Change a memo",
)
def memo_change(request: HttpRequest, pk: int, memo_pk: int, payload: MemoPatch):
    access = guard.project(request, pk)
    memo = _memo_changeable(access, memo_pk)
    memo = memo_update(
        memo=memo,
        text=payload.text if payload.text is not None else memo.text,
        title=payload.title if payload.title is not None else memo.title,
    )
    return _memo(memo)


@memos_router.delete(
    "/projects/{id:pk}/memos/{id:memo_pk}/",
    response={204: None},
    auth=member(Perm.CODE),
    url_name="memo_delete",
    summary="Delete a memo",
)
def memo_remove(request: HttpRequest, pk: int, memo_pk: int):
    memo_delete(memo=_memo_changeable(guard.project(request, pk), memo_pk))
    return Status(204, None)


# ---- saved queries ------------------------------------------------------------------------
class SavedQueryOut(BaseModel):
    id: int
    name: str
    definition: dict
    created_by: str | None
    created_at: datetime.datetime


class Passage(BaseModel):
    source: int
    source_title: str
    start: int
    end: int
    text: str


class QueryResultOut(BaseModel):
    total: int
    source_count: int
    characters: int
    passages: list[Passage]


@queries_router.get(
    "/projects/{id:pk}/queries/",
    response=list[SavedQueryOut],
    url_name="queries",
    summary="Saved coding queries",
)
def saved_queries(request: HttpRequest, pk: int):
    access = guard.project(request, pk)
    return [
        {
            "id": q.pk,
            "name": q.name,
            "definition": q.definition,
            "created_by": q.created_by.username if q.created_by_id else None,
            "created_at": q.created_at,
        }
        for q in SavedQuery.objects.filter(project=access.project).select_related("created_by")
    ]


@queries_router.get(
    "/projects/{id:pk}/queries/{id:query_pk}/run/",
    response=QueryResultOut,
    url_name="query_run",
    summary="Run a saved query",
)
def saved_query_run(
    request: HttpRequest,
    pk: int,
    query_pk: int,
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(100, ge=1, le=1000),
):
    """The passages the query finds among the codings the caller may see."""
    access = guard.project(request, pk)
    saved = one(SavedQuery.objects.filter(pk=query_pk, project=access.project), "saved query")
    result = query_run(
        access=access, spec=QuerySpec.from_json(saved.definition), offset=offset, limit=limit
    )
    return {
        "total": result.total,
        "source_count": result.source_count,
        "characters": result.characters,
        "passages": [
            {
                "source": p.source_id,
                "source_title": p.source_title,
                "start": p.start,
                "end": p.end,
                "text": p.text,
            }
            for p in result.passages
        ],
    }
