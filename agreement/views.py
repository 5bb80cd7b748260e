"""Pages for inter-coder agreement: the figures, their exports, and the disagreement review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from agreement.exports import agreement_csv, agreement_xlsx
from agreement.forms import AgreementForm, ResolveForm
from agreement.models import ResolutionDecision
from agreement.services import (
    CONSENSUS_USERNAME,
    METHOD,
    agreement_report,
    disagreement_details,
    disagreement_resolve,
    disagreements,
)
from interviews.access import Perm, project_access
from interviews.models import Source
from interviews.spreadsheet import CONTENT_TYPE as XLSX_CONTENT_TYPE

REVIEW_PAGE_SIZE = 25


def _settings(form: AgreementForm) -> dict:
    data = form.cleaned_data
    return {
        "sources": data["sources"],
        "coders": data["coders"],
        "codes": data["codes"],
        "unit": data["unit"],
    }


def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.REVIEW)
    form = AgreementForm(request.GET or None, project=access.project)
    report = None
    if form.is_valid():
        report = agreement_report(
            project=access.project,
            **_settings(form),
            min_overlap=form.cleaned_data["min_overlap"],
            seen=form.cleaned_data["seen"],
        )
    return render(
        request,
        "agreement/agreement.html",
        {
            "access": access,
            "project": access.project,
            "form": form,
            "report": report,
            "method": METHOD,
            "query": form.data_query(),
            "code_rows": _with_review_links(report, form),
        },
        status=200 if report or not request.GET else 400,
    )


def _with_review_links(report, form: AgreementForm) -> list[tuple]:
    """Each code's row with the query of its own disagreement review."""
    if report is None:
        return []
    queries = form.review_queries()
    return [(row, queries.get(row.code.pk)) for row in report.rows]


def agreement_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    access = project_access(request, pk, Perm.REVIEW)
    if fmt not in ("csv", "xlsx"):
        raise Http404("Agreement tables export as CSV or XLSX.")
    form = AgreementForm(request.GET or None, project=access.project)
    if not form.is_valid():
        messages.error(request, "Fix the settings below before exporting.")
        return redirect(f"{reverse('agreement:figures', args=[pk])}?{request.GET.urlencode()}")
    report = agreement_report(
        project=access.project,
        **_settings(form),
        min_overlap=form.cleaned_data["min_overlap"],
        seen=form.cleaned_data["seen"],
    )
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        response = HttpResponse(
            agreement_xlsx(report),
            content_type=XLSX_CONTENT_TYPE,
        )
    else:
        response = HttpResponse(agreement_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="agreement-{pk}-{stamp}.{fmt}"'
    return response


def agreement_review(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.REVIEW)
    form = AgreementForm(request.GET or None, project=access.project)
    page = details = None
    unresolved_only = request.GET.get("open") == "1"
    if form.is_valid():
        found = disagreements(
            project=access.project,
            **_settings(form),
            seen=form.cleaned_data["seen"],
            unresolved_only=unresolved_only,
        )
        page = Paginator(found, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
        details = disagreement_details(
            project=access.project,
            page=list(page.object_list),
            coders=form.cleaned_data["coders"],
            unit=form.cleaned_data["unit"],
        )
    return render(
        request,
        "agreement/review.html",
        {
            "access": access,
            "project": access.project,
            "form": form,
            "page": page,
            "details": details,
            "unresolved_only": unresolved_only,
            "query": form.data_query(),
            "decisions": ResolutionDecision,
            "consensus_username": CONSENSUS_USERNAME,
        },
        status=200 if page is not None or not request.GET else 400,
    )


@require_POST
def agreement_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.REVIEW)
    project = access.project
    back = f"{reverse('agreement:review', args=[pk])}?{request.GET.urlencode()}"
    settings_form = AgreementForm(request.GET or None, project=project)
    form = ResolveForm(request.POST, project=project)
    if not settings_form.is_valid() or not form.is_valid():
        messages.error(request, "That decision could not be read; nothing was stored.")
        return redirect(back)
    data = form.cleaned_data
    source = Source.objects.filter(project=project, pk=data["source"]).first()
    if source is None:
        messages.error(request, "That source is not in this project; nothing was stored.")
        return redirect(back)
    coders = settings_form.cleaned_data["coders"]
    accepted = None
    if data["accepted_coder"]:
        accepted = get_user_model().objects.filter(pk=data["accepted_coder"]).first()
    try:
        resolution = disagreement_resolve(
            project=project,
            source=source,
            unit=settings_form.cleaned_data["unit"],
            start=data["start"],
            end=data["end"],
            decision=data["decision"],
            lead=access.user,
            coders=coders,
            codes=settings_form.cleaned_data["codes"],
            accepted_coder=accepted,
            consensus_codes=list(data["consensus_codes"]),
            passage=data["passage"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages) + " Nothing was stored.")
        return redirect(back)
    count = resolution.codings.count()
    decision = resolution.get_decision_display().lower()
    if accepted is not None and data["decision"] == "accept":
        decision = f"accepted {accepted.username}'s version"
    if count:
        stored = f"{count} consensus coding{'s' if count != 1 else ''} stored."
    else:
        stored = "it applies none of the chosen codes here, so no consensus coding was stored."
    messages.success(request, f"{source.title}: {decision}; {stored}")
    return redirect(back)
