"""Reports (run one, or a saved one, and get its tables) and the tidy table of codings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import BaseModel

from api import guard
from api.errors import ApiError, one
from api.pagination import Id
from reports.models import ReportKind, SavedReport

if TYPE_CHECKING:
    from reports.definitions import Definition

# reports.definitions, .frame and .tidy (pandas) are imported by the endpoints that run a
# report, so that loading the API's URLs does not load pandas (see reports/views.py).

router = Router(tags=["reports"])


class TableOut(BaseModel):
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str


class ReportOut(BaseModel):
    kind: str
    title: str
    provenance: str
    codings: int = Field(..., description="How many codings the report is built from.")
    tables: list[TableOut]


class ReportParams(Schema):
    by: str | None = Field(None, max_length=200, description="An attribute to group by.")
    code: list[Id] = Field([], description="Codes to report on.")
    quadrant: list[Id] = Field([], description="SWOT: the four quadrant codes.")
    rows: str | None = Field(None, max_length=200, description="Framework rows.")
    mode: Literal["overlap", "turn"] | None = None
    quotes: int | None = Field(None, ge=0, le=50)
    coder: list[str] = Field([], description="Only these coders' codings.")
    source: list[Id] = Field([], description="Only these sources.")
    attribute: list[str] = Field([], description="`key=value` filters by an attribute.")


class SavedReportOut(BaseModel):
    id: int
    name: str
    kind: str
    params: dict


def _cell(value):
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return None if value != value else value  # NaN has no JSON form
    return str(value)


def _report(request: HttpRequest, access, definition: Definition) -> dict:
    from reports.definitions import run

    if definition.errors:
        raise ApiError(400, " ".join(definition.errors), {"params": definition.errors})
    result, data = run(access.project, definition, only_coder=guard.only_coder(access))
    return {
        "kind": result.kind,
        "title": result.title,
        "provenance": result.provenance,
        "codings": len(data.frame),
        "tables": [
            {
                "key": t.key,
                "title": t.title,
                "columns": [str(c) for c in t.columns],
                "rows": [[_cell(v) for v in row] for row in t.rows],
                "note": t.note,
            }
            for t in result.tables
        ],
    }


def _known(access) -> dict:
    from reports.definitions import choices_for

    choices = choices_for(access.project, only_coder=guard.only_coder(access))
    return {
        "labels": choices["labels"],
        "code_ids": {code.id for code in choices["codes"]},
        "source_ids": {pk for pk, _ in choices["sources"]},
    }


@router.get(
    "/projects/{id:pk}/reports/{kind}/",
    response=ReportOut,
    url_name="report",
    summary="Run a report and get its tables",
)
def report(request: HttpRequest, pk: int, kind: ReportKind, query: Query[ReportParams]):
    """The tables of the report page (SWOT, framework, frequencies, co-occurrence, theme),
    with the same parameters and the same numbers."""
    access = guard.project(request, pk)
    params: dict[str, list[str]] = {}
    for name in ("by", "rows", "mode", "quotes"):
        value = getattr(query, name)
        if value is not None:
            params[name] = [str(value)]
    for name in ("code", "quadrant", "coder", "source"):
        params[name] = [str(v) for v in getattr(query, name)]
    for item in query.attribute:
        key, sep, value = item.partition("=")
        if not sep:
            raise ApiError(400, "Write each attribute filter as key=value.", {"attribute": [item]})
        params.setdefault(f"f_{key.strip()}", []).append(value.strip())
    from reports.definitions import parse_mapping

    return _report(request, access, parse_mapping(str(kind), params, **_known(access)))


@router.get(
    "/projects/{id:pk}/saved-reports/",
    response=list[SavedReportOut],
    url_name="saved_reports",
    summary="Saved reports",
)
def saved_reports(request: HttpRequest, pk: int):
    access = guard.project(request, pk)
    return [
        {"id": s.pk, "name": s.name, "kind": s.kind, "params": s.params}
        for s in SavedReport.objects.filter(project=access.project)
    ]


@router.get(
    "/projects/{id:pk}/saved-reports/{id:saved_pk}/run/",
    response=ReportOut,
    url_name="saved_report_run",
    summary="Run a saved report",
)
def saved_report_run(request: HttpRequest, pk: int, saved_pk: int):
    from reports.definitions import parse

    access = guard.project(request, pk)
    saved = one(SavedReport.objects.filter(project=access.project, pk=saved_pk), "saved report")
    params = {k: v if isinstance(v, list) else [v] for k, v in (saved.params or {}).items()}
    return _report(
        request,
        access,
        parse(saved.kind, lambda n: list(params.get(n, [])), list(params), **_known(access)),
    )


class TableParams(Schema):
    format: Literal["json", "csv", "parquet"] = "json"
    code: list[Id] = Field([], description="Codes (each with its sub-codes).")
    source: list[Id] = Field([], description="Sources.")
    coder: list[str] = Field([], description="Coders' usernames.")


class TidyTable(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]


@router.get(
    "/projects/{id:pk}/codings/table/",
    response={200: TidyTable},
    url_name="codings_table",
    summary="Every coding, one row each, as JSON, CSV or Parquet",
    openapi_extra={
        "responses": {
            200: {
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/vnd.apache.parquet": {
                        "schema": {"type": "string", "format": "binary"}
                    },
                }
            }
        }
    },
)
def codings_table(request: HttpRequest, pk: int, query: Query[TableParams]):
    """Columns: coding_id, source_id, source, source_kind, interviewee_id, interviewee, the
    interviewee's country, sector, organisation, role and free attributes (by name), code_id,
    code, code_path, group_id, group, coder, start, end (code points), quote and memo.
    Codings of interviewees who withdrew consent are left out, as in every report."""
    access = guard.project(request, pk)
    known = _known(access)
    for name, ids in (("code", query.code), ("source", query.source)):
        unknown = sorted(set(ids) - known[f"{name}_ids"])
        if unknown:
            raise ApiError(
                400,
                f"There is no {name} {unknown[0]} in this project.",
                {name: [str(u) for u in unknown]},
            )
    from reports import tidy
    from reports.frame import Filters

    filters = Filters(codes=query.code, sources=query.source, coders=query.coder)
    frame = tidy.codings_table(access.project, filters, only_coder=guard.only_coder(access))
    if query.format == "json":
        return {"columns": [str(c) for c in frame.columns], "rows": tidy.to_records(frame)}
    body = tidy.to_csv(frame) if query.format == "csv" else tidy.to_parquet(frame)
    response = HttpResponse(body, content_type=tidy.FORMATS[query.format])
    response["Content-Disposition"] = f'attachment; filename="codings-{pk}.{query.format}"'
    return response
