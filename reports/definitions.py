"""A report definition: which report, with which filters and options.

The page's query string, a saved report's stored parameters and the `report` command's
options all become the same `Definition`, so they produce the same report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from reports.frame import Filters, ReportData, report_data, resolve_attribute
from reports.models import MatrixSummary, ReportKind
from reports.tables import Report, cooccurrence, framework, frequencies, swot, theme

MODES = {"overlap": "Overlapping passages", "turn": "Same speaker turn"}
MAX_QUOTES = 50
THEME_QUOTES = 10  # quotes per code a theme report shows unless asked for another number
COMPLETE_FORMATS = ("csv", "xlsx")  # data formats: a theme report's every quote


def default_quotes(kind: str) -> int:
    """Quotes per cell (SWOT, framework) or per code (theme) when none are asked for."""
    return THEME_QUOTES if kind == ReportKind.THEME else 3


@dataclass
class Definition:
    kind: str
    filters: Filters = field(default_factory=Filters)
    by: str | None = None
    codes: list[int] = field(default_factory=list)
    quadrants: list[int] = field(default_factory=list)
    rows: str = "interviewee"
    mode: str = "overlap"
    exemplars_only: bool = False
    quotes: int | None = None  # None: default_quotes(kind)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.quotes is None:
            self.quotes = default_quotes(self.kind)

    def as_params(self) -> dict[str, list[str]]:
        """The query-string form, which `parse` reads back into the same definition."""
        params: dict[str, list[str]] = {}
        if self.by:
            params["by"] = [self.by]
        if self.codes:
            params["code"] = [str(pk) for pk in self.codes]
        if self.quadrants:
            params["quadrant"] = [str(pk) for pk in self.quadrants]
        if self.kind == ReportKind.FRAMEWORK:
            params["rows"] = [self.rows]
        if self.kind == ReportKind.COOCCURRENCE:
            params["mode"] = [self.mode]
        if self.exemplars_only:
            params["exemplars"] = ["1"]
        if self.quotes != default_quotes(self.kind):
            params["quotes"] = [str(self.quotes)]
        if self.filters.coders:
            params["coder"] = list(self.filters.coders)
        if self.filters.sources:
            params["source"] = [str(pk) for pk in self.filters.sources]
        for key, values in self.filters.attributes.items():
            params[f"f_{key}"] = list(values)
        return params


def _ints(values: list[str], what: str, known: set[int], errors: list[str]) -> list[int]:
    result = []
    for value in values:
        if value in ("", None):
            continue
        try:
            pk = int(value)
        except (TypeError, ValueError):
            errors.append(f"“{value}” is not a {what}.")
            continue
        if pk not in known:
            errors.append(f"There is no {what} {pk} in this project.")
            continue
        result.append(pk)
    return result


def parse(
    kind: str,
    getlist: Callable[[str], list[str]],
    keys: list[str],
    *,
    labels: dict[str, str],
    code_ids: set[int],
    source_ids: set[int],
) -> Definition:
    """Read a definition from query parameters; problems are listed in `errors`, never raised."""
    errors: list[str] = []
    if kind not in ReportKind.values:
        errors.append(f"There is no report called “{kind}”.")
        kind = ReportKind.FREQUENCIES

    def one(name: str, default: str = "") -> str:
        values = [v for v in getlist(name) if v != ""]
        return values[-1] if values else default

    definition = Definition(kind=kind, errors=errors)
    by = one("by")
    if by:
        key = resolve_attribute(labels, by)
        if key is None:
            errors.append(f"There is no attribute called “{by}”.")
        definition.by = key
    definition.codes = _ints(getlist("code"), "code", code_ids, errors)
    definition.quadrants = _ints(getlist("quadrant"), "code", code_ids, errors)
    rows = one("rows", "interviewee")
    if rows not in ("interviewee", "source"):
        key = resolve_attribute(labels, rows)
        if key is None:
            errors.append(f"There is no attribute called “{rows}” to make rows of.")
            key = "interviewee"
        rows = key
    definition.rows = rows
    mode = one("mode", "overlap")
    if mode not in MODES:
        errors.append(f"Co-occurrence counts “overlap” or “turn”, not “{mode}”.")
        mode = "overlap"
    definition.mode = mode
    definition.exemplars_only = one("exemplars") in ("1", "true", "on", "yes")
    quotes = one("quotes", str(default_quotes(kind)))
    try:
        definition.quotes = max(0, min(MAX_QUOTES, int(quotes)))
    except ValueError:
        errors.append(f"The number of quotes per cell must be a whole number, not “{quotes}”.")
    filters = Filters(
        coders=[v.strip() for v in getlist("coder") if v.strip()],
        sources=_ints(getlist("source"), "source", source_ids, errors),
        codes=[],
    )
    for name in keys:
        if name.startswith("f_"):
            key = name[2:]
            values = [v for v in getlist(name) if v != ""]
            if key not in labels:
                errors.append(f"There is no attribute “{key}” to filter by.")
            elif values:
                filters.attributes[key] = values
    definition.filters = filters
    return definition


def parse_mapping(kind: str, params: Mapping[str, list[str]], **known) -> Definition:
    return parse(kind, lambda name: list(params.get(name, [])), list(params), **known)


def summaries_for(project, rows: str) -> dict[tuple[str, int], str]:
    return {
        (row_key, code_id): text
        for row_key, code_id, text in MatrixSummary.objects.filter(
            project=project, rows=rows
        ).values_list("row_key", "code_id", "text")
    }


def build(
    data: ReportData, definition: Definition, *, summaries=None, all_quotes: bool = False
) -> Report:
    """The report a definition asks for, from already-loaded data (no database access).

    A theme report keeps `definition.quotes` quotes per code unless `all_quotes` is set
    (the CSV and XLSX exports); its counts are the same either way.
    """
    if definition.kind == ReportKind.SWOT:
        return swot(
            data,
            quadrants=definition.quadrants,
            by=definition.by,
            quotes_per_cell=definition.quotes,
        )
    if definition.kind == ReportKind.FRAMEWORK:
        return framework(
            data,
            rows=definition.rows,
            codes=definition.codes,
            summaries=summaries,
            quotes_per_cell=definition.quotes,
        )
    if definition.kind == ReportKind.COOCCURRENCE:
        return cooccurrence(data, codes=definition.codes, mode=definition.mode)
    if definition.kind == ReportKind.THEME:
        return theme(
            data,
            codes=definition.codes,
            exemplars_only=definition.exemplars_only,
            quotes_per_code=None if all_quotes else definition.quotes,
        )
    return frequencies(data, by=definition.by, codes=definition.codes)


def load(project, definition: Definition, *, only_coder=None, disclosure=None) -> ReportData:
    return report_data(
        project,
        definition.filters,
        only_coder=only_coder,
        disclosure=disclosure,
        with_turns=definition.kind == ReportKind.COOCCURRENCE and definition.mode == "turn",
        with_quotes=definition.kind not in (ReportKind.FREQUENCIES, ReportKind.COOCCURRENCE),
    )


def run(
    project,
    definition: Definition,
    *,
    only_coder=None,
    all_quotes: bool = False,
    disclosure=None,
) -> tuple[Report, ReportData]:
    """Load the data a definition needs and build its report."""
    data = load(project, definition, only_coder=only_coder, disclosure=disclosure)
    summaries = (
        summaries_for(project, definition.rows) if definition.kind == ReportKind.FRAMEWORK else None
    )
    return build(data, definition, summaries=summaries, all_quotes=all_quotes), data


def choices_for(project, *, only_coder=None) -> dict:
    """What the report form offers: attributes with their values, codes, coders, sources."""
    from django.contrib.auth import get_user_model

    from coding.models import Coding
    from interviews.models import AttributeValue, Interviewee, Source
    from reports.frame import BUILTIN_ATTRIBUTES, CONSENSUS_CODER, attribute_labels, code_infos

    labels, source_keys = attribute_labels(project)
    values: dict[str, set[str]] = {key: set() for key in labels}
    for row in (
        Interviewee.objects.filter(project=project).reportable().values_list(*BUILTIN_ATTRIBUTES)
    ):
        for key, value in zip(BUILTIN_ATTRIBUTES, row, strict=True):
            values[key].add(value)
    for attribute_id, value in AttributeValue.objects.filter(
        attribute__project=project
    ).values_list("attribute_id", "value"):
        values.setdefault(f"attr{attribute_id}", set()).add(value)
    attributes = [
        {
            "key": key,
            "label": label,
            "source_level": key in source_keys,
            "values": sorted((v or "(not set)" for v in values.get(key, set())), key=str.casefold),
        }
        for key, label in labels.items()
    ]
    if only_coder is not None:
        coders = [only_coder.username]
    else:
        coder_ids = Coding.objects.filter(source__project=project).values("coder_id").distinct()
        coders = list(
            get_user_model()
            .objects.filter(pk__in=coder_ids)
            .order_by("username")
            .values_list("username", flat=True)
        )
    return {
        "attributes": attributes,
        "labels": labels,
        "codes": code_infos(project),
        "coders": coders,
        "has_consensus": CONSENSUS_CODER in coders,
        "sources": list(Source.objects.filter(project=project).values_list("pk", "title")),
    }
