"""REFI-QDA exchange pages: export a project or codebook, import a project or codebook."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coding.disclosures import disclosure_record
from exchange import services
from exchange.forms import CodebookImportForm, ExportForm, ProjectImportForm
from exchange.kinds import EXPORT, IMPORT, IMPORT_QDC
from exchange.tasks import export_path, project_export_task, project_import_task
from interviews.access import Perm, access_for, project_access
from interviews.accounts import PROJECT_CREATORS_ONLY, can_create_projects
from interviews.downloads import file_download
from interviews.jobs import job_followed
from interviews.models import Job, JobStatus
from interviews.visibility import Disclosure


def _filename(name: str, suffix: str) -> str:
    stem = re.sub(r"[^\w.-]+", "-", name, flags=re.ASCII).strip("-.") or "project"
    return f"{stem[:80]}{suffix}"


def exchange_home(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.REVIEW)
    jobs = access.project.jobs.filter(kind__in=[EXPORT, IMPORT, IMPORT_QDC], user=request.user)
    return render(
        request,
        "exchange/home.html",
        {
            "access": access,
            "project": access.project,
            "export_form": ExportForm(),
            "codebook_form": CodebookImportForm(),
            "jobs": jobs[:10],
            "can_create_projects": can_create_projects(request.user),
        },
    )


@require_POST
def project_export(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.REVIEW)
    form = ExportForm(request.POST)
    form.is_valid()
    identities = form.cleaned_data.get("include_identities", False)
    if identities and not access.can(Perm.SEE_IDENTITIES):
        raise PermissionDenied("Only an admin may export interviewees' identities.")
    job = Job.objects.create(
        project=access.project,
        user=request.user,
        kind=EXPORT,
        title=f"Export of “{access.project.name}” as .qdpx"
        + (" (with identities)" if identities else ""),
    )
    disclosure_record(
        user=request.user,
        disclosure=Disclosure.of(access, identified=identities),
        what="The project as .qdpx (with real names, contact and consent details)",
    )
    result = project_export_task.enqueue(job.pk, identities)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    return redirect("exchange:job", job.guid)


def codebook_export(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.VIEW)
    try:
        data = services.codebook_export(project=access.project)
    except ValueError:
        messages.error(request, "The codebook is empty; there is nothing to export.")
        return redirect("coding:codebook", pk)
    response = HttpResponse(data, content_type="application/xml")
    name = _filename(access.project.name, "-codebook.qdc")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def codebook_import(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.MANAGE_CODEBOOK)
    form = CodebookImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("file", ["Choose a .qdc file."]):
            messages.error(request, error)
        return redirect("exchange:home", pk)
    title = f"Codebook import from “{form.cleaned_data['file'].name}”"
    try:
        report = services.qdc_import(
            project=access.project, data=form.cleaned_data["file"].read(), user=request.user
        )
    except (services.ExchangeError, ValidationError) as error:
        messages.error(
            request, " ".join(getattr(error, "messages", [str(error)])) + " Nothing was stored."
        )
        return redirect("exchange:home", pk)
    job = Job.objects.create(
        project=access.project, user=request.user, kind=IMPORT_QDC, title=title[:300]
    )
    job.finish(result=report.as_dict())
    return redirect("exchange:job", job.guid)


def project_import(request: HttpRequest) -> HttpResponse:
    if not can_create_projects(request.user):
        raise PermissionDenied(PROJECT_CREATORS_ONLY)
    form = ProjectImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = services.incoming_path()
        with open(path, "wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        job = Job.objects.create(
            user=request.user, kind=IMPORT, title=f"Import of “{upload.name}”"[:300]
        )
        result = project_import_task.enqueue(job.pk, str(path))
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
        return redirect("exchange:job", job.guid)
    return render(request, "exchange/import.html", {"form": form})


def _job_for(request: HttpRequest, guid) -> Job:
    """An exchange job as the rule of `job_followed` lets the caller follow it (an export
    only by its starter)."""
    job = job_followed(request, guid)
    if job.kind not in (EXPORT, IMPORT, IMPORT_QDC):
        raise Http404("No such job.")
    return job


def job_page(request: HttpRequest, guid) -> HttpResponse:
    job = _job_for(request, guid)
    context = {"job": job, "job_json": job.as_json()}
    if job.project_id:
        access = access_for(request.user, job.project)
        if access is not None:
            context.update(access=access, project=job.project)
    if job.kind == EXPORT:
        return render(request, "exchange/export_job.html", context)
    if not job.is_finished:
        return render(request, "exchange/import_job.html", context)
    context["report"] = job.result
    context["failed"] = job.status == JobStatus.FAILED
    return render(request, "exchange/import_report.html", context)


def export_download(request: HttpRequest, guid) -> HttpResponse:
    job = get_object_or_404(Job, guid=guid, kind=EXPORT, user=request.user)
    project_access(request, job.project_id, Perm.REVIEW)
    if job.result.get("identities"):
        project_access(request, job.project_id, Perm.SEE_IDENTITIES)
    path = export_path(job)
    if job.status != JobStatus.DONE or not path.exists():
        raise Http404("This export is not ready, or a newer one has replaced it.")
    return file_download(
        path, filename=_filename(job.project.name, ".qdpx"), content_type="application/zip"
    )
