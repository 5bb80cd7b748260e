"""Projects, their members, attributes, interviewees and background jobs."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel, StrictBool, StrictStr

from api import guard
from api.auth import member
from api.errors import one
from api.pagination import PageParams, page, page_of
from interviews import services
from interviews.access import Perm
from interviews.forms import AttributeForm, MemberAddForm, ProjectForm
from interviews.jobs import jobs_listed
from interviews.models import Attribute, AttributeValue, Interviewee, Job, Membership, Role

router = Router(tags=["projects"])


def form_valid(form) -> None:
    """A page's form checks the API's input too: its errors become a 400 with fields."""
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())  # with their codes: "conflict" is a 409


# ---- projects ----------------------------------------------------------------------------
class ProjectIn(Schema):
    name: StrictStr = Field(..., min_length=1, max_length=200)
    description: StrictStr = ""
    blinded_coding: StrictBool = False


class ProjectPatch(Schema):
    name: StrictStr | None = Field(None, min_length=1, max_length=200)
    description: StrictStr | None = None
    blinded_coding: StrictBool | None = None


class ProjectOut(BaseModel):
    id: int
    guid: str
    name: str
    description: str
    blinded_coding: bool
    role: str
    created_at: datetime.datetime


def _project(project, role: str) -> dict:
    return {
        "id": project.pk,
        "guid": str(project.guid),
        "name": project.name,
        "description": project.description,
        "blinded_coding": project.blinded_coding,
        "role": role,
        "created_at": project.created_at,
    }


@router.get(
    "/projects/", response=page_of(ProjectOut), url_name="projects", summary="Your projects"
)
def projects(request: HttpRequest, query: Query[PageParams]):
    roles = dict(Membership.objects.filter(user=request.user).values_list("project_id", "role"))

    def convert(rows):
        return [
            _project(p, Role.ADMIN if request.user.is_superuser else roles.get(p.pk, ""))
            for p in rows
        ]

    return page(guard.projects_of(request), query, convert=convert)


@router.post(
    "/projects/",
    response={201: ProjectOut},
    auth=member(Perm.EDIT_PROJECT),
    url_name="projects_create",
    summary="Create a project (you become its admin)",
)
def project_create(request: HttpRequest, payload: ProjectIn):
    if getattr(request, "api_token", None) is not None and request.api_token.project_ids:
        raise PermissionDenied("A token scoped to projects cannot create projects.")
    form_valid(ProjectForm(data=payload.dict()))
    project = services.project_create(user=request.user, **payload.dict())
    return Status(201, _project(project, Role.ADMIN))


@router.get("/projects/{id:pk}/", response=ProjectOut, url_name="project", summary="A project")
def project(request: HttpRequest, pk: int):
    access = guard.project(request, pk)
    return _project(access.project, access.role)


@router.patch(
    "/projects/{id:pk}/",
    response=ProjectOut,
    auth=member(Perm.EDIT_PROJECT),
    url_name="project_update",
    summary="Rename a project, change its description or blinded coding",
)
def project_update(request: HttpRequest, pk: int, payload: ProjectPatch):
    access = guard.project(request, pk)
    project = access.project
    data = {
        "name": project.name,
        "description": project.description,
        "blinded_coding": project.blinded_coding,
    }
    data.update(payload.dict(exclude_none=True))
    form = ProjectForm(data=data, instance=project)
    form_valid(form)
    form.save()
    return _project(project, access.role)


# ---- members -----------------------------------------------------------------------------
class MemberOut(BaseModel):
    id: int
    username: str
    role: str


class MemberIn(Schema):
    username: StrictStr = Field(..., min_length=1, max_length=150)
    role: Role = Role.CODER


class RoleIn(Schema):
    role: Role


def _member(m: Membership) -> dict:
    return {"id": m.pk, "username": m.user.username, "role": m.role}


@router.get(
    "/projects/{id:pk}/members/",
    response=list[MemberOut],
    url_name="members",
    summary="The project's members and their roles",
)
def members(request: HttpRequest, pk: int):
    access = guard.project(request, pk)
    return [_member(m) for m in access.project.memberships.select_related("user").order_by("pk")]


@router.post(
    "/projects/{id:pk}/members/",
    response={201: MemberOut},
    auth=member(Perm.MANAGE_MEMBERS),
    url_name="members_add",
    summary="Add a member",
)
def member_add(request: HttpRequest, pk: int, payload: MemberIn):
    access = guard.project(request, pk)
    form = MemberAddForm(data=payload.dict(), project=access.project)
    form_valid(form)
    membership = Membership.objects.create(
        project=access.project, user=form.cleaned_data["username"], role=payload.role
    )
    return Status(201, _member(membership))


def _last_admin(membership: Membership) -> bool:
    return (
        membership.role == Role.ADMIN
        and membership.project.memberships.filter(role=Role.ADMIN).count() == 1
    )


@router.patch(
    "/projects/{id:pk}/members/{id:member_pk}/",
    response=MemberOut,
    auth=member(Perm.MANAGE_MEMBERS),
    url_name="member_update",
    summary="Change a member's role",
)
def member_update(request: HttpRequest, pk: int, member_pk: int, payload: RoleIn):
    access = guard.project(request, pk)
    membership = one(
        Membership.objects.select_related("user", "project").filter(
            pk=member_pk, project=access.project
        ),
        "member",
    )
    with transaction.atomic():
        if _last_admin(membership) and payload.role != Role.ADMIN:
            raise ValidationError("A project needs at least one admin.", code="conflict")
        membership.role = payload.role
        membership.save(update_fields=["role"])
    return _member(membership)


@router.delete(
    "/projects/{id:pk}/members/{id:member_pk}/",
    response={204: None},
    auth=member(Perm.MANAGE_MEMBERS),
    url_name="member_remove",
    summary="Remove a member",
)
def member_remove(request: HttpRequest, pk: int, member_pk: int):
    access = guard.project(request, pk)
    membership = one(
        Membership.objects.select_related("project").filter(pk=member_pk, project=access.project),
        "member",
    )
    if _last_admin(membership):
        raise ValidationError("A project needs at least one admin.", code="conflict")
    membership.delete()
    return Status(204, None)


# ---- attributes --------------------------------------------------------------------------
class AttributeIn(Schema):
    name: StrictStr = Field(..., min_length=1, max_length=100)
    type: str = Field("text", description="text, number, date, boolean or choice")
    applies_to: str = Field("interviewee", description="interviewee or source")
    choices: list[StrictStr] = Field([], description="The values of a choice attribute.")
    description: StrictStr = ""
    order: int = Field(0, ge=0, le=2_147_483_647)


class AttributeOut(BaseModel):
    id: int
    guid: str
    name: str
    type: str
    applies_to: str
    choices: list[str]
    description: str
    order: int


def _attribute(a: Attribute) -> dict:
    return {
        "id": a.pk,
        "guid": str(a.guid),
        "name": a.name,
        "type": a.type,
        "applies_to": a.applies_to,
        "choices": a.choice_list,
        "description": a.description,
        "order": a.order,
    }


@router.get(
    "/projects/{id:pk}/attributes/",
    response=list[AttributeOut],
    url_name="attributes",
    summary="The project's attributes (variables)",
)
def attributes(request: HttpRequest, pk: int):
    access = guard.project(request, pk)
    return [_attribute(a) for a in access.project.attributes.all()]


def _attribute_save(access, payload: AttributeIn, instance: Attribute | None) -> Attribute:
    data = {**payload.dict(), "choices": "\n".join(payload.choices)}
    form = AttributeForm(data=data, instance=instance, project=access.project)
    form_valid(form)  # a name the project has already is a 409
    return form.save()


@router.post(
    "/projects/{id:pk}/attributes/",
    response={201: AttributeOut},
    auth=member(Perm.MANAGE_ATTRIBUTES),
    url_name="attributes_create",
    summary="Add an attribute",
)
def attribute_create(request: HttpRequest, pk: int, payload: AttributeIn):
    access = guard.project(request, pk)
    return Status(201, _attribute(_attribute_save(access, payload, None)))


@router.put(
    "/projects/{id:pk}/attributes/{id:attribute_pk}/",
    response=AttributeOut,
    auth=member(Perm.MANAGE_ATTRIBUTES),
    url_name="attribute_update",
    summary="Change an attribute",
)
def attribute_update(request: HttpRequest, pk: int, attribute_pk: int, payload: AttributeIn):
    access = guard.project(request, pk)
    attribute = one(access.project.attributes.filter(pk=attribute_pk), "attribute")
    return _attribute(_attribute_save(access, payload, attribute))


@router.delete(
    "/projects/{id:pk}/attributes/{id:attribute_pk}/",
    response={204: None},
    auth=member(Perm.MANAGE_ATTRIBUTES),
    url_name="attribute_delete",
    summary="Delete an attribute with its values",
)
def attribute_delete(request: HttpRequest, pk: int, attribute_pk: int):
    access = guard.project(request, pk)
    one(access.project.attributes.filter(pk=attribute_pk), "attribute").delete()
    return Status(204, None)


# ---- interviewees ------------------------------------------------------------------------
class Identity(BaseModel):
    real_name: str
    contact: str
    consent_status: str
    consent_date: datetime.date | None
    consent_scope: str
    notes: str


class IntervieweeOut(BaseModel):
    id: int
    guid: str
    pseudonym: str
    organisation: str
    sector: str
    country: str
    role: str
    attributes: dict[str, str] = Field(..., description="Attribute name → value.")
    identity: Identity | None = Field(None, description="Only for admins.")


def _interviewees(access, rows: list[Interviewee]) -> list[dict]:
    values: dict[int, dict[str, str]] = {r.pk: {} for r in rows}
    for person, name, value in AttributeValue.objects.filter(
        interviewee__in=[r.pk for r in rows]
    ).values_list("interviewee_id", "attribute__name", "value"):
        values[person][name] = value
    identities = guard.sees_identities(access)
    return [
        {
            "id": r.pk,
            "guid": str(r.guid),
            "pseudonym": r.pseudonym,
            "organisation": r.organisation,
            "sector": r.sector,
            "country": r.country,
            "role": r.role,
            "attributes": values[r.pk],
            "identity": {
                "real_name": r.real_name,
                "contact": r.contact,
                "consent_status": r.consent_status,
                "consent_date": r.consent_date,
                "consent_scope": r.consent_scope,
                "notes": r.notes,
            }
            if identities
            else None,
        }
        for r in rows
    ]


@router.get(
    "/projects/{id:pk}/interviewees/",
    response=page_of(IntervieweeOut),
    url_name="interviewees",
    summary="Interviewees by pseudonym, with their attributes",
)
def interviewees(request: HttpRequest, pk: int, query: Query[PageParams]):
    """Real names, contact and consent are in `identity`, for admins only."""
    access = guard.project(request, pk)
    return page(
        Interviewee.objects.filter(project=access.project),
        query,
        convert=lambda rows: _interviewees(access, rows),
    )


@router.get(
    "/projects/{id:pk}/interviewees/{id:interviewee_pk}/",
    response=IntervieweeOut,
    url_name="interviewee",
    summary="One interviewee",
)
def interviewee(request: HttpRequest, pk: int, interviewee_pk: int):
    access = guard.project(request, pk)
    person = one(access.project.interviewees.filter(pk=interviewee_pk), "interviewee")
    return _interviewees(access, [person])[0]


# ---- jobs --------------------------------------------------------------------------------
class JobOut(BaseModel):
    guid: str
    kind: str
    title: str
    status: str
    status_label: str
    done: int
    total: int
    percent: int
    current: str
    messages: list
    result: dict
    finished: bool
    created_at: datetime.datetime


def job_json(job: Job) -> dict:
    return {**job.as_json(), "kind": job.kind, "created_at": job.created_at}


@router.get(
    "/projects/{id:pk}/jobs/",
    response=list[JobOut],
    url_name="jobs",
    summary="Background jobs (imports …), newest first",
)
def jobs(request: HttpRequest, pk: int, limit: int = Query(50, ge=1, le=500)):
    access = guard.project(request, pk)
    found = jobs_listed(access.project.jobs.order_by("-created_at", "-pk"), access)
    return [job_json(j) for j in found[:limit]]


@router.get(
    "/projects/{id:pk}/jobs/{uuid:guid}/",
    response=JobOut,
    url_name="job",
    summary="A job's progress",
)
def job(request: HttpRequest, pk: int, guid: uuid.UUID):
    access = guard.project(request, pk)
    found = guard.job(request, guid)
    if found.project_id != access.project.pk:
        raise Http404("No such job.")
    return job_json(found)


@router.get(
    "/jobs/{uuid:guid}/",
    response=JobOut,
    url_name="job_progress",
    summary="A job's progress, by its guid alone (also a job of no project)",
)
def job_progress(request: HttpRequest, guid: uuid.UUID):
    """For its starter, and for the members of its project who may review."""
    return job_json(guard.job(request, guid))
