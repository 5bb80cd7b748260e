"""Report tables: pure functions from a ReportData to a Report.

A Report is a list of Tables of plain values (str, int, float, None). The page, the CSV,
the XLSX, the DOCX and the charts are all rendered from these same tables, so the numbers
agree in every format. Each number may carry a drill-down: the parameters that select the
passages behind it (see `passages`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from reports.frame import NOT_SET, CodeInfo, ReportData, turn_of

SWOT_NAMES = ["Strengths", "Weaknesses", "Opportunities", "Threats"]
ROW_DIMENSIONS = {"interviewee": "interviewee_id", "source": "source_id"}


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    links: list[list[dict | None] | None] = field(default_factory=list)  # per cell, or None
    note: str = ""

    def add(self, values: list, links: list[dict | None] | None = None) -> None:
        self.rows.append(values)
        self.links.append(links)

    def row_links(self) -> list[list[dict | None]]:
        """The drill-down of each cell, row by row (None where a cell has none)."""
        return [
            links if links is not None else [None] * len(values)
            for values, links in zip(self.rows, self.links, strict=True)
        ]

    def as_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=self.columns)


# The most codes a co-occurrence matrix and a chart show: a larger one cannot be read (a
# matrix of 300 codes was 12 MB of page, a chart of 2,000 bars seconds of drawing); the pairs
# and the other tables keep every code (bench/README.md, "Reports with a large codebook").
MAX_SHOWN = 40


def largest(totals: list[float], limit: int = MAX_SHOWN) -> list[int]:
    """The positions of the `limit` largest totals, in their order; among equal totals, the
    first ones."""
    ranked = sorted(range(len(totals)), key=lambda i: -totals[i])  # stable: ties keep order
    return sorted(ranked[:limit])


@dataclass
class Chart:
    kind: str  # "bar" or "heatmap"
    title: str
    labels: list[str]
    series: dict[str, list[float]]  # bar: group → values; heatmap: row label → values
    columns: list[str] = field(default_factory=list)  # heatmap column labels


@dataclass
class Report:
    kind: str
    title: str
    tables: list[Table]
    provenance: str
    charts: list[Chart] = field(default_factory=list)
    layout: dict = field(default_factory=dict)  # hints for the page (never numbers)
    about: list[tuple[str, str]] = field(default_factory=list)  # provenance, item by item

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


# --- helpers -----------------------------------------------------------------------------


def _group_values(frame: pd.DataFrame, by: str | None) -> list[str]:
    if not by:
        return []
    values = sorted(set(frame[by].tolist()), key=lambda v: (v == "", str(v).casefold()))
    return [v if v != "" else NOT_SET for v in values]


def _counts(frame: pd.DataFrame) -> tuple[int, int, int]:
    return (
        int(len(frame)),
        int(frame["source_id"].nunique()),
        int(frame["interviewee_id"].dropna().nunique()),
    )


def _group_counts(
    frame: pd.DataFrame, by: str | None, groups: list
) -> dict[str | None, tuple[int, int, int]]:
    """Codings, sources and interviewees of each group, in one pass."""
    if not by:
        return {None: _counts(frame)}
    keys = frame[by].where(frame[by] != "", NOT_SET)
    grouped = frame.assign(_group=keys).groupby("_group")
    codings = grouped.size().to_dict()
    sources = grouped["source_id"].nunique().to_dict()
    people = grouped["interviewee_id"].nunique().to_dict()
    return {
        g: (int(codings.get(g, 0)), int(sources.get(g, 0)), int(people.get(g, 0))) for g in groups
    }


def _rollup_counts(
    data: ReportData, frame: pd.DataFrame, codes: list[int], by: str | None, groups: list
) -> dict[int, dict]:
    """_group_counts for each code with its sub-codes, in one pass over the frame."""
    pairs = pd.DataFrame(
        [(member, pk) for pk in codes for member in data.subtree(pk)],
        columns=["code_id", "_chosen"],
    )
    exploded = frame[["code_id", "source_id", "interviewee_id", *([by] if by else [])]].merge(
        pairs, on="code_id"
    )
    if by:
        exploded["_group"] = exploded[by].where(exploded[by] != "", NOT_SET)
    else:
        exploded["_group"] = "All"
    grouped = exploded.groupby(["_chosen", "_group"])
    codings = grouped.size().to_dict()
    sources = grouped["source_id"].nunique().to_dict()
    people = grouped["interviewee_id"].nunique().to_dict()
    result: dict[int, dict] = {}
    for pk in codes:
        result[pk] = {}
        for group in groups:
            key = (pk, group if group is not None else "All")
            result[pk][group] = (
                int(codings.get(key, 0)),
                int(sources.get(key, 0)),
                int(people.get(key, 0)),
            )
    return result


def _explode(frame: pd.DataFrame, rows: list[set[int]], by: str | None) -> pd.DataFrame:
    """One row per (coding, report row whose codes include the coding's code), with its group."""
    pairs = pd.DataFrame(
        [(member, index) for index, members in enumerate(rows) for member in members],
        columns=["code_id", "_row"],
    ).astype("int64")
    exploded = frame.merge(pairs, on="code_id")
    if by:
        exploded["_group"] = exploded[by].where(exploded[by] != "", NOT_SET)
    else:
        exploded["_group"] = "All"
    return exploded


def _slim(frame: pd.DataFrame, *extra: str | None) -> pd.DataFrame:
    """The columns a report with quotes uses (and `extra`), so exploding copies less."""
    columns = ["coding_id", "code_id", "source_id", "interviewee_id", "start", "end"]
    columns += ["source", "quote", "interviewee", "sector"]
    columns += [c for c in extra if c and c not in columns]
    return frame[columns]


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _drill(code: int | None = None, by: str | None = None, value: str | None = None, **extra):
    drill: dict = {}
    if code is not None:
        drill["d_code"] = str(code)
    if by and value is not None:
        drill["d_dim"] = by
        drill["d_val"] = value
    drill.update({k: str(v) for k, v in extra.items() if v is not None})
    return drill


def _code_mask(data: ReportData, frame: pd.DataFrame, code_id: int) -> pd.Series:
    return frame["code_id"].isin(data.subtree(code_id))


def attribution(row) -> str:
    """Who said it: pseudonym and sector, or the source's title for a document."""
    if row["interviewee"]:
        return f"{row['interviewee']}, {row['sector']}" if row["sector"] else row["interviewee"]
    return row["source"]


def _pick_quotes(data: ReportData, frame: pd.DataFrame, limit: int | None) -> pd.DataFrame:
    """Exemplars first, then in reading order; one quote per span however many coded it."""
    if not len(frame):
        return frame
    ranked = frame.assign(_ex=~frame["coding_id"].isin(data.exemplar_ids))
    ranked = ranked.sort_values(["_ex", "source", "start", "end", "coding_id"])
    ranked = ranked.drop_duplicates(["source_id", "start", "end"])
    return ranked.head(limit) if limit else ranked


# --- drill-down -------------------------------------------------------------------------------


def passages(data: ReportData, drill: dict) -> pd.DataFrame:
    """The codings behind one number of a report, in reading order."""
    frame = data.frame
    dim, value = drill.get("d_dim"), drill.get("d_val")
    if dim:
        column = ROW_DIMENSIONS.get(dim, dim)
        if column not in frame.columns:
            return frame.iloc[0:0]
        if column in ROW_DIMENSIONS.values():
            try:
                frame = frame[frame[column] == int(value)]
            except (TypeError, ValueError):
                return frame.iloc[0:0]
        else:
            frame = frame[frame[column] == ("" if value == NOT_SET else value)]
    code, partner = _int(drill.get("d_code")), _int(drill.get("d_code2"))
    if code is not None and partner is not None:
        mode = drill.get("d_mode", "overlap")
        ids = cooccurrence_codings(data, frame, code, partner, mode)
        frame = frame[frame["coding_id"].isin(ids)]
    elif code is not None and drill.get("d_direct"):
        frame = frame[frame["code_id"] == code]
    elif code is not None:
        frame = frame[_code_mask(data, frame, code)]
    return frame.sort_values(["source", "start", "end", "coding_id"])


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- SWOT ---------------------------------------------------------------------------------------


def default_quadrants(codes: list[CodeInfo]) -> list[int]:
    top = {code.name.casefold(): code.id for code in codes if code.parent_id is None}
    return [top[name.casefold()] for name in SWOT_NAMES if name.casefold() in top]


def swot(
    data: ReportData,
    *,
    quadrants: list[int] | None = None,
    by: str | None = None,
    quotes_per_cell: int = 3,
) -> Report:
    codes = data.code_by_id
    unit = data.unit.capitalize()
    quadrants = [pk for pk in (quadrants or default_quadrants(data.codes)) if pk in codes]
    frame = data.frame
    groups = _group_values(frame, by) or [None]
    count_columns = []
    for group in groups:
        prefix = f"{group} · " if group is not None else ""
        count_columns += [f"{prefix}{unit}", f"{prefix}Sources", f"{prefix}Interviewees"]
    matrix = Table(
        "swot",
        "SWOT matrix",
        ["Quadrant", "Sub-theme", *count_columns],
        note=f"Counts include the {data.unit} of every sub-code.",
    )
    quotes = Table(
        "quotes",
        "Exemplar quotes",
        ["Quadrant", "Sub-theme", "Group", "Quote", "Interviewee", "Sector", "Source"],
    )
    chart = Chart("bar", f"{unit} per quadrant", [], {str(g or "All"): [] for g in groups})
    # The matrix's rows: (quadrant, sub-theme, its codes, drill code, coded at the quadrant
    # itself only, shows quotes). A quadrant without sub-themes shows its quotes at "(all)".
    plan: list[tuple[int, str, set[int], int, bool, bool]] = []
    used = set(frame["code_id"].tolist())
    for quadrant_id in quadrants:
        children = [c for c in data.codes if c.parent_id == quadrant_id]
        subtree = data.subtree(quadrant_id)
        plan.append((quadrant_id, "(all)", subtree, quadrant_id, False, not children))
        plan += [(quadrant_id, c.name, data.subtree(c.id), c.id, False, True) for c in children]
        if children and quadrant_id in used:
            plan.append((quadrant_id, "(general)", {quadrant_id}, quadrant_id, True, True))
    label_of = {None: "All"}
    timed = "time" if "time" in frame.columns else None
    exploded = _explode(_slim(frame, by, timed), [row[2] for row in plan], by)
    grouped = exploded.groupby(["_row", "_group"])
    codings = grouped.size().to_dict()
    sources = grouped["source_id"].nunique().to_dict()
    people = grouped["interviewee_id"].nunique().to_dict()
    wanted = [index for index, row in enumerate(plan) if row[5]]
    picked = exploded[exploded["_row"].isin(wanted)]
    picked = picked.assign(_ex=~picked["coding_id"].isin(data.exemplar_ids))
    picked = picked.sort_values(["_row", "_ex", "source", "start", "end", "coding_id"])
    picked = picked.drop_duplicates(["_row", "source_id", "start", "end"])
    picked = picked.groupby(["_row", "_group"], sort=False).head(quotes_per_cell)
    cell_quotes: dict[tuple, list] = {}
    columns = ["_row", "_group", "quote", "interviewee", "sector", "source"]
    columns += ["source_id", "start", "end"] + ([timed] if timed else [])
    for row, group, *rest in zip(*(picked[c].tolist() for c in columns), strict=True):
        cell_quotes.setdefault((row, group), []).append(rest)
    places = []  # where each quote is (source, start, end, its time or None), for the page
    for index, (quadrant_id, label, _members, drill_code, direct, with_quotes) in enumerate(plan):
        name = codes[quadrant_id].name
        if label == "(all)":
            chart.labels.append(name)
        values, links = [name, label], [None, None]
        for group in groups:
            key = (index, label_of.get(group, group))
            counted = (
                int(codings.get(key, 0)),
                int(sources.get(key, 0)),
                int(people.get(key, 0)),
            )
            values += list(counted)
            drill = _drill(drill_code, by, group)
            if direct:
                drill["d_direct"] = "1"
            links += [drill] * 3
            if label == "(all)":
                chart.series[str(group or "All")].append(counted[0])
        matrix.add(values, links)
        if with_quotes:
            for group in groups:
                for quote, person, sector, source, *place in cell_quotes.get(
                    (index, label_of.get(group, group)), []
                ):
                    quotes.add([name, label, group or "All", quote, person, sector, source])
                    places.append((*place, None) if len(place) == 3 else tuple(place))
    return Report(
        kind="swot",
        title="SWOT matrix" + (f" by {data.label(by)}" if by else ""),
        tables=[matrix, quotes],
        provenance=data.provenance,
        about=data.about,
        charts=[chart] if quadrants else [],
        layout={
            "groups": [g or "All" for g in groups],
            "by": by,
            "unit": unit,
            "unit_short": f"{unit[:3]}.",
            "quote_places": places,
        },
    )


# --- framework matrix ---------------------------------------------------------------------------


def framework_rows(data: ReportData, rows: str) -> list[tuple[str, str]]:
    """(row key, row label) pairs for a row dimension, in display order."""
    frame = data.frame
    if rows == "interviewee":
        people = frame[frame["interviewee_id"].notna()]
        pairs = people.drop_duplicates("interviewee_id")[["interviewee_id", "interviewee"]]
        return sorted(((str(int(k)), v) for k, v in pairs.itertuples(index=False)), key=_by_label)
    if rows == "source":
        pairs = frame.drop_duplicates("source_id")[["source_id", "source"]]
        found = [(str(int(k)), v) for k, v in pairs.itertuples(index=False)]
        # Titles need not be unique: rows of one title say which source each is.
        seen = Counter(label for _, label in found)
        named = [(k, f"{v} (source {k})" if seen[v] > 1 else v) for k, v in found]
        return sorted(named, key=_by_label)
    return [("" if v == NOT_SET else v, v) for v in _group_values(frame, rows)]


def _row_keys(values: pd.Series, by_id: bool) -> pd.Series:
    """Row keys as text: ids for interviewees and sources, values for attributes."""
    if by_id:
        return values.dropna().astype("int64").astype(str)
    return values.astype(str)


def _attributions(frame: pd.DataFrame) -> list[str]:
    return [
        attribution({"interviewee": person, "sector": sector, "source": source})
        for person, sector, source in zip(
            frame["interviewee"], frame["sector"], frame["source"], strict=True
        )
    ]


def _by_label(pair: tuple[str, str]) -> str:
    return pair[1].casefold()


def framework(
    data: ReportData,
    *,
    rows: str = "interviewee",
    codes: list[int] | None = None,
    summaries: dict[tuple[str, int], str] | None = None,
    quotes_per_cell: int = 3,
) -> Report:
    summaries = summaries or {}
    by_id = data.code_by_id
    codes = [
        pk for pk in (codes or [c.id for c in data.codes if c.parent_id is None]) if pk in by_id
    ]
    row_label = data.label(rows)
    headers = [by_id[pk].path for pk in codes]
    counts = Table(
        "matrix",
        f"Framework matrix: {data.unit}",
        [row_label, *headers],
        note=f"{data.unit.capitalize()} per cell.",
    )
    texts = Table("summaries", "Framework matrix: summaries", [row_label, *headers])
    quotes = Table(
        "quotes", "Framework matrix: quotes", [row_label, "Code", "Quote", "Attribution"]
    )
    frame = data.frame
    column = ROW_DIMENSIONS.get(rows, rows)
    by_id_dimension = column in ROW_DIMENSIONS.values()
    timed = "time" if "time" in frame.columns else None
    exploded = _explode(_slim(frame, column, timed), [data.subtree(pk) for pk in codes], None)
    exploded["_key"] = _row_keys(exploded[column], by_id_dimension)
    exploded = exploded[exploded["_key"].notna()]
    cell_counts = exploded.groupby(["_row", "_key"]).size().to_dict()
    picked = exploded.assign(_ex=~exploded["coding_id"].isin(data.exemplar_ids))
    picked = picked.sort_values(["_row", "_ex", "source", "start", "end", "coding_id"])
    picked = picked.drop_duplicates(["_row", "source_id", "start", "end"])
    picked = picked.groupby(["_row", "_key"], sort=False).head(quotes_per_cell)
    cell_quotes: dict[tuple[int, str], list] = {}
    for row, key, quote, who, *place in zip(
        picked["_row"].tolist(),
        picked["_key"].tolist(),
        picked["quote"].tolist(),
        _attributions(picked),
        picked["source_id"].tolist(),
        picked["start"].tolist(),
        picked["end"].tolist(),
        picked[timed].tolist() if timed else [None] * len(picked),
        strict=True,
    ):
        cell_quotes.setdefault((row, key), []).append((quote, who, tuple(place)))
    places = []  # where each quote is (source, start, end, its time or None), for the page
    cells = []  # the cell of each quote (its row's key, its code), for the page
    keys = []
    for key, label in framework_rows(data, rows):
        keys.append(key)
        values, links, summary_row = [label], [None], [label]
        for index, pk in enumerate(codes):
            values.append(int(cell_counts.get((index, key), 0)))
            links.append(_drill(pk, rows, key))
            summary_row.append(summaries.get((key, pk), ""))
            for quote, who, place in cell_quotes.get((index, key), []):
                quotes.add([label, by_id[pk].path, quote, who])
                places.append(place)
                cells.append((key, pk))
        counts.add(values, links)
        texts.add(summary_row)
    return Report(
        kind="framework",
        title=f"Framework matrix: {row_label} × codes",
        tables=[counts, texts, quotes],
        provenance=data.provenance,
        about=data.about,
        layout={
            "rows": rows,
            "row_keys": keys,
            "codes": codes,
            "quote_places": places,
            "quote_cells": cells,
        },
    )


# --- frequencies --------------------------------------------------------------------------------


def frequencies(
    data: ReportData, *, by: str | None = None, codes: list[int] | None = None
) -> Report:
    by_id = data.code_by_id
    chosen = [pk for pk in (codes or [c.id for c in data.codes]) if pk in by_id]
    frame = data.frame
    unit = data.unit.capitalize()
    groups = _group_values(frame, by) or [None]
    columns = ["Code"]
    for group in groups:
        prefix = f"{group} · " if group is not None else ""
        columns += [
            f"{prefix}{unit}",
            f"{prefix}% of {data.unit}",
            f"{prefix}Sources",
            f"{prefix}Interviewees",
            f"{prefix}% of interviewees",
        ]
    table = Table(
        "frequencies",
        "Code frequencies" + (f" by {data.label(by)}" if by else ""),
        columns,
        note=f"A code counts the {data.unit} of its sub-codes too. Percentages are of the "
        f"group's {data.unit} and of the group's interviewees with any coding in this report.",
    )
    totals = _group_counts(frame, by, groups)
    values, links = ["All codes"], [None]
    for group in groups:
        codings, sources, people = totals[group]
        values += [codings, 100.0 if codings else 0.0, sources, people, 100.0 if people else 0.0]
        links += [_drill(None, by, group) or {"d_all": "1"}] * 5
    table.add(values, links)
    chart = Chart("bar", f"{unit} per code", [], {str(g or "All"): [] for g in groups})
    rolled = _rollup_counts(data, frame, chosen, by, groups)
    for pk in chosen:
        values, links = [by_id[pk].path], [None]
        chart.labels.append(by_id[pk].path)
        counted = rolled[pk]
        for group in groups:
            codings, sources, people = counted[group]
            all_codings, _, all_people = totals[group]
            values += [
                codings,
                _percent(codings, all_codings),
                sources,
                people,
                _percent(people, all_people),
            ]
            drill = _drill(pk, by, group)
            links += [drill] * 5
            chart.series[str(group or "All")].append(codings)
        table.add(values, links)
    return Report(
        kind="frequencies",
        title=table.title,
        tables=[table],
        provenance=data.provenance,
        about=data.about,
        charts=[chart],
        layout={"depth": {by_id[pk].path: by_id[pk].depth for pk in chosen}},
    )


# --- co-occurrence ------------------------------------------------------------------------------


def _membership(data: ReportData, frame: pd.DataFrame, codes: list[int]) -> pd.DataFrame:
    """One row per (coding, chosen code it belongs to)."""
    parts = []
    for pk in codes:
        part = frame.loc[
            frame["code_id"].isin(data.subtree(pk)), ["coding_id", "source_id", "start", "end"]
        ]
        parts.append(part.assign(chosen=pk))
    if not parts:
        return pd.DataFrame(columns=["coding_id", "source_id", "start", "end", "chosen"])
    return pd.concat(parts, ignore_index=True)


def overlap_pairs(members: pd.DataFrame) -> pd.DataFrame:
    """Every unordered pair of memberships whose spans overlap in the same source."""
    empty = pd.DataFrame(columns=["coding_a", "code_a", "coding_b", "code_b"])
    if len(members) < 2:
        return empty
    m = members.sort_values(["source_id", "start", "end"]).reset_index(drop=True)
    rank = m["source_id"].rank(method="dense").to_numpy(dtype="int64")
    span = int(max(m["end"].max(), 1)) + 1
    starts = rank * span + m["start"].to_numpy(dtype="int64")
    ends = rank * span + m["end"].to_numpy(dtype="int64")
    first = np.arange(len(m))
    last = np.searchsorted(starts, ends, side="left")  # codings starting before i ends
    widths = np.maximum(last - first - 1, 0)
    if not widths.sum():
        return empty
    a = np.repeat(first, widths)
    offsets = np.arange(widths.sum()) - np.repeat(np.cumsum(widths) - widths, widths)
    b = a + 1 + offsets
    coding, chosen = m["coding_id"].to_numpy(), m["chosen"].to_numpy()
    pairs = pd.DataFrame(
        {"coding_a": coding[a], "code_a": chosen[a], "coding_b": coding[b], "code_b": chosen[b]}
    )
    return pairs[(pairs["coding_a"] != pairs["coding_b"]) & (pairs["code_a"] != pairs["code_b"])]


def _turn_members(data: ReportData, frame: pd.DataFrame, codes: list[int]) -> pd.DataFrame:
    turns = (
        data.turns
        if data.turns is not None
        else pd.DataFrame(columns=["turn_id", "source_id", "start", "end", "interviewee_id"])
    )
    members = _membership(data, frame, codes)
    members = members.assign(turn_id=turn_of(members, turns) if len(members) else [])
    return members[members["turn_id"] >= 0]


def cooccurrence_codings(
    data: ReportData, frame: pd.DataFrame, code: int, partner: int, mode: str
) -> set[int]:
    """The codings behind one co-occurrence cell."""
    if mode == "turn":
        members = _turn_members(data, frame, [code, partner])
        by_turn = members.groupby("turn_id")["chosen"].agg(set)
        turns = {t for t, chosen in by_turn.items() if {code, partner} <= chosen}
        return set(members.loc[members["turn_id"].isin(turns), "coding_id"].tolist())
    pairs = overlap_pairs(_membership(data, frame, [code, partner]))
    return set(pairs["coding_a"].tolist()) | set(pairs["coding_b"].tolist())


def cooccurrence(
    data: ReportData, *, codes: list[int] | None = None, mode: str = "overlap"
) -> Report:
    by_id = data.code_by_id
    used = set(data.frame["code_id"].tolist())
    chosen = [pk for pk in (codes or [c.id for c in data.codes if c.id in used]) if pk in by_id]
    index = {pk: i for i, pk in enumerate(chosen)}
    counts = np.zeros((len(chosen), len(chosen)), dtype="int64")
    frame = data.frame
    if mode == "turn":
        members = _turn_members(data, frame, chosen)
        if len(members):
            turn_index = pd.factorize(members["turn_id"])[0]
            code_index = members["chosen"].map(index).to_numpy(dtype="int64")
            incidence = np.zeros((int(turn_index.max()) + 1, len(chosen)), dtype="int64")
            incidence[turn_index, code_index] = 1
            counts = incidence.T @ incidence
        note = (
            "Speaker turns in which both codes occur (a coding belongs to the turn it starts in)."
        )
    else:
        pairs = overlap_pairs(_membership(data, frame, chosen))
        if len(pairs):
            grouped = pairs.groupby(["code_a", "code_b"]).size()
            for (a, b), n in grouped.items():
                counts[index[a], index[b]] += n
                counts[index[b], index[a]] += n
        note = "Pairs of codings whose passages overlap."
    headers = [by_id[pk].path for pk in chosen]
    shown = list(range(len(chosen)))
    if len(chosen) > MAX_SHOWN:
        # The codes with the most co-occurrences (with codes other than themselves); among
        # equal ones, the first in the codebook's order.
        shown = largest((counts.sum(axis=1) - np.diag(counts)).tolist())
        note += (
            f" The matrix shows the {MAX_SHOWN} codes with the most co-occurrences of the "
            f"{len(chosen):,} chosen; “Co-occurring pairs” lists every pair."
        )
    table = Table(
        "cooccurrence", "Co-occurrence", ["Code", *(headers[i] for i in shown)], note=note
    )
    pair_table = Table("pairs", "Co-occurring pairs", ["Code", "Code ", "Count"])
    for i in shown:
        values, links = [headers[i]], [None]
        for j in shown:
            if i == j:
                values.append(None)
                links.append(None)
            else:
                values.append(int(counts[i, j]))
                links.append(_drill(chosen[i], d_code2=chosen[j], d_mode=mode))
        table.add(values, links)
    pair_rows = [
        (int(counts[i, j]), headers[i], headers[j], chosen[i], chosen[j])
        for i in range(len(chosen))
        for j in range(i + 1, len(chosen))
        if counts[i, j]
    ]
    for n, a, b, pk_a, pk_b in sorted(pair_rows, key=lambda r: (-r[0], r[1], r[2])):
        pair_table.add([a, b, n], [None, None, _drill(pk_a, d_code2=pk_b, d_mode=mode)])
    matrix = [headers[i] for i in shown]
    chart = Chart(
        "heatmap",
        "Co-occurrence",
        matrix,
        {headers[i]: [int(counts[i, j]) if i != j else 0 for j in shown] for i in shown},
        columns=matrix,
    )
    return Report(
        kind="cooccurrence",
        title="Co-occurrence"
        + (" in speaker turns" if mode == "turn" else " (overlapping passages)"),
        tables=[table, pair_table],
        provenance=data.provenance,
        about=data.about,
        charts=[chart] if chosen else [],
        layout={"mode": mode},
    )


# --- theme report -------------------------------------------------------------------------------


def theme(
    data: ReportData,
    *,
    codes: list[int] | None = None,
    exemplars_only: bool = False,
    quotes_per_code: int | None = None,
) -> Report:
    """Per code its definition, counts (always of every coding), quotes and memos.

    Quotes come exemplars first, then in reading order; `quotes_per_code` keeps the first
    so many of each code (None keeps them all). The counts never depend on that cap.
    """
    by_id = data.code_by_id
    frame = data.frame
    used = set(frame["code_id"].tolist())
    chosen = [pk for pk in (codes or [c.id for c in data.codes if c.id in used]) if pk in by_id]
    unit = data.unit.capitalize()
    themes = Table(
        "themes",
        "Themes",
        ["Code", "Definition", "Inclusion", "Exclusion", unit, "Sources", "Interviewees"],
    )
    quotes = Table(
        "quotes",
        "Quotes" + (" (exemplars)" if exemplars_only else ""),
        ["Code", "Quote", "Interviewee", "Sector", "Source", "Coder", "Exemplar", "Memo"],
    )
    memos = Table("memos", "Memos", ["Code", "Title", "Memo"])
    timed = "time" if "time" in frame.columns else None
    exploded = _explode(
        _slim(frame, "coder", "memo", timed), [data.subtree(pk) for pk in chosen], None
    )
    counts = _group_counts(exploded.assign(_g=exploded["_row"]), "_g", list(range(len(chosen))))
    exploded["_ex"] = exploded["coding_id"].isin(data.exemplar_ids)
    picked = exploded[exploded["_ex"]] if exemplars_only else exploded
    picked = picked.assign(_not_ex=~picked["_ex"]).sort_values(
        ["_row", "_not_ex", "source", "start", "end", "coding_id"]
    )
    available = picked.groupby("_row").size().to_dict()
    if quotes_per_code is not None:
        picked = picked[picked.groupby("_row").cumcount() < quotes_per_code]
    paths = [by_id[pk].path for pk in chosen]
    rows = zip(
        [paths[i] for i in picked["_row"].tolist()],
        *(picked[c].tolist() for c in ("quote", "interviewee", "sector", "source", "coder")),
        picked["_ex"].map({True: "yes", False: ""}).tolist(),
        picked["memo"].tolist(),
        strict=True,
    )
    quotes.rows = [list(row) for row in rows]
    quotes.links = [None] * len(quotes.rows)
    # Where each quote is (source, start, end, its time or None), for the page's links.
    places = list(
        zip(
            picked["source_id"].tolist(),
            picked["start"].tolist(),
            picked["end"].tolist(),
            picked[timed].tolist() if timed else [None] * len(picked),
            strict=True,
        )
    )
    totals = {}
    for index, pk in enumerate(chosen):
        code = by_id[pk]
        drill = _drill(pk)
        codings, sources, people = counts[index]
        themes.add(
            [code.path, code.definition, code.inclusion, code.exclusion, codings, sources, people],
            [None, None, None, None, drill, drill, drill],
        )
        totals[code.path] = {"quotes": int(available.get(index, 0)), "drill": drill}
        for title, text in data.code_memos.get(pk, []):
            memos.add([code.path, title, text])
    capped = quotes_per_code is not None and any(
        t["quotes"] > quotes_per_code for t in totals.values()
    )
    if capped:
        quotes.note = (
            f"Up to {quotes_per_code} quote{'' if quotes_per_code == 1 else 's'} per code, "
            "exemplars first; the counts, the passages behind them and the CSV and XLSX "
            "exports cover every quote."
        )
    return Report(
        kind="theme",
        title="Theme report" + (" (exemplar quotes)" if exemplars_only else ""),
        tables=[themes, quotes, memos],
        provenance=data.provenance,
        about=data.about,
        layout={
            "exemplars_only": exemplars_only,
            "quotes_per_code": quotes_per_code,
            "totals": totals,
            "quote_places": places,
        },
    )
