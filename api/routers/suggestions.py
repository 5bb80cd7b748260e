"""Coding help: the suggestions of rules and of the learned classifier that a member may
review, and accepting or rejecting them (an accepted one becomes the caller's coding)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import BaseModel, StrictInt

from api import guard
from api.auth import member
from api.pagination import Id, PageParams, page, page_of
from api.routers.projects import form_valid
from coding.models import MAX_OFFSET
from coding.suggestion_forms import AcceptAllForm
from coding.suggestion_models import Suggestion
from coding.suggestion_services import (
    suggestion_accept,
    suggestion_reject,
    suggestions_accept_scoring,
)
from interviews.access import Access, Perm

router = Router(tags=["coding help"])

GONE = "This suggestion is no longer pending."


class SuggestionOut(BaseModel):
    id: int
    code: int
    start: int
    end: int
    score: float
    origin: str = Field(..., description="rule or model")
    origin_label: str = Field(..., description="Which rule, or which version of the model.")


class Accepted(BaseModel):
    status: str = Field(..., description="accepted")
    coding: int = Field(..., description="The id of the caller's coding it became.")
    origin: str


class Rejected(BaseModel):
    status: str = Field(..., description="rejected")


class AcceptAllIn(Schema):
    min_score: float = Field(
        ..., ge=0, le=1, description="Accept those scoring at least this (0 to 1)."
    )
    code: StrictInt | None = Field(None, ge=1, le=MAX_OFFSET, description="Only this code's.")


class AcceptedCount(BaseModel):
    accepted: int = Field(..., description="How many codings resulted.")


def _suggestion_json(suggestion: Suggestion) -> dict:
    return {
        "id": suggestion.pk,
        "code": suggestion.code_id,
        "start": suggestion.start,
        "end": suggestion.end,
        "score": suggestion.score,
        "origin": suggestion.origin,
        "origin_label": suggestion.origin_label,
    }


def _pending(access: Access, suggestion_pk: int) -> Suggestion:
    found = guard.suggestions(access).filter(pk=suggestion_pk).first()
    if found is None:
        raise Http404(GONE)
    return found


class SuggestionFilters(PageParams):
    code: Id | None = Field(None, description="Only this code's.")
    source: Id | None = Field(None, description="Only this source's.")


@router.get(
    "/projects/{id:pk}/suggestions/",
    response=page_of(SuggestionOut),
    url_name="suggestions",
    summary="The project's pending suggestions, a page at a time",
)
def suggestions(request: HttpRequest, pk: int, query: Query[SuggestionFilters]):
    """Those the caller may review (none for members who may not code), by id."""
    access = guard.project(request, pk)
    found = guard.suggestions(access)
    if query.code:
        found = found.filter(code_id=query.code)
    if query.source:
        found = found.filter(source_id=query.source)
    return page(found, query, convert=lambda rows: [_suggestion_json(s) for s in rows])


@router.get(
    "/projects/{id:pk}/sources/{id:source_pk}/suggestions/",
    response=list[SuggestionOut],
    url_name="source_suggestions",
    summary="The pending suggestions of a source",
)
def source_suggestions(request: HttpRequest, pk: int, source_pk: int):
    """Those the caller may review, in text order; none for members who may not code."""
    access, source = guard.project_source(request, pk, source_pk)
    found = guard.suggestions(access).filter(source=source).order_by("start", "end")
    return [_suggestion_json(s) for s in found]


@router.post(
    "/projects/{id:pk}/suggestions/{id:suggestion_pk}/accept/",
    response=Accepted,
    auth=member(Perm.CODE),
    url_name="suggestion_accept",
    summary="Accept a suggestion as your coding",
)
def accept(request: HttpRequest, pk: int, suggestion_pk: int):
    """A passage the caller already coded with the code keeps that coding."""
    access = guard.project(request, pk)
    coding = suggestion_accept(suggestion=_pending(access, suggestion_pk), user=request.user)
    return {"status": "accepted", "coding": coding.pk, "origin": coding.origin}


@router.post(
    "/projects/{id:pk}/suggestions/{id:suggestion_pk}/reject/",
    response=Rejected,
    auth=member(Perm.CODE),
    url_name="suggestion_reject",
    summary="Reject a suggestion (it is not proposed again)",
)
def reject(request: HttpRequest, pk: int, suggestion_pk: int):
    access = guard.project(request, pk)
    suggestion_reject(suggestion=_pending(access, suggestion_pk), user=request.user)
    return {"status": "rejected"}


@router.post(
    "/projects/{id:pk}/sources/{id:source_pk}/suggestions/accept/",
    response=AcceptedCount,
    auth=member(Perm.CODE),
    url_name="source_suggestions_accept",
    summary="Accept every pending suggestion of a source at or above a score",
)
def accept_all(request: HttpRequest, pk: int, source_pk: int, payload: AcceptAllIn):
    access, source = guard.project_source(request, pk, source_pk)
    form = AcceptAllForm(
        data={"source": source.pk, "min_score": payload.min_score, "code": payload.code or ""},
        project=access.project,
    )
    form_valid(form)
    accepted = suggestions_accept_scoring(
        guard.suggestions(access), **form.cleaned_data, user=request.user
    )
    return {"accepted": accepted}
