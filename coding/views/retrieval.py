"""The retrieval and query pages: every passage of a code, and coding queries."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from coding.disclosures import disclosure_record
from coding.filters import attribute_choices, filters_describe, filters_from_query
from coding.models import Code, SavedQuery
from coding.queries import OPERATORS, QuerySpec, query_run, query_validate
from coding.retrieval import (
    attribute_columns,
    export_provenance,
    retrieval_codings,
    retrieval_passages,
    retrieval_table,
    table_csv,
    table_xlsx,
)
from interviews.access import Access, Perm, project_access
from interviews.models import Source
from interviews.params import parse_id
from interviews.spreadsheet import CONTENT_TYPE as XLSX_CONTENT_TYPE
from interviews.visibility import Disclosure, coders_visible, wants_identified

PAGE_SIZE = 50


def _filter_context(access: Access) -> dict:
    """Choices for the shared filter form."""
    project = access.project
    coders = get_user_model().objects.filter(memberships__project=project).order_by("username")
    coders = coders_visible(access, coders)
    return {
        "attribute_choices": attribute_choices(project),
        "filter_sources": Source.objects.filter(project=project).only("pk", "title"),
        "filter_coders": coders,
        "codes": Code.objects.filter(project=project).tree_order(),
    }


def _filters(request: HttpRequest, access: Access) -> tuple[dict, str | None]:
    try:
        return filters_from_query(request.GET, access.project), None
    except ValidationError as error:
        return {}, " ".join(error.messages)


def _attachment(content: bytes, fmt: str, name: str) -> HttpResponse:
    if fmt == "xlsx":
        response = HttpResponse(
            content,
            content_type=XLSX_CONTENT_TYPE,
        )
    else:
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    # Code names may be Cyrillic or Chinese: filename* keeps the header plain ASCII.
    name = " ".join(name.split())
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.{fmt}")
    return response


def retrieval(request: HttpRequest, pk: int) -> HttpResponse:
    """Every passage coded with one code (optionally its sub-codes), filtered; or its export."""
    access = project_access(request, pk)
    project = access.project
    context = {"access": access, "project": project, **_filter_context(access)}
    filters, error = _filters(request, access)
    code = None
    if request.GET.get("code"):
        code_id = parse_id(request.GET["code"])
        code = Code.objects.filter(pk=code_id, project=project).first() if code_id else None
        if code is None:
            error = "Choose a code of this project."
    include = request.GET.get("subcodes") == "1"
    context.update(code=code, include_subcodes=include, error=error, filters=filters)
    if code is None or error:
        return render(request, "coding/retrieval.html", context)
    codings = retrieval_codings(access=access, code=code, include_subcodes=include, filters=filters)
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        disclosure = Disclosure.of(access, identified=wants_identified(request.GET))
        passages = retrieval_passages(codings, project=project, disclosure=disclosure)
        header, rows = retrieval_table(passages, project)
        what = f"retrieval of “{code.full_path}”" + (" with its sub-codes" if include else "")
        provenance = export_provenance(
            disclosure=disclosure,
            what=what,
            count=len(rows),
            filters=filters_describe(filters, project),
        )
        disclosure_record(user=request.user, disclosure=disclosure, what=f"A {what}")
        content = (
            table_csv(header, rows, provenance)
            if fmt == "csv"
            else table_xlsx(header, rows, provenance=provenance)
        )
        return _attachment(content, fmt, f"retrieval-{code.name}"[:60].replace('"', ""))
    page = Paginator(codings, PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(
        page=page,
        passages=retrieval_passages(page.object_list, project=project),
        columns=attribute_columns(project),
        described=filters_describe(filters, project),
        query_string=_without_page(request),
    )
    return render(request, "coding/retrieval.html", context)


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    return params.urlencode()


def _spec_from(data, filters: dict) -> QuerySpec:
    return QuerySpec(
        operator=data.get("operator", ""),
        code_a=data.get("code_a"),
        code_b=data.get("code_b"),
        include_subcodes=data.get("subcodes") == "1",
        distance=data.get("distance") or 100,
        filters=filters,
    )


def _query_page(request, access: Access, spec: QuerySpec | None, error: str | None, **extra):
    context = {
        "access": access,
        "project": access.project,
        "operators": OPERATORS,
        "spec": spec,
        "error": error,
        "saved": SavedQuery.objects.filter(project=access.project),
        "posted": None,
        "current": None,
        **_filter_context(access),
        **extra,
    }
    fmt = request.GET.get("export")
    if spec is not None and error is None and fmt in ("csv", "xlsx"):
        disclosure = Disclosure.of(access, identified=wants_identified(request.GET))
        try:
            result = query_run(access=access, spec=spec, limit=None, disclosure=disclosure)
        except ValidationError as exc:
            error = context["error"] = " ".join(exc.messages)
        else:
            header = ["source", "start", "end", "passage"]
            rows = [[p.source_title, p.start, p.end, p.text] for p in result.passages]
            what = f"coding query ({spec.operator.upper()})"
            provenance = export_provenance(
                disclosure=disclosure,
                what=what,
                count=len(rows),
                filters=filters_describe(spec.filters, access.project),
            )
            disclosure_record(user=request.user, disclosure=disclosure, what=f"A {what}")
            content = (
                table_csv(header, rows, provenance)
                if fmt == "csv"
                else table_xlsx(header, rows, "Query", provenance)
            )
            return _attachment(content, fmt, f"query-{spec.operator}")
    if spec is not None and error is None:
        try:
            offset = max(0, int(request.GET.get("offset", 0)))
        except ValueError:
            offset = 0
        try:
            result = query_run(access=access, spec=spec, offset=offset, limit=PAGE_SIZE)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
        else:
            params = request.GET.copy()
            params.pop("offset", None)
            params.pop("export", None)
            context.update(
                result=result,
                offset=offset,
                next_offset=offset + PAGE_SIZE if offset + PAGE_SIZE < result.total else None,
                prev_offset=max(0, offset - PAGE_SIZE) if offset else None,
                query_string=params.urlencode(),
                described=filters_describe(spec.filters, access.project),
            )
    return render(request, "coding/query.html", context)


def query(request: HttpRequest, pk: int) -> HttpResponse:
    """Run a coding query (GET), or save one under a name (POST, for members who code)."""
    if request.method == "POST":
        access = project_access(request, pk, Perm.CODE)
        filters, error = _filters(request, access)
        spec = _spec_from(request.POST, filters)
        name = request.POST.get("name", "").strip()
        try:
            if error:
                raise ValidationError(error)
            query_validate(access.project, spec)
            if not name:
                raise ValidationError("Give the query a name to save it.")
            with transaction.atomic():
                saved = SavedQuery.objects.create(
                    project=access.project,
                    name=name[:200],
                    definition=spec.as_json(),
                    created_by=request.user,
                )
        except ValidationError as exc:
            return _query_page(request, access, None, " ".join(exc.messages), posted=spec)
        except IntegrityError:
            return _query_page(
                request, access, None, f"A saved query is already called “{name}”.", posted=spec
            )
        messages.success(request, f"Query “{saved.name}” saved.")
        return redirect("coding:saved_query", pk, saved.pk)
    access = project_access(request, pk)
    if "operator" not in request.GET:
        return _query_page(request, access, None, None)
    filters, error = _filters(request, access)
    return _query_page(request, access, _spec_from(request.GET, filters), error)


def saved_query(request: HttpRequest, pk: int, query_pk: int) -> HttpResponse:
    access = project_access(request, pk)
    saved = get_object_or_404(SavedQuery, pk=query_pk, project=access.project)
    spec = QuerySpec.from_json(saved.definition)
    return _query_page(request, access, spec, None, current=saved)


@require_POST
def saved_query_delete(request: HttpRequest, pk: int, query_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.CODE)
    saved = get_object_or_404(SavedQuery, pk=query_pk, project=access.project)
    if saved.created_by_id != request.user.pk and not access.can(Perm.MANAGE_CODEBOOK):
        raise PermissionDenied("Only the member who saved a query, or a lead, can delete it.")
    saved.delete()
    messages.success(request, f"Query “{saved.name}” deleted.")
    return redirect("coding:query", pk)
