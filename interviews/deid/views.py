"""Pages of de-identification (admins), text corrections and revisions (leads and admins)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from interviews.access import Perm, project_access
from interviews.deid import key, services
from interviews.deid.models import (
    EntityKind,
    IdentifyingEntity,
    IdentifyingSpan,
    IdentifyingTerm,
    SpanStatus,
    TermAction,
)
from interviews.deid.revisions import source_correct
from interviews.models import Source

SPANS_SHOWN = 200


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _ids(request: HttpRequest) -> list[int]:
    raw = ",".join(request.POST.getlist("spans"))
    return [n for n in (_int(part) for part in raw.split(",")) if n is not None]


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(default)


def overview(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.SEE_IDENTITIES)
    project = access.project
    status = request.GET.get("status", SpanStatus.PENDING)
    if status not in (SpanStatus.PENDING, SpanStatus.ACCEPTED, SpanStatus.REJECTED, "all"):
        status = SpanStatus.PENDING
    groups = services.review_groups(project, status=None if status == "all" else status)
    shown = [span for group in groups for span in group.spans][:SPANS_SHOWN]
    services.span_context(shown)
    return render(
        request,
        "deid/overview.html",
        {
            "access": access,
            "project": project,
            "settings": services.settings_for(project),
            "counts": services.status_counts(project),
            "groups": groups,
            "status": status,
            "terms": project.deid_terms.all(),
            "kinds": EntityKind.choices,
            "actions": TermAction.choices,
            "sources": project.sources.order_by("title").only("pk", "title"),
            "jobs": project.jobs.filter(kind="deid_detect")[:1],
        },
    )


@require_POST
def detect(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.SEE_IDENTITIES)
    source_pk = _int(request.POST.get("source"))
    ids = None
    if source_pk is not None:
        ids = list(access.project.sources.filter(pk=source_pk).values_list("pk", flat=True))
        if not ids:
            messages.error(request, "There is no such source in this project.")
            return redirect("deid:overview", pk)
    job = services.detect_start(project=access.project, user=request.user, source_ids=ids)
    return redirect(job)


@require_POST
def settings_save(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.SEE_IDENTITIES)
    found = services.settings_for(access.project)
    found.required_before_coding = request.POST.get("required_before_coding") == "on"
    found.save(update_fields=["required_before_coding"])
    messages.success(request, "De-identification settings saved.")
    return redirect("deid:overview", pk)


@require_POST
def term_add(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.SEE_IDENTITIES)
    try:
        term = services.term_add(
            project=access.project,
            text=request.POST.get("text", ""),
            action=request.POST.get("action", ""),
            kind=request.POST.get("kind", EntityKind.OTHER),
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"“{term.text}”: {term.get_action_display().lower()}.")
    return redirect("deid:overview", pk)


@require_POST
def term_delete(request: HttpRequest, pk: int, term_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.SEE_IDENTITIES)
    get_object_or_404(IdentifyingTerm, pk=term_pk, project=access.project).delete()
    return redirect("deid:overview", pk)


@require_POST
def spans_decide(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.SEE_IDENTITIES)
    decision = {
        "accept": SpanStatus.ACCEPTED,
        "reject": SpanStatus.REJECTED,
        "reopen": SpanStatus.PENDING,
    }.get(request.POST.get("decision", ""))
    if decision is None:
        messages.error(request, "Choose accept or reject.")
    else:
        count = services.spans_decide(
            project=access.project, span_ids=_ids(request), status=decision, user=request.user
        )
        messages.success(request, f"{count} span{'s' if count != 1 else ''} {decision}.")
    return _back(request, reverse("deid:overview", args=[pk]))


@require_POST
def entity_rename(request: HttpRequest, pk: int, entity_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.SEE_IDENTITIES)
    entity = get_object_or_404(IdentifyingEntity, pk=entity_pk, project=access.project)
    try:
        services.entity_rename(entity=entity, placeholder=request.POST.get("placeholder", ""))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"“{entity.name}” will read {entity.placeholder}.")
    return _back(request, reverse("deid:overview", args=[pk]))


@require_POST
def apply_all(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.SEE_IDENTITIES)
    ids = access.project.sources.filter(identifying_spans__status=SpanStatus.ACCEPTED)
    try:
        counts = services.project_deidentify(
            project=access.project,
            user=request.user,
            source_ids=set(ids.values_list("pk", flat=True)),
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            f"De-identified {counts['sources']} source(s): {counts['spans']} span(s) replaced, "
            f"{counts['codings_moved']} coding(s) moved with their words.",
        )
        for refusal in counts["refused"]:
            messages.error(request, f"Left unchanged: {refusal}")
    return redirect("deid:overview", pk)


def key_export(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.SEE_IDENTITIES)
    entities = key.key_for(access.project)
    if request.GET.get("format") == "json":
        response = HttpResponse(
            json.dumps(entities, ensure_ascii=False, indent=2), content_type="application/json"
        )
        response["Content-Disposition"] = 'attachment; filename="deidentification-key.json"'
        return response
    response = HttpResponse(
        "\ufeff" + key.key_csv(entities), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="deidentification-key.csv"'
    return response


# One source --------------------------------------------------------------------------------


def _source(access, source_pk: int) -> Source:
    return get_object_or_404(Source, pk=source_pk, project=access.project)


def source_review(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.SEE_IDENTITIES)
    source = _source(access, source_pk)
    spans = list(source.identifying_spans.select_related("entity").order_by("start"))
    services.span_context([s for s in spans if s.status != SpanStatus.APPLIED])
    return render(
        request,
        "deid/source_review.html",
        {
            "access": access,
            "project": access.project,
            "source": source,
            "spans": spans,
            "marks": [
                {"start": s.start, "end": s.end, "status": s.status, "id": s.pk} for s in spans
            ],
            "kinds": EntityKind.choices,
            "interviewees": access.project.interviewees.all(),
            "deidentified": services.is_deidentified(source),
        },
    )


@require_POST
def span_add(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.SEE_IDENTITIES)
    source = _source(access, source_pk)
    interviewee = None
    if _int(request.POST.get("interviewee")):
        interviewee = access.project.interviewees.filter(
            pk=_int(request.POST["interviewee"])
        ).first()
    try:
        span = services.span_add(
            source=source,
            start=_int(request.POST.get("start")),
            end=_int(request.POST.get("end")),
            kind=request.POST.get("kind", ""),
            placeholder=request.POST.get("placeholder", ""),
            interviewee=interviewee,
            user=request.user,
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"“{span.text}” will read {span.entity.placeholder}.")
    return redirect("deid:source_review", pk, source_pk)


@require_POST
def span_edit(request: HttpRequest, pk: int, source_pk: int, span_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.SEE_IDENTITIES)
    span = get_object_or_404(
        IdentifyingSpan, pk=span_pk, source_id=source_pk, source__project=access.project
    )
    try:
        services.span_edit(
            span=span,
            start=_int(request.POST.get("start")),
            end=_int(request.POST.get("end")),
            user=request.user,
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"The span now reads “{span.text}” (accepted).")
    return redirect("deid:source_review", pk, source_pk)


@require_POST
def source_apply(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.SEE_IDENTITIES)
    source = _source(access, source_pk)
    try:
        revision = services.source_deidentify(source=source, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            f"De-identified: {len(revision.edits)} span(s) replaced, "
            f"{revision.codings_moved} coding(s) moved with their words.",
        )
    return redirect("deid:source_review", pk, source_pk)


def identified(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.SEE_IDENTITIES)
    source = _source(access, source_pk)
    return render(
        request,
        "deid/identified.html",
        {
            "access": access,
            "project": access.project,
            "source": source,
            "text": key.identified_text(source),
        },
    )


def revisions(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    """The revisions of a source's text (leads and admins); admins may read each one."""
    access = project_access(request, pk, Perm.REVIEW)
    source = _source(access, source_pk)
    shown = None
    number = _int(request.GET.get("show"))
    if number is not None and access.can(Perm.SEE_IDENTITIES):
        shown = source.revisions.filter(number=number).first()
    return render(
        request,
        "deid/revisions.html",
        {
            "access": access,
            "project": access.project,
            "source": source,
            "revisions": source.revisions.select_related("user").order_by("-number"),
            "shown": shown,
        },
    )


def correct(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    """A lead or admin corrects the words of a transcript; codings follow the text."""
    access = project_access(request, pk, Perm.REVIEW)
    source = _source(access, source_pk)
    text = source.text
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            revision = source_correct(
                source=source, text=text, user=request.user, note=request.POST.get("note", "")
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                f"Revision {revision.number} saved: {len(revision.edits)} change(s), "
                f"{revision.codings_moved} coding(s) moved with their words.",
            )
            return redirect("deid:revisions", pk, source_pk)
    return render(
        request,
        "deid/correct.html",
        {"access": access, "project": access.project, "source": source, "text": text},
    )
