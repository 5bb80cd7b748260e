"""Sources: metadata, text, segments (speaker turns with timestamps), and uploads that
become one import job."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import BaseModel, StrictFloat, StrictInt

from api import guard
from api.auth import member
from api.errors import one
from api.pagination import PageParams, page, page_of
from api.routers.projects import JobOut, form_valid, job_json
from coding.models import MAX_OFFSET
from interviews.access import Perm
from interviews.forms import SourceImportForm
from interviews.importers import ImportRefused
from interviews.ingest import batches
from interviews.ingest.files import pasted_name
from interviews.models import AttributeValue, Segment, SegmentKind, Source
from interviews.recordings import services as recordings
from interviews.recordings.models import Recording, SyncPoint

router = Router(tags=["sources"])


class SourceOut(BaseModel):
    id: int
    guid: str
    title: str
    kind: str
    language: str
    date: datetime.date | None
    interviewer: str
    interviewees: list[int] = Field(..., description="Interviewee ids.")
    original_name: str
    checksum: str
    word_count: int
    length: int = Field(..., description="The text's length in code points.")
    nlp_status: str
    attributes: dict[str, str] = Field(..., description="Source-level attribute values.")
    created_at: datetime.datetime


class SourceFilters(PageParams):
    kind: str | None = Field(None, description="interview, document or other")
    interviewee: int | None = Field(None, ge=1, le=2**62, description="An interviewee's id.")
    title: str | None = Field(None, max_length=300, description="Part of the title.")


class SourceText(BaseModel):
    id: int
    text: str
    length: int


class SegmentOut(BaseModel):
    id: int
    kind: str
    start: int
    end: int
    speaker: str = Field(..., description="Pseudonym, “Interviewer” or the label as written.")
    interviewee: int | None
    is_interviewer: bool
    timestamp: float | None = Field(None, description="Seconds from the start.")


def _sources(rows: list[Source]) -> list[dict]:
    ids = [s.pk for s in rows]
    people: dict[int, list[int]] = {pk: [] for pk in ids}
    for source_id, person in Source.interviewees.through.objects.filter(
        source_id__in=ids
    ).values_list("source_id", "interviewee_id"):
        people[source_id].append(person)
    values: dict[int, dict[str, str]] = {pk: {} for pk in ids}
    for source_id, name, value in AttributeValue.objects.filter(source_id__in=ids).values_list(
        "source_id", "attribute__name", "value"
    ):
        values[source_id][name] = value
    return [
        {
            "id": s.pk,
            "guid": str(s.guid),
            "title": s.title,
            "kind": s.kind,
            "language": s.language,
            "date": s.date,
            "interviewer": s.interviewer,
            "interviewees": sorted(people[s.pk]),
            "original_name": s.original_name,
            "checksum": s.checksum,
            "word_count": s.word_count,
            "length": s.length,
            "nlp_status": s.nlp_status,
            "attributes": values[s.pk],
            "created_at": s.created_at,
        }
        for s in rows
    ]


def _with_length(sources):
    """Without the texts, each with its length: the one stored with its code points (the
    database would otherwise walk each text, megabytes for a long transcript), or the
    text's where none is stored yet."""
    from django.db.models import F
    from django.db.models.functions import Coalesce, Length

    return sources.defer("text").annotate(length=Coalesce(F("code_points__length"), Length("text")))


@router.get(
    "/projects/{id:pk}/sources/",
    response=page_of(SourceOut),
    url_name="sources",
    summary="The project's sources (metadata)",
)
def sources(request: HttpRequest, pk: int, query: Query[SourceFilters]):
    access = guard.project(request, pk)
    found = guard.sources(access)
    if query.kind:
        found = found.filter(kind=query.kind)
    if query.interviewee:
        found = found.filter(interviewees=query.interviewee)
    if query.title:
        found = found.filter(title__icontains=query.title.replace("\x00", ""))
    return page(_with_length(found), query, convert=_sources)


@router.get(
    "/projects/{id:pk}/sources/{id:source_pk}/",
    response=SourceOut,
    url_name="source",
    summary="One source (metadata)",
)
def source(request: HttpRequest, pk: int, source_pk: int):
    guard.project_source(request, pk, source_pk)
    return _sources([_with_length(Source.objects.filter(pk=source_pk)).get()])[0]


@router.get(
    "/projects/{id:pk}/sources/{id:source_pk}/text/",
    response=SourceText,
    url_name="source_text",
    summary="A source's text: what offsets count in (code points)",
)
def source_text(request: HttpRequest, pk: int, source_pk: int):
    text = guard.source_text(*guard.project_source(request, pk, source_pk))
    return {"id": source_pk, "text": text, "length": len(text)}


class SegmentQuery(Schema):
    kind: SegmentKind | None = Field(None, description="turn, paragraph or sentence")


@router.get(
    "/projects/{id:pk}/sources/{id:source_pk}/segments/",
    response=list[SegmentOut],
    url_name="source_segments",
    summary="Speaker turns, paragraphs and sentences with their offsets and times",
)
def source_segments(
    request: HttpRequest,
    pk: int,
    source_pk: int,
    query: Query[SegmentQuery],
):
    _access, source = guard.project_source(request, pk, source_pk)
    found = Segment.objects.filter(source=source).select_related("interviewee")
    if query.kind:
        found = found.filter(kind=query.kind)
    return [
        {
            "id": s.pk,
            "kind": s.kind,
            "start": s.start,
            "end": s.end,
            "speaker": s.display_speaker,
            "interviewee": s.interviewee_id,
            "is_interviewer": s.is_interviewer,
            "timestamp": s.timestamp,
        }
        for s in found.order_by("start", "end", "pk")
    ]


class UploadOptions(Schema):
    language: str = Field("", description="ISO code; empty detects each file's language.")
    kind: str = Field("interview", description="interview, document or other")
    interviewer: str = Field("", max_length=200)
    text: str = Field("", description="Pasted text instead of files.")
    title: str = Field("", max_length=300, description="The pasted text's title.")


@router.post(
    "/projects/{id:pk}/sources/",
    response={202: JobOut},
    auth=member(Perm.IMPORT),
    url_name="sources_import",
    summary="Import one or many files (or a .zip, or pasted text) as one job",
)
def sources_import(
    request: HttpRequest,
    pk: int,
    options: Form[UploadOptions],
    files: File[list[UploadedFile]] = None,
):
    """Answers 202 with the import job; follow it at `/projects/{pk}/jobs/{guid}/`. Each file
    succeeds or fails alone (the job's `messages` say why); speakers are mapped as the import
    page would preselect them."""
    access = guard.project(request, pk)
    form = SourceImportForm(request.POST, request.FILES)
    form_valid(form)
    data = form.cleaned_data
    batch = batches.BatchOptions(
        language=data["language"], kind=data["kind"], interviewer=data["interviewer"]
    )
    if data["files"]:
        uploads = [(upload.name, upload.read()) for upload in data["files"]]
    else:
        uploads = [(pasted_name(data["title"]), data["text"].encode("utf-8"))]
    try:
        key = batches.import_batch_stage(files=uploads, options=batch)
    except ImportRefused as error:
        raise ValidationError({"files": [f"{error} Nothing was imported."]}) from None
    job = batches.import_batch_start(
        project=access.project, user=request.user, key=key, speaker_map={}
    )
    job.refresh_from_db()
    return Status(202, job_json(job))


# ---- a recording's sync points and duration -----------------------------------------------
class SyncPointOut(BaseModel):
    position: int = Field(..., description="Code points from the start of the text.")
    time: float = Field(..., description="Seconds from the start of the recording.")
    id: int | None = Field(None, description="The stored point's id (null: a turn's time).")
    manual: bool = Field(..., description="Set by hand (it wins over a turn's or a cue's time).")


class SyncPointIn(Schema):
    position: StrictInt = Field(..., ge=0, le=MAX_OFFSET, description="Code points.")
    time: StrictFloat = Field(..., ge=0, lt=1e7, allow_inf_nan=False, description="Seconds.")


class DurationIn(Schema):
    duration: StrictFloat = Field(..., ge=0, lt=1e7, allow_inf_nan=False, description="Seconds.")


class DurationOut(BaseModel):
    duration: float | None
    kept: bool = Field(..., description="False when the server had read a duration itself.")


@router.get(
    "/projects/{id:pk}/sources/{id:source_pk}/sync-points/",
    response=list[SyncPointOut],
    url_name="source_sync_points",
    summary="Where the text meets the recording: the sync points in force",
)
def sync_points(request: HttpRequest, pk: int, source_pk: int):
    return recordings.player_points(guard.project_source(request, pk, source_pk)[1])


@router.post(
    "/projects/{id:pk}/sources/{id:source_pk}/sync-points/",
    response=list[SyncPointOut],
    auth=member(Perm.SYNC_RECORDINGS),
    url_name="source_sync_point_set",
    summary="Tie a position of the text to a time of the recording",
)
def sync_point_set(request: HttpRequest, pk: int, source_pk: int, payload: SyncPointIn):
    """A point already at that position moves to the new time. Answers every point."""
    _access, source = guard.project_source(request, pk, source_pk)
    recordings.sync_point_set(
        source=source, position=payload.position, time=payload.time, user=request.user
    )
    return recordings.player_points(source)


@router.delete(
    "/projects/{id:pk}/sources/{id:source_pk}/sync-points/{id:point_pk}/",
    response=list[SyncPointOut],
    auth=member(Perm.SYNC_RECORDINGS),
    url_name="source_sync_point_delete",
    summary="Remove a sync point set by hand or read from cues",
)
def sync_point_delete(request: HttpRequest, pk: int, source_pk: int, point_pk: int):
    """Answers the points left."""
    _access, source = guard.project_source(request, pk, source_pk)
    point = one(SyncPoint.objects.filter(pk=point_pk, source=source), "sync point")
    recordings.sync_point_delete(point=point)
    return recordings.player_points(source)


@router.post(
    "/projects/{id:pk}/sources/{id:source_pk}/recording/duration/",
    response=DurationOut,
    auth=member(Perm.CODE),
    url_name="recording_duration",
    summary="Report the duration a browser measured",
)
def recording_duration(request: HttpRequest, pk: int, source_pk: int, payload: DurationIn):
    """Kept only when the server could not read the recording's duration itself."""
    _access, source = guard.project_source(request, pk, source_pk)
    recording = Recording.objects.filter(source=source).first()
    if recording is None:
        raise Http404("This source has no recording.")
    kept = recordings.recording_duration_report(recording=recording, seconds=payload.duration)
    return {"duration": recording.duration, "kept": kept}
