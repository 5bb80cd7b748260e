"""Report pages, their exports, the passages behind each number, and saved reports."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from coding.disclosures import disclosure_record
from coding.models import Code, Coding
from interviews.access import Access, Perm, project_access
from interviews.recordings.quotes import has_time, passage_link
from interviews.visibility import Disclosure, only_coder, wants_identified
from reports import services
from reports.models import ReportKind, SavedReport

if TYPE_CHECKING:
    from reports.definitions import Definition
    from reports.tables import Report

# The pages that compute a report import pandas (reports.frame, .tables, .definitions) and
# matplotlib (reports.charts) when they first run, not when the URLs are loaded: a process
# that serves no report (a command, the task worker) does not hold them (about 120 MB).
# gunicorn's master loads them once for its workers (deploy/gunicorn.conf.py); on a team
# server these pages are the files and reports pool's, never the interactive workers'
# (config/pools.py). bench/README.md ("Beside Taguette 1.5.2") has the figures and the
# first report's cost.

PASSAGES_PER_PAGE = 100  # the passages behind a number, a page at a time
CELL_QUOTE = 300  # characters of a quote a matrix cell shows; the exports carry it whole
PAGE_ROWS = 500  # a page shows at most this many rows of a table; exports carry them all
# A framework matrix shows this many rows a page, with links to the others (a matrix of 300
# interviewees by 30 codes was 4.4 MB of page in one piece); its exports carry every row.
MATRIX_ROWS = 50
DRILL_KEYS = ("d_code", "d_code2", "d_mode", "d_dim", "d_val", "d_direct", "d_all")


def _only_coder(access: Access):
    """Coders and viewers of a blinded project see only their own codings."""
    return only_coder(access)


def _definition(request: HttpRequest, access: Access, kind: str) -> tuple[Definition, dict]:
    from reports.definitions import choices_for, parse

    choices = choices_for(access.project, only_coder=_only_coder(access))
    definition = parse(
        kind,
        request.GET.getlist,
        list(request.GET),
        labels=choices["labels"],
        code_ids={code.id for code in choices["codes"]},
        source_ids={pk for pk, _ in choices["sources"]},
    )
    return definition, choices


def _query(params: dict[str, list[str]], **extra) -> str:
    merged = {**params, **{k: [v] for k, v in extra.items()}}
    return urlencode(merged, doseq=True)


def _linked_tables(report: Report, project_pk: int, base: dict[str, list[str]]) -> list[dict]:
    """Each table's rows as (value, drill-down URL or None) pairs for the page."""
    url = reverse("reports:passages", args=[project_pk])
    tables = []
    for table in report.tables:
        rows = []
        shown = table.rows[:PAGE_ROWS]
        for values, links in zip(shown, table.row_links()[:PAGE_ROWS], strict=True):
            rows.append(
                [
                    (
                        value,
                        f"{url}?{_query(base, **link)}" if link is not None else None,
                        isinstance(value, int | float),
                    )
                    for value, link in zip(values, links, strict=True)
                ]
            )
        tables.append({"table": table, "rows": rows, "total": len(table.rows)})
    return tables


def index(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk)
    saved = SavedReport.objects.filter(project=access.project).select_related("created_by")
    return render(
        request,
        "reports/index.html",
        {
            "access": access,
            "project": access.project,
            "kinds": ReportKind.choices,
            "saved": saved,
            "can_edit": access.can(Perm.EDIT_REPORTS),
        },
    )


def report(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    from reports import charts
    from reports.counting import COUNTING
    from reports.definitions import MODES, run
    from reports.frame import CONSENSUS_CODER

    access = project_access(request, pk)
    if kind not in ReportKind.values:
        raise Http404("No such report.")
    definition, choices = _definition(request, access, kind)
    result, data = run(access.project, definition, only_coder=_only_coder(access))
    params = definition.as_params()
    # The matrix's cells are linked for its page of rows alone (`_framework_layout`).
    tables = _linked_tables(result, pk, params) if kind != ReportKind.FRAMEWORK else []
    context = {
        "access": access,
        "project": access.project,
        "kind": kind,
        "kind_label": ReportKind(kind).label,
        "kinds": ReportKind.choices,
        "definition": definition,
        "choices": choices,
        "modes": MODES,
        "countings": COUNTING,
        "report": result,
        "tables": tables,
        "charts": [charts.data_uri(c) for c in result.charts if c.labels],
        "query": _query(params),
        "can_edit": access.can(Perm.EDIT_REPORTS),
        "consensus": CONSENSUS_CODER,
        "codings": len(data.frame),
    }
    if kind == ReportKind.SWOT:
        context["quadrants"] = _swot_layout(result, tables, pk)
    if kind == ReportKind.FRAMEWORK:
        editing = (request.GET.get("edit_row"), request.GET.get("edit_code"))
        context["matrix"] = _framework_layout(
            result,
            pk,
            params,
            address=f"{request.path}?{context['query']}",
            editing=editing if context["can_edit"] else None,
            page=request.GET.get("page", ""),
        )
        context["page_url"] = context["matrix"]["page_url"]
    if kind == ReportKind.THEME:
        context["themes"] = _theme_layout(result, tables, pk)
    return render(request, "reports/report.html", context)


def _quotes_with_links(result: Report, pk: int) -> list[list]:
    """The rows of the report's quotes table, each with one more item: a link to the coding
    page playing from the quote's time when its source has a recording, else None."""
    rows = result.table("quotes").rows
    places = result.layout.get("quote_places") or [None] * len(rows)
    linked = []
    for row, place in zip(rows, places, strict=True):
        link = None
        if place is not None and has_time(place[3]):
            source_id, start, end, seconds = place
            workspace = reverse("coding:workspace", args=[pk, source_id])
            link = passage_link(workspace, start, end, seconds)
        linked.append([*row, link])
    return linked


def _swot_layout(result: Report, tables: list[dict], pk: int) -> list[dict]:
    """The SWOT table's rows grouped by quadrant, each sub-theme with its quotes (each with
    its play link as the eighth item, see `_quotes_with_links`)."""
    quotes: dict[tuple[str, str], list] = {}
    for row in _quotes_with_links(result, pk):
        quotes.setdefault((row[0], row[1]), []).append(row)
    quadrants: list[dict] = []
    for row in tables[0]["rows"]:
        name, theme = row[0][0], row[1][0]
        if not quadrants or quadrants[-1]["name"] != name:
            quadrants.append({"name": name, "rows": []})
        quadrants[-1]["rows"].append(
            {"theme": theme, "cells": row[2:], "quotes": quotes.get((name, theme), [])}
        )
    return quadrants


def _theme_layout(result: Report, tables: list[dict], pk: int) -> list[dict]:
    """Per code its counts, the quotes the report keeps, and a link to all its passages.

    Each quote has its play link as the ninth item (see `_quotes_with_links`)."""
    quotes: dict[str, list] = {}
    for row in _quotes_with_links(result, pk):
        quotes.setdefault(row[0], []).append(row)
    themes = []
    columns = result.tables[0].columns
    for row in tables[0]["rows"]:
        path = row[0][0]
        kept = quotes.get(path, [])
        available = result.layout["totals"][path]["quotes"]
        themes.append(
            {
                "path": path,
                "definition": row[1][0],
                "inclusion": row[2][0],
                "exclusion": row[3][0],
                "counts": list(zip(columns[4:], row[4:], strict=True)),
                "codings": row[4][0],
                "quotes": kept,
                "available": available,
                "more": available > len(kept),
                "all_url": row[4][1],
            }
        )
    return themes


def _framework_layout(
    result: Report,
    pk: int,
    params: dict[str, list[str]],
    *,
    address: str,
    editing: tuple[str | None, str | None] | None = None,
    page: str = "",
) -> dict:
    """One page of the matrix (`MATRIX_ROWS` rows; `page` counts from 1, and a number out of
    range or not a number gives the nearest page) by row and cell, with its own address and
    those of the pages the page lists (`address`: the report's, without a page); `editing`
    names the one cell (row key, code id) whose summary form the page opens, so that a page
    of hundreds of cells carries a single form. A cell without codings has no link to its
    (no) passages."""
    counts = result.table("matrix")
    summaries = result.table("summaries").rows
    keys = result.layout["row_keys"]
    pages = max(1, -(-len(keys) // MATRIX_ROWS))
    number = 1
    if page.isascii() and page.isdigit():
        number = min(max(int(page) if len(page) < 10 else pages, 1), pages)
    first = (number - 1) * MATRIX_ROWS
    shown = range(first, min(len(keys), first + MATRIX_ROWS))
    wanted = {keys[index] for index in shown}
    quotes: dict[tuple[str, int], list] = {}
    # (row, code, quote shortened for a cell, who, play link or None), by the cell's row key
    # and code: two rows may have one label (sources of one title)
    for row, cell in zip(_quotes_with_links(result, pk), result.layout["quote_cells"], strict=True):
        if cell[0] not in wanted:
            continue
        text = row[2] if len(row[2]) <= CELL_QUOTE else row[2][: CELL_QUOTE - 1] + "…"
        quotes.setdefault(cell, []).append((text, row[3], row[4]))
    headers = counts.columns[1:]
    passages = reverse("reports:passages", args=[pk])
    links = counts.row_links()
    rows = []
    for index in shown:
        key, values, label = keys[index], counts.rows[index], counts.rows[index][0]
        cells = []
        for column, code_id in enumerate(result.layout["codes"], start=1):
            link = links[index][column]
            cells.append(
                {
                    "count": values[column],
                    "url": f"{passages}?{_query(params, **link)}"
                    if link is not None and values[column]
                    else None,
                    "summary": summaries[index][column],
                    "quotes": quotes.get((key, code_id), []),
                    "code_id": code_id,
                    "editing": editing == (key, str(code_id)),
                }
            )
        rows.append({"key": key, "label": label, "cells": cells})
    return {
        "corner": counts.columns[0],
        "headers": headers,
        "rows": rows,
        "dimension": result.layout["rows"],
        "page": number,
        "pages": pages,
        "first": first + 1,
        "last": shown.stop,
        "total": len(keys),
        "page_url": _page_address(address, number),
        "page_links": [
            (n, _page_address(address, n) if n else "") for n in _page_numbers(number, pages)
        ],
    }


def _page_address(address: str, page: int) -> str:
    """The address of one page of a framework matrix (the first page's has no number)."""
    return address + (f"&page={page}" if page > 1 else "")


def _page_numbers(page: int, pages: int, around: int = 2) -> list[int]:
    """The pages a list of pages names: the first, the last and `around` either side of
    `page`, a 0 where others are left out (1, 0, 6, 7, 8, 9, 10, 0, 20)."""
    named = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    numbers: list[int] = []
    for number in named:
        if numbers and number > numbers[-1] + 1:
            numbers.append(0)
        numbers.append(number)
    return numbers


def export(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    from reports import exports
    from reports.definitions import COMPLETE_FORMATS, run

    access = project_access(request, pk)
    if kind not in ReportKind.values or fmt not in exports.FORMATS:
        raise Http404("No such report or format.")
    definition, _ = _definition(request, access, kind)
    disclosure = Disclosure.of(access, identified=wants_identified(request.GET))
    result, _ = run(
        access.project,
        definition,
        only_coder=_only_coder(access),
        all_quotes=fmt in COMPLETE_FORMATS,
        disclosure=disclosure,
    )
    disclosure_record(
        user=request.user, disclosure=disclosure, what=f"{result.title} as {fmt.upper()}"
    )
    table = request.GET.get("table") or None
    if table and table not in {t.key for t in result.tables}:
        table = None
    body = exports.export(result, fmt, table=table, project=access.project)
    response = HttpResponse(body, content_type=exports.FORMATS[fmt])
    if fmt != "html":
        name = exports.filename(result, fmt, access.project.name)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def passages(request: HttpRequest, pk: int) -> HttpResponse:
    """The passages behind one number of a report, each linking to its place in the source."""
    from reports.definitions import MODES
    from reports.frame import report_data
    from reports.tables import passages as select_passages

    access = project_access(request, pk)
    definition, choices = _definition(request, access, request.GET.get("kind", "frequencies"))
    data = report_data(
        access.project,
        definition.filters,
        only_coder=_only_coder(access),
        with_turns=request.GET.get("d_mode") == "turn",
        counting=definition.counting,
    )
    drill = {key: request.GET[key] for key in DRILL_KEYS if key in request.GET}
    rows = select_passages(data, drill)
    page = Paginator(range(len(rows)), PASSAGES_PER_PAGE).get_page(request.GET.get("page"))
    items = []
    first = (page.number - 1) * PASSAGES_PER_PAGE
    for row in rows.iloc[first : first + PASSAGES_PER_PAGE].to_dict("records"):
        # The coding page opens for every member (read-only for viewers) at the passage.
        place = reverse("coding:workspace", args=[pk, row["source_id"]])
        items.append(
            {
                **row,
                "url": passage_link(place, row["start"], row["end"], row.get("time")),
                "exemplar": row["coding_id"] in data.exemplar_ids,
            }
        )
    codes = data.code_by_id
    what = []
    if "d_code" in drill and drill["d_code"].isdigit() and int(drill["d_code"]) in codes:
        what.append(codes[int(drill["d_code"])].path)
    if "d_code2" in drill and drill["d_code2"].isdigit() and int(drill["d_code2"]) in codes:
        what.append(
            f"with {codes[int(drill['d_code2'])].path} ({MODES.get(drill.get('d_mode'), '')})"
        )
    if drill.get("d_dim"):
        value = drill.get("d_val", "")
        if drill["d_dim"] == "interviewee":
            value = next((i["interviewee"] for i in items), value)
        elif drill["d_dim"] == "source":
            value = next((i["source"] for i in items), value)
        what.append(f"{data.label(drill['d_dim'])} = {value or '(not set)'}")
    return render(
        request,
        "reports/passages.html",
        {
            "access": access,
            "project": access.project,
            "items": items,
            "total": len(rows),
            "page": page,
            "page_query": _query({k: request.GET.getlist(k) for k in request.GET if k != "page"}),
            "what": " · ".join(what) or "all codings",
            "provenance": data.provenance,
            "unit": data.unit,
            "errors": definition.errors,
            "can_edit": access.can(Perm.EDIT_REPORTS),
            "here": request.get_full_path(),
        },
    )


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    # Only a path on this site: anything else (“abc”, another host) goes to the fallback.
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return fallback


@require_POST
def saved_save(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.EDIT_REPORTS)
    kind = request.POST.get("kind", "")
    if kind not in ReportKind.values:
        messages.error(request, "Choose which report to save.")
        return redirect("reports:index", pk)
    definition, _ = _definition(request, access, kind)
    if definition.errors:
        messages.error(request, " ".join(definition.errors))
        return redirect(
            f"{reverse('reports:report', args=[pk, kind])}?{_query(definition.as_params())}"
        )
    try:
        saved = services.saved_report_save(
            project=access.project,
            name=request.POST.get("name", ""),
            kind=kind,
            params=definition.as_params(),
            user=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(
            f"{reverse('reports:report', args=[pk, kind])}?{_query(definition.as_params())}"
        )
    messages.success(request, f"Saved “{saved.name}”. Anyone in the project can re-run it.")
    return redirect(saved.get_absolute_url())


def saved_run(request: HttpRequest, pk: int, saved_pk: int) -> HttpResponse:
    access = project_access(request, pk)
    saved = get_object_or_404(SavedReport, project=access.project, pk=saved_pk)
    url = reverse("reports:report", args=[pk, saved.kind])
    return redirect(f"{url}?{_query(saved.params)}" if saved.params else url)


@require_POST
def saved_delete(request: HttpRequest, pk: int, saved_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.EDIT_REPORTS)
    saved = get_object_or_404(SavedReport, project=access.project, pk=saved_pk)
    saved.delete()
    messages.success(request, f"Deleted the saved report “{saved.name}”.")
    return redirect("reports:index", pk)


@require_POST
def summary_save(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.EDIT_REPORTS)
    fallback = reverse("reports:report", args=[pk, ReportKind.FRAMEWORK])
    code_id = request.POST.get("code", "")
    code = (
        Code.objects.filter(project=access.project, pk=int(code_id)).first()
        if code_id.isascii() and code_id.isdigit() and len(code_id) < 19
        else None
    )
    rows = request.POST.get("rows", "")
    if code is None or not rows:
        messages.error(request, "That matrix cell does not exist.")
        return redirect(_back(request, fallback))
    services.matrix_summary_save(
        project=access.project,
        rows=rows[:40],
        row_key=request.POST.get("row_key", "")[:300],
        code=code,
        text=request.POST.get("text", ""),
        user=request.user,
    )
    messages.success(request, f"Summary saved for {code.full_path}.")
    return redirect(_back(request, fallback))


@require_POST
def exemplar_toggle(request: HttpRequest, pk: int, coding_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.EDIT_REPORTS)
    coding = get_object_or_404(
        Coding.objects.select_related("source"), source__project=access.project, pk=coding_pk
    )
    marked = services.exemplar_toggle(project=access.project, coding=coding, user=request.user)
    messages.success(request, "Marked as an exemplar." if marked else "No longer an exemplar.")
    return redirect(_back(request, reverse("reports:index", args=[pk])))
