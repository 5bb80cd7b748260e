"""The one tidy frame of codings that every report is computed from.

`report_data(project, filters, viewer=access)` reads a project's codings with a fixed
number of queries and returns a `ReportData`: a pandas DataFrame with one row per coding
(source, interviewee pseudonym and every attribute, code, code path, top-level group, coder,
start, end, quote, memo) plus what the reports need to know about the codebook. Nothing
in it ever holds a real name. Interviewees whose consent is withdrawn, and the sources they
speak in, contribute nothing.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone

from coding.models import Change, Code, Coding, Memo
from interviews.builtin_fields import BUILTIN_FIELDS
from interviews.models import (
    Attribute,
    AttributeValue,
    ConsentStatus,
    Interviewee,
    Project,
    Segment,
    SegmentKind,
    Source,
)
from interviews.recordings.quotes import timed_quote, times_of
from interviews.visibility import (
    Disclosure,
    ReadableText,
    provenance_suffix,
    withdrawn_sources,
)
from reports import counting as counting_rules

# Interviewee fields every project has, with the labels reports show.
BUILTIN_ATTRIBUTES: dict[str, str] = BUILTIN_FIELDS
NOT_SET = "(not set)"
CONSENSUS_CODER = "consensus"

FRAME_COLUMNS = [
    "coding_id",
    "source_id",
    "source",
    "source_kind",
    "interviewee_id",
    "interviewee",
    *BUILTIN_ATTRIBUTES,
    # free attributes follow as attr<id>
    "code_id",
    "code",
    "code_path",
    "group_id",
    "group",
    "coder",
    "start",
    "end",
    "quote",
    "time",  # seconds into the source's recording where the quote starts (NaN: none)
    "memo",
]


@dataclass(frozen=True)
class CodeInfo:
    id: int
    name: str
    path: str
    parent_id: int | None
    depth: int
    group_id: int
    definition: str = ""
    inclusion: str = ""
    exclusion: str = ""


@dataclass
class Filters:
    """What a report is restricted to. Empty lists mean 'no restriction'."""

    attributes: dict[str, list[str]] = field(default_factory=dict)  # column key → values
    coders: list[str] = field(default_factory=list)  # usernames
    sources: list[int] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)  # each with its sub-codes

    def describe(self, labels: dict[str, str], code_paths: dict[int, str], sources: dict) -> str:
        parts = []
        for key, values in self.attributes.items():
            parts.append(f"{labels.get(key, key)} = {' or '.join(values)}")
        if self.coders:
            parts.append(f"coder = {' or '.join(self.coders)}")
        if self.sources:
            parts.append(
                "source = " + " or ".join(sources.get(pk, f"#{pk}") for pk in self.sources)
            )
        if self.codes:
            parts.append("code = " + " or ".join(code_paths.get(pk, f"#{pk}") for pk in self.codes))
        return "; ".join(parts) or "none"


@dataclass
class ReportData:
    """The frame and what reports need besides it; no database access past this point."""

    project_name: str
    frame: pd.DataFrame
    codes: list[CodeInfo]  # tree order
    attribute_labels: dict[str, str]  # column key → label, in display order
    source_attribute_keys: set[str]
    filters: Filters
    filters_text: str
    codebook_state: str
    generated_at: datetime.datetime
    code_memos: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    exemplar_ids: set[int] = field(default_factory=set)
    turns: pd.DataFrame | None = None  # source_id, turn_id, start, end
    blinded_to: str | None = None  # the coder whose codings alone are shown
    # Which text the quotes are, and who was left out (interviews/visibility.py).
    disclosure: list[tuple[str, str]] = field(default_factory=list)
    counting: str = counting_rules.PER_CODER  # what a row of the frame is (counting.COUNTING)
    coders: list[str] = field(default_factory=list)  # whose codings the frame holds

    @cached_property
    def code_by_id(self) -> dict[int, CodeInfo]:
        return {code.id: code for code in self.codes}

    @cached_property
    def _children(self) -> dict[int | None, list[int]]:
        children: dict[int | None, list[int]] = defaultdict(list)
        for code in self.codes:
            children[code.parent_id].append(code.id)
        return children

    def subtree(self, code_id: int) -> set[int]:
        """The code and every code below it."""
        found, frontier = {code_id}, [code_id]
        while frontier:
            frontier = [child for pk in frontier for child in self._children.get(pk, [])]
            found.update(frontier)
        return found

    def label(self, key: str) -> str:
        return {
            "interviewee": "Interviewee",
            "source": "Source",
            "coder": "Coder",
            **self.attribute_labels,
        }.get(key, key)

    @property
    def about(self) -> list[tuple[str, str]]:
        """What produced a report: project, filters, codebook state, data, time."""
        stamp = self.generated_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        items = [("Project", self.project_name), ("Filters", self.filters_text)]
        if self.blinded_to:
            items.append(("Visible codings", f"only those of {self.blinded_to} (blinded project)"))
        items += self.disclosure
        items += [
            ("Codebook", self.codebook_state),
            ("Counted", counting_rules.describe(self.counting, self.coders)),
            (self.unit.capitalize(), str(len(self.frame))),
            ("Generated at", stamp),
        ]
        return items

    @property
    def provenance(self) -> str:
        about = dict(self.about)
        blinded = f" · {about['Visible codings']}" if self.blinded_to else ""
        return (
            f"Project “{self.project_name}” · filters: {self.filters_text}{blinded} · "
            f"codebook: {self.codebook_state} · counted: {about['Counted']} · "
            f"{len(self.frame)} {self.unit[:-1] if len(self.frame) == 1 else self.unit}"
            f"{provenance_suffix(self.disclosure)} · generated {about['Generated at']}"
        )

    @property
    def unit(self) -> str:
        """What one row of the frame is: a passage or a coding."""
        return "passages" if self.counting == counting_rules.PASSAGES else "codings"


def attribute_labels(project: Project) -> tuple[dict[str, str], set[str]]:
    """Column key → label for the built-in and free attributes; and the source-level keys."""
    labels = dict(BUILTIN_ATTRIBUTES)
    source_keys = set()
    for attribute in Attribute.objects.filter(project=project).order_by("order", "name"):
        key = f"attr{attribute.pk}"
        label = attribute.name
        if label in labels.values():
            label = f"{label} (attribute)"
        labels[key] = label
        if attribute.applies_to == "source":
            source_keys.add(key)
    return labels, source_keys


def resolve_attribute(labels: dict[str, str], name: str) -> str | None:
    """The column key for an attribute given by key or label, case-insensitively."""
    wanted = name.strip().casefold()
    for key, label in labels.items():
        if wanted in {key.casefold(), label.casefold()}:
            return key
    return None


def codebook_state(project: Project) -> str:
    codes = Code.objects.filter(project=project)
    count = codes.count()
    latest = [
        codes.aggregate(at=Max("updated_at"))["at"],
        Change.objects.filter(project=project, object_type="code").aggregate(at=Max("at"))["at"],
    ]
    latest = [at for at in latest if at is not None]
    if not latest:
        return f"{count} codes"
    stamp = max(latest).astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{count} codes, last changed {stamp}"


def code_infos(project: Project) -> list[CodeInfo]:
    infos = []
    group_of: dict[int, int] = {}
    for code in Code.objects.filter(project=project).tree_order():
        group_of[code.pk] = code.pk if code.parent_id is None else group_of[code.parent_id]
        infos.append(
            CodeInfo(
                id=code.pk,
                name=code.name,
                path=code.path,
                parent_id=code.parent_id,
                depth=code.depth,
                group_id=group_of[code.pk],
                definition=code.definition,
                inclusion=code.inclusion,
                exclusion=code.exclusion,
            )
        )
    return infos


def report_data(
    project: Project,
    filters: Filters | None = None,
    *,
    only_coder=None,
    with_turns: bool = False,
    with_quotes: bool = True,
    disclosure: Disclosure | None = None,
    counting: str = counting_rules.PER_CODER,
) -> ReportData:
    """Read the project's reportable codings into a ReportData.

    `only_coder` (a user) restricts the frame to that coder's codings: what a coder of a
    blinded project may see. Reports that show no quotes pass `with_quotes=False`, which
    leaves the quote column empty and spares reading the sources' texts. `disclosure` says
    which text the quotes are (by default the text coders read). `counting` says what a row
    is (see reports/counting.py); reports pass the user's choice, passages by default.
    """
    disclosure = disclosure or Disclosure(project=project)
    filters = filters or Filters()
    labels, source_keys = attribute_labels(project)
    codes = code_infos(project)
    by_id = {code.id: code for code in codes}

    withdrawn = withdrawn_sources(project)
    source_rows = Source.objects.filter(project=project).exclude(pk__in=withdrawn)
    sources = {
        pk: (title, kind) for pk, title, kind in source_rows.values_list("pk", "title", "kind")
    }
    people = pd.DataFrame(
        list(
            Interviewee.objects.filter(project=project)
            .reportable()
            .values_list("pk", "pseudonym", *BUILTIN_ATTRIBUTES)
        ),
        columns=["interviewee_id", "interviewee", *BUILTIN_ATTRIBUTES],
        dtype=object,
    ).set_index("interviewee_id")
    source_people: dict[int, list[int]] = defaultdict(list)
    for source_id, person_id in (
        Source.interviewees.through.objects.filter(source__project=project)
        .exclude(source_id__in=withdrawn)
        .exclude(interviewee__consent_status=ConsentStatus.WITHDRAWN)
        .values_list("source_id", "interviewee_id")
    ):
        source_people[source_id].append(person_id)

    codings = Coding.objects.filter(source__project=project).exclude(source_id__in=withdrawn)
    if only_coder is not None:
        codings = codings.filter(coder=only_coder)
    if filters.coders:
        codings = codings.filter(coder__username__in=filters.coders)
    if filters.sources:
        codings = codings.filter(source_id__in=filters.sources)
    if filters.codes:
        wanted: set[int] = set()
        for pk in filters.codes:
            wanted |= _subtree(codes, pk)
        codings = codings.filter(code_id__in=wanted)
    numbers = ["coding_id", "source_id", "code_id", "coder_id", "start", "end"]
    rows = _fetch_all(
        codings.order_by("source_id", "start", "end", "pk").values_list(
            "pk", "source_id", "code_id", "coder_id", "start", "end"
        )
    )
    frame = pd.DataFrame(
        np.array(rows, dtype="int64").reshape(len(rows), len(numbers)), columns=numbers
    )
    usernames = dict(
        get_user_model()
        .objects.filter(pk__in=codings.values("coder_id"))
        .values_list("pk", "username")
    )

    # Which interviewee speaks each coding: the only one of its source, or the one whose
    # speaker turn the coding starts in.
    multi = [pk for pk, people_ in source_people.items() if len(people_) > 1]
    single = {pk: people_[0] for pk, people_ in source_people.items() if len(people_) == 1}
    speaker = frame["source_id"].map(single).fillna(-1).astype("int64").to_numpy()
    if multi and len(frame):
        turns = _turns(multi, only_people=True)
        speaker = _speaker_from_turns(frame, turns, speaker, set(people.index))

    free_keys = [key for key in labels if key.startswith("attr")]
    person_values: dict[str, dict[int, str]] = defaultdict(dict)
    source_values: dict[str, dict[int, str]] = defaultdict(dict)
    for attribute_id, person_id, source_id, value in AttributeValue.objects.filter(
        attribute__project=project
    ).values_list("attribute_id", "interviewee_id", "source_id", "value"):
        key = f"attr{attribute_id}"
        if person_id is not None:
            person_values[key][person_id] = value
        else:
            source_values[key][source_id] = value
    for key in free_keys:
        people[key] = people.index.map(lambda pk, k=key: person_values[k].get(pk, ""))
    source_table = pd.DataFrame(
        [
            (pk, title, kind, *(source_values[key].get(pk, "") for key in free_keys))
            for pk, (title, kind) in sources.items()
        ],
        columns=["source_id", "source", "source_kind", *(f"s_{k}" for k in free_keys)],
        dtype=object,
    ).set_index("source_id")

    frame["interviewee_id"] = speaker
    frame = frame.join(source_table, on="source_id").join(people, on="interviewee_id")
    for column in ["interviewee", *BUILTIN_ATTRIBUTES, *free_keys]:
        frame[column] = frame[column].fillna("").astype(object)
    for key in free_keys:
        from_source = frame.pop(f"s_{key}").fillna("")
        frame[key] = frame[key].where(frame[key] != "", from_source).astype(object)
    frame["interviewee_id"] = pd.arrays.IntegerArray(
        np.where(speaker >= 0, speaker, 0), speaker < 0
    )
    frame["coder"] = frame["coder_id"].map(usernames).astype(object)

    code_table = pd.DataFrame(
        [(c.id, c.name, c.path, c.group_id, by_id[c.group_id].name) for c in codes],
        columns=["code_id", "code", "code_path", "group_id", "group"],
    ).set_index("code_id")
    frame = frame.join(code_table, on="code_id")
    if with_quotes:
        source_ids, starts = frame["source_id"].tolist(), frame["start"].tolist()
        texts = disclosure.texts(set(source_ids))
        # Where the source has a recording, each quote starts with its time: [00:12:31].
        times: list[float | None] | None = times_of(source_ids, starts)
        if times.count(None) == len(times):
            times = None  # no source has a recording (the common case)
        # Without times the column is set as one value, sparing pandas a look at each item.
        frame["time"] = times
        frame["quote"] = _quotes(texts, source_ids, starts, frame["end"].tolist(), times)
    else:
        frame["quote"] = ""
        frame["time"] = None
    memos: dict[int, list[str]] = defaultdict(list)
    for coding_id, text in (
        Memo.objects.filter(project=project, coding__isnull=False)
        .order_by("created_at", "pk")
        .values_list("coding_id", "text")
    ):
        memos[coding_id].append(text)
    joined = {pk: "\n\n".join(texts) for pk, texts in memos.items()}
    memo_list = [joined.get(pk, "") for pk in frame["coding_id"].tolist()] if joined else ""
    frame["memo"] = memo_list

    for key, values in filters.attributes.items():
        if key in frame.columns and values:
            wanted_values = {"" if v == NOT_SET else v for v in values}
            frame = frame[frame[key].isin(wanted_values)]
    frame = frame[[*FRAME_COLUMNS[:10], *free_keys, *FRAME_COLUMNS[10:]]].reset_index(drop=True)
    coders = sorted(set(frame["coder"].tolist()), key=str.casefold)
    if counting == counting_rules.CONSENSUS:
        coders = [name for name in coders if name == CONSENSUS_CODER]
    frame = counting_rules.count_as(frame, counting, CONSENSUS_CODER)

    code_memos: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for code_id, title, text in (
        Memo.objects.filter(project=project, code__isnull=False)
        .order_by("created_at", "pk")
        .values_list("code_id", "title", "text")
    ):
        code_memos[code_id].append((title, text))

    from reports.models import Exemplar

    exemplars = set(
        Exemplar.objects.filter(project=project).values_list("coding_id", flat=True)
    ) & set(frame["coding_id"].tolist())

    data = ReportData(
        project_name=project.name,
        frame=frame,
        codes=codes,
        attribute_labels=labels,
        source_attribute_keys=source_keys,
        filters=filters,
        filters_text=filters.describe(
            labels, {c.id: c.path for c in codes}, {pk: s[0] for pk, s in sources.items()}
        ),
        codebook_state=codebook_state(project),
        generated_at=timezone.now(),
        code_memos=dict(code_memos),
        exemplar_ids=exemplars,
        blinded_to=only_coder.username if only_coder is not None else None,
        disclosure=disclosure.provenance(),
        counting=counting,
        coders=coders,
    )
    if with_turns:
        data.turns = _turns(list(sources), only_people=False)
    return data


def _quotes(
    texts: dict[int, ReadableText],
    source_ids: list[int],
    starts: list[int],
    ends: list[int],
    times: list[float | None] | None,
) -> list[str]:
    """Each coding's quote, after its time where its source has a recording (`times` is
    None where none has)."""
    if times is not None or any(readable.offsets is not None for readable in texts.values()):
        times = times or [None] * len(source_ids)
        return [
            timed_quote(texts[source_id].passage(start, end), time)
            for source_id, start, end, time in zip(source_ids, starts, ends, times, strict=True)
        ]
    # No times and no offsets to map (the common case): plain slices, a call less per quote.
    plain = {pk: readable.text for pk, readable in texts.items()}
    return [
        plain[source_id][start:end]
        for source_id, start, end in zip(source_ids, starts, ends, strict=True)
    ]


def _fetch_all(queryset) -> list[tuple]:
    """A values_list queryset's rows in one fetch (Django would fetch 100 rows at a time)."""
    from django.db import connections

    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _subtree(codes: list[CodeInfo], code_id: int) -> set[int]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for code in codes:
        children[code.parent_id].append(code.id)
    found, frontier = {code_id}, [code_id]
    while frontier:
        frontier = [child for pk in frontier for child in children.get(pk, [])]
        found.update(frontier)
    return found


def _turns(source_ids: list[int], *, only_people: bool) -> pd.DataFrame:
    turns = Segment.objects.filter(source_id__in=source_ids, kind=SegmentKind.TURN)
    if only_people:
        turns = turns.filter(interviewee__isnull=False)
    rows = list(
        turns.order_by("source_id", "start").values_list(
            "pk", "source_id", "start", "end", "interviewee_id"
        )
    )
    return pd.DataFrame(rows, columns=["turn_id", "source_id", "start", "end", "interviewee_id"])


def turn_of(frame: pd.DataFrame, turns: pd.DataFrame) -> np.ndarray:
    """For each coding the id of the speaker turn its start falls in, or -1."""
    result = np.full(len(frame), -1, dtype="int64")
    if not len(frame) or not len(turns):
        return result
    turns = turns.sort_values(["source_id", "start"])
    turn_source = turns["source_id"].to_numpy(dtype="int64")
    turn_start = turns["start"].to_numpy(dtype="int64")
    turn_end = turns["end"].to_numpy(dtype="int64")
    source = frame["source_id"].to_numpy(dtype="int64")
    start = frame["start"].to_numpy(dtype="int64")
    # One sorted key over every source: source id, then offset.
    scale = int(max(turn_end.max(), start.max())) + 1
    index = np.searchsorted(turn_source * scale + turn_start, source * scale + start, "right") - 1
    safe = np.clip(index, 0, None)
    inside = (index >= 0) & (turn_source[safe] == source) & (start < turn_end[safe])
    result[inside] = turns["turn_id"].to_numpy(dtype="int64")[safe[inside]]
    return result


def _speaker_from_turns(
    frame: pd.DataFrame, turns: pd.DataFrame, speaker: np.ndarray, allowed: set[int]
) -> np.ndarray:
    turn_ids = turn_of(frame, turns)
    person_of_turn = dict(zip(turns["turn_id"], turns["interviewee_id"], strict=True))
    result = speaker.copy()
    for position, turn_id in enumerate(turn_ids):
        if turn_id >= 0:
            person = person_of_turn.get(turn_id)
            if person in allowed:
                result[position] = person
    return result
