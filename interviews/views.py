from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from interviews import counts, services
from interviews.access import Perm, project_access
from interviews.accounts import PROJECT_CREATORS_ONLY, can_create_projects
from interviews.builtin_fields import BUILTIN_FIELDS, builtin_field_for, builtin_rows
from interviews.forms import (
    AttributeForm,
    IntervieweeForm,
    MemberAddForm,
    MembershipRoleForm,
    ProjectForm,
    SourceForm,
)
from interviews.jobs import job_followed, jobs_listed, jobs_reap_stale
from interviews.models import (
    Attribute,
    AttributeTarget,
    Interviewee,
    Membership,
    Project,
    Role,
    Segment,
    SegmentKind,
    Source,
    SourceCodePoints,
)

# Projects -----------------------------------------------------------------------------


def project_list(request: HttpRequest) -> HttpResponse:
    projects = Project.objects.for_user(request.user).annotate(
        source_count=Count("sources", distinct=True)
    )
    roles = dict(Membership.objects.filter(user=request.user).values_list("project_id", "role"))
    rows = [(p, Role(roles.get(p.pk, Role.ADMIN)).label) for p in projects]
    return render(
        request,
        "interviews/project_list.html",
        {"rows": rows, "can_create_projects": can_create_projects(request.user)},
    )


def project_create(request: HttpRequest) -> HttpResponse:
    if not can_create_projects(request.user):
        raise PermissionDenied(PROJECT_CREATORS_ONLY)
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = services.project_create(user=request.user, **form.cleaned_data)
        messages.success(request, f"Project “{project.name}” created. You are its admin.")
        return redirect(project)
    return render(request, "interviews/form.html", {"form": form, "title": "New project"})


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk)
    project = access.project
    coded = counts.project_counts(access)
    stats = {
        "sources": project.sources.count(),
        "words": project.sources.aggregate(words=Sum("word_count"))["words"] or 0,
        "interviewees": project.interviewees.count(),
        "codes": coded["codes"],
        "codings": coded["codings"],
        "members": project.memberships.count(),
    }
    # What the list shows, not the texts (a long transcript's is megabytes).
    recent_sources = project.sources.only("title", "project_id", "word_count").order_by(
        "-created_at"
    )[:5]
    return render(
        request,
        "interviews/project_detail.html",
        {"access": access, "project": project, "stats": stats, "recent_sources": recent_sources},
    )


def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.EDIT_PROJECT)
    form = ProjectForm(request.POST or None, instance=access.project)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Project saved.")
        return redirect(access.project)
    return render(
        request,
        "interviews/form.html",
        {"form": form, "access": access, "project": access.project, "title": "Edit project"},
    )


# Members ------------------------------------------------------------------------------


def member_list(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.MANAGE_MEMBERS)
    form = MemberAddForm(request.POST or None, project=access.project)
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["username"]
        Membership.objects.create(project=access.project, user=user, role=form.cleaned_data["role"])
        messages.success(
            request, f"{user.username} added as {Role(form.cleaned_data['role']).label}."
        )
        return redirect("interviews:member_list", pk)
    memberships = access.project.memberships.select_related("user")
    return render(
        request,
        "interviews/member_list.html",
        {
            "access": access,
            "project": access.project,
            "form": form,
            "memberships": memberships,
            "roles": Role.choices,
        },
    )


def _last_admin(membership: Membership) -> bool:
    return (
        membership.role == Role.ADMIN
        and membership.project.memberships.filter(role=Role.ADMIN).count() == 1
    )


@require_POST
def member_role(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.MANAGE_MEMBERS)
    membership = get_object_or_404(Membership, pk=membership_pk, project=access.project)
    was_last_admin = _last_admin(membership)
    form = MembershipRoleForm(request.POST, instance=membership)
    if not form.is_valid():
        messages.error(request, "Choose one of the listed roles.")
    elif was_last_admin and form.cleaned_data["role"] != Role.ADMIN:
        messages.error(request, "A project needs at least one admin.")
    else:
        form.save()
        messages.success(
            request, f"{membership.user.username} is now {membership.get_role_display()}."
        )
    return redirect("interviews:member_list", pk)


@require_POST
def member_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.MANAGE_MEMBERS)
    membership = get_object_or_404(Membership, pk=membership_pk, project=access.project)
    if _last_admin(membership):
        messages.error(request, "A project needs at least one admin.")
    else:
        membership.delete()
        messages.success(request, f"{membership.user.username} removed from the project.")
    return redirect("interviews:member_list", pk)


# Attributes ---------------------------------------------------------------------------


def attribute_list(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk)
    attributes = list(access.project.attributes.annotate(value_count=Count("values")))
    for attribute in attributes:
        key = builtin_field_for(attribute.name)
        attribute.duplicates = (
            BUILTIN_FIELDS[key] if key and attribute.applies_to == "interviewee" else ""
        )
    return render(
        request,
        "interviews/attribute_list.html",
        {
            "access": access,
            "project": access.project,
            "attributes": attributes,
            "builtin": builtin_rows(access.project),
        },
    )


def attribute_edit(request: HttpRequest, pk: int, attribute_pk: int | None = None) -> HttpResponse:
    access = project_access(request, pk, Perm.MANAGE_ATTRIBUTES)
    attribute = (
        get_object_or_404(Attribute, pk=attribute_pk, project=access.project)
        if attribute_pk
        else None
    )
    form = AttributeForm(request.POST or None, instance=attribute, project=access.project)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Attribute “{form.instance.name}” saved.")
        return redirect("interviews:attribute_list", pk)
    title = f"Edit attribute “{attribute.name}”" if attribute else "New attribute"
    return render(
        request,
        "interviews/form.html",
        {"form": form, "access": access, "project": access.project, "title": title},
    )


@require_POST
def attribute_delete(request: HttpRequest, pk: int, attribute_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.MANAGE_ATTRIBUTES)
    attribute = get_object_or_404(Attribute, pk=attribute_pk, project=access.project)
    attribute.delete()
    messages.success(request, f"Attribute “{attribute.name}” and its values deleted.")
    return redirect("interviews:attribute_list", pk)


# Interviewees -------------------------------------------------------------------------


def _attribute_table(project: Project, target: str, owners) -> tuple[list[Attribute], dict]:
    """Attributes of a target and {owner_pk: {attribute_pk: value}} for the given owners."""
    attributes = list(project.attributes.filter(applies_to=target))
    field = "interviewee_id" if target == AttributeTarget.INTERVIEWEE else "source_id"
    values: dict[int, dict[int, str]] = {}
    from interviews.models import AttributeValue

    rows = AttributeValue.objects.filter(
        attribute__in=attributes, **{f"{field[:-3]}__in": owners}
    ).values_list(field, "attribute_id", "value")
    for owner_id, attribute_id, value in rows:
        values.setdefault(owner_id, {})[attribute_id] = value
    return attributes, values


def interviewee_list(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk)
    interviewees = list(access.project.interviewees.annotate(source_count=Count("sources")))
    attributes, values = _attribute_table(access.project, AttributeTarget.INTERVIEWEE, interviewees)
    rows = [(i, [values.get(i.pk, {}).get(a.pk, "") for a in attributes]) for i in interviewees]
    return render(
        request,
        "interviews/interviewee_list.html",
        {"access": access, "project": access.project, "rows": rows, "attributes": attributes},
    )


def interviewee_detail(request: HttpRequest, pk: int, interviewee_pk: int) -> HttpResponse:
    access = project_access(request, pk)
    interviewee = get_object_or_404(Interviewee, pk=interviewee_pk, project=access.project)
    attributes, values = _attribute_table(
        access.project, AttributeTarget.INTERVIEWEE, [interviewee]
    )
    attribute_rows = [(a, values.get(interviewee.pk, {}).get(a.pk, "")) for a in attributes]
    return render(
        request,
        "interviews/interviewee_detail.html",
        {
            "access": access,
            "project": access.project,
            "interviewee": interviewee,
            "attribute_rows": attribute_rows,
            "sources": interviewee.sources.only("title", "project_id"),
        },
    )


def interviewee_edit(
    request: HttpRequest, pk: int, interviewee_pk: int | None = None
) -> HttpResponse:
    access = project_access(request, pk, Perm.MANAGE_INTERVIEWEES)
    interviewee = (
        get_object_or_404(Interviewee, pk=interviewee_pk, project=access.project)
        if interviewee_pk
        else None
    )
    form = IntervieweeForm(request.POST or None, instance=interviewee, project=access.project)
    if request.method == "POST" and form.is_valid():
        saved = services.interviewee_save(interviewee=form.instance, values=form.attribute_values)
        messages.success(request, f"Interviewee {saved.pseudonym} saved.")
        return redirect(saved)
    title = f"Edit {interviewee.pseudonym}" if interviewee else "New interviewee"
    return render(
        request,
        "interviews/form.html",
        {"form": form, "access": access, "project": access.project, "title": title},
    )


# Sources ------------------------------------------------------------------------------


def source_list(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk)
    sources = (
        Source.objects.visible_to(access)
        .annotate(
            speakers_to_map=Exists(
                Segment.objects.filter(
                    source=OuterRef("pk"),
                    kind=SegmentKind.TURN,
                    interviewee=None,
                    is_interviewer=False,
                ).exclude(speaker="")
            ),
        )
        .prefetch_related("interviewees")
        # What the list shows, not the texts (a long transcript's is megabytes).
        .defer("text")
        .order_by("title")
    )
    sources = list(sources)
    coding_counts = counts.source_coding_counts(access, [source.pk for source in sources])
    for source in sources:
        source.coding_count = coding_counts.get(source.pk, 0)
    return render(
        request,
        "interviews/source_list.html",
        {"access": access, "project": access.project, "sources": sources},
    )


def source_detail(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    """The source to read, its details and recording. The text is drawn in pieces as the
    page scrolls (static/js/reading.js, through the API), so a long transcript's page is as
    small as a short one's."""
    access = project_access(request, pk)
    source = get_object_or_404(
        Source.objects.visible_to(access).defer("text").prefetch_related("interviewees"),
        pk=source_pk,
    )
    attributes, values = _attribute_table(access.project, AttributeTarget.SOURCE, [source])
    reading = {
        "length": SourceCodePoints.lengths([source.pk])[source.pk],
        "urls": {
            "pieces": reverse("api:source_pieces", args=[pk, source.pk]),
            "find": reverse("api:source_find", args=[pk, source.pk]),
        },
    }
    return render(
        request,
        "interviews/source_detail.html",
        {
            "access": access,
            "project": access.project,
            "source": source,
            "reading_data": reading,
            "attribute_rows": [(a, values.get(source.pk, {}).get(a.pk, "")) for a in attributes],
            "has_speakers": source.segments.filter(kind=SegmentKind.TURN)
            .exclude(speaker="")
            .exists(),
            "may_edit_source": access.may_edit_source(source),
        },
    )


def source_edit(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.IMPORT)
    source = get_object_or_404(Source.objects.visible_to(access), pk=source_pk)
    access.require_source_editor(source)
    form = SourceForm(request.POST or None, instance=source, project=access.project)
    if request.method == "POST" and form.is_valid():
        services.source_metadata_save(form=form)
        messages.success(request, "Source saved.")
        return redirect(source)
    return render(
        request,
        "interviews/form.html",
        {
            "form": form,
            "access": access,
            "project": access.project,
            "title": f"Edit “{source.title}”",
        },
    )


@require_POST
def source_delete(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.DELETE_SOURCES)
    source = get_object_or_404(Source, pk=source_pk, project=access.project)
    count = counts.source_coding_counts(access, [source.pk]).get(source.pk, 0)
    source.delete()
    messages.success(request, f"Source “{source.title}” and its {count} codings deleted.")
    return redirect("interviews:source_list", pk)


# Accounts -----------------------------------------------------------------------------


class ThrottledLoginView(auth_views.LoginView):
    """The site's login; django-axes throttles it (interviews/throttle.py)."""

    template_name = "registration/login.html"


# Background jobs ----------------------------------------------------------------------


def job_detail(request: HttpRequest, guid) -> HttpResponse:
    """A job's progress; its script follows it through the API (`api:job_progress`)."""
    job = job_followed(request, guid)
    context = {"job": job, "job_json": job.as_json()}
    if job.project_id:
        context.update(access=project_access(request, job.project_id), project=job.project)
    return render(request, "interviews/job_detail.html", context)


def job_list(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk)
    jobs_reap_stale(access.project.jobs.all())
    jobs = jobs_listed(access.project.jobs.select_related("user"), access)
    return render(
        request,
        "interviews/job_list.html",
        {"access": access, "project": access.project, "jobs": jobs[:50]},
    )
