"""Code retrieval: every passage coded with a code, with its context and who said it.

Interviewees appear by pseudonym only: retrieval is open to every member, and real names
are for admins on the interviewee page.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from coding.filters import BUILT_IN_FIELDS, codings_filter
from coding.models import Code, Coding, Memo
from interviews import csvfile, spreadsheet
from interviews.models import Attribute, AttributeTarget, AttributeValue, Project, Source
from interviews.recordings.quotes import passage_link, start_times
from interviews.recordings.sync import clock
from interviews.spreadsheet import Sheet
from interviews.visibility import Disclosure

CONTEXT_CHARS = 150


@dataclass
class RetrievedPassage:
    coding_id: int
    source_id: int
    source_title: str
    code_path: str
    coder: str
    coded_at: str
    start: int
    end: int
    before: str
    text: str
    after: str
    interviewees: str
    attributes: dict[str, str]
    memo: str
    link: str
    attribute_text: str = ""
    time: float | None = None  # seconds into the source's recording, when it has one

    @property
    def time_label(self) -> str:
        return clock(self.time)


def context_around(text: str, start: int, end: int, chars: int = CONTEXT_CHARS) -> tuple[str, str]:
    """Up to `chars` characters before and after a span, without cutting a word in two."""
    lo, hi = max(0, start - chars), min(len(text), end + chars)
    before, after = text[lo:start], text[end:hi]
    if lo > 0:
        if not text[lo - 1].isspace() and " " in before:
            before = before[before.index(" ") + 1 :]
        before = "…" + before
    if hi < len(text):
        if not text[hi].isspace() and " " in after:
            after = after[: after.rindex(" ") + 1]
        after = after + "…"
    return before, after


def retrieval_codings(
    *, access, code: Code, include_subcodes: bool = False, filters: dict | None = None
) -> QuerySet[Coding]:
    """The codings a member may see for a code (and its sub-codes), filtered, in text order."""
    ids = {code.pk} | (code.descendant_ids() if include_subcodes else set())
    codings = Coding.objects.filter(code_id__in=ids, source__project=access.project).for_analysis(
        access
    )
    codings = codings_filter(codings, project=access.project, filters=filters)
    return (
        codings.select_related("coder")
        .only("pk", "source_id", "code_id", "coder__username", "start", "end", "created_at")
        .order_by("source__title", "source_id", "start", "end", "pk")
    )


def attribute_columns(project: Project) -> list[tuple[str, str]]:
    """(key, label) of the attribute columns a passage shows."""
    columns = list(BUILT_IN_FIELDS.items())
    columns += [(f"attr:{a.pk}", a.name) for a in Attribute.objects.filter(project=project)]
    return columns


def _source_people(
    source_ids: set[int], columns: list[tuple[str, str]]
) -> dict[int, tuple[str, dict]]:
    """Per source: its interviewees' pseudonyms and their attribute values (joined by '; ')."""
    through = Source.interviewees.through.objects.filter(source_id__in=source_ids).select_related(
        "interviewee"
    )
    people: dict[int, list] = defaultdict(list)
    for row in through:
        people[row.source_id].append(row.interviewee)
    person_ids = {p.pk for persons in people.values() for p in persons}
    person_values: dict[int, dict[str, str]] = defaultdict(dict)
    source_values: dict[int, dict[str, str]] = defaultdict(dict)
    for value in AttributeValue.objects.filter(interviewee_id__in=person_ids):
        person_values[value.interviewee_id][f"attr:{value.attribute_id}"] = value.value
    for value in AttributeValue.objects.filter(
        source_id__in=source_ids, attribute__applies_to=AttributeTarget.SOURCE
    ):
        source_values[value.source_id][f"attr:{value.attribute_id}"] = value.value
    result: dict[int, tuple[str, dict]] = {}
    for source_id in source_ids:
        persons = sorted(people.get(source_id, []), key=lambda p: p.pseudonym)
        attributes: dict[str, str] = {}
        for key, _label in columns:
            if key in BUILT_IN_FIELDS:
                found = [getattr(p, key) for p in persons if getattr(p, key)]
            else:
                found = [person_values[p.pk][key] for p in persons if person_values[p.pk].get(key)]
                if not found and source_values[source_id].get(key):
                    found = [source_values[source_id][key]]
            attributes[key] = "; ".join(dict.fromkeys(found))
        result[source_id] = (", ".join(p.pseudonym for p in persons), attributes)
    return result


def retrieval_passages(
    codings, *, project: Project, context: int = CONTEXT_CHARS, disclosure: Disclosure | None = None
) -> list[RetrievedPassage]:
    """Passages for a (sliced) sequence of codings, with context, people, coder and memo;
    their words are the text `disclosure` allows (by default the text coders read)."""
    codings = list(codings)
    source_ids = {c.source_id for c in codings}
    texts = (disclosure or Disclosure(project=project)).texts(source_ids)
    titles = dict(Source.objects.filter(pk__in=source_ids).order_by().values_list("pk", "title"))
    codes = Code.objects.filter(project=project).only("pk", "parent_id", "name", "order")
    paths = {c.pk: c.path for c in codes.tree_order()}
    labels = attribute_columns(project)
    people = _source_people(source_ids, labels)
    # One address of the coding page per source, not one per passage.
    workspaces = {pk: reverse("coding:workspace", args=[project.pk, pk]) for pk in source_ids}
    memos: dict[int, list[str]] = defaultdict(list)
    for memo in Memo.objects.filter(coding_id__in=[c.pk for c in codings]).order_by("created_at"):
        memos[memo.coding_id].append(memo.text)
    times = start_times((c.source_id, c.start) for c in codings)
    passages = []
    for coding in codings:
        readable = texts[coding.source_id]
        start, end = readable.position(coding.start), readable.position(coding.end)
        before, after = context_around(readable.text, start, end, context)
        time = times.get((coding.source_id, coding.start))
        pseudonyms, attributes = people[coding.source_id]
        passages.append(
            RetrievedPassage(
                coding_id=coding.pk,
                source_id=coding.source_id,
                source_title=titles[coding.source_id],
                code_path=paths.get(coding.code_id, ""),
                coder=coding.coder.username,
                coded_at=coding.created_at.date().isoformat(),
                start=coding.start,
                end=coding.end,
                before=before,
                text=readable.text[start:end],
                after=after,
                interviewees=pseudonyms,
                attributes=attributes,
                memo="\n\n".join(memos.get(coding.pk, [])),
                link=passage_link(
                    workspaces[coding.source_id],
                    coding.start,
                    coding.end,
                    time,
                ),
                time=time,
                attribute_text="; ".join(
                    f"{label}: {attributes[key]}" for key, label in labels if attributes.get(key)
                ),
            )
        )
    return passages


def retrieval_table(
    passages: list[RetrievedPassage], project: Project
) -> tuple[list[str], list[list]]:
    """Header and rows for CSV/XLSX: one row per passage."""
    columns = attribute_columns(project)
    header = [
        "source",
        "interviewees",
        *(label for _key, label in columns),
        "code",
        "coder",
        "coded on",
        "start",
        "end",
        "time",
        "passage",
        "context before",
        "context after",
        "memo",
    ]
    rows = [
        [
            p.source_title,
            p.interviewees,
            *(p.attributes.get(key, "") for key, _label in columns),
            p.code_path,
            p.coder,
            p.coded_at,
            p.start,
            p.end,
            p.time_label,
            p.text,
            p.before,
            p.after,
            p.memo,
        ]
        for p in passages
    ]
    return header, rows


def table_csv(header: list[str], rows: list[list], provenance: str = "") -> bytes:
    """UTF-8 CSV with a BOM so that spreadsheet programs read non-Latin text right; a
    provenance, when given, is the first line, after '#' (as in report files)."""
    preamble = f"# {' '.join(provenance.split())}\n" if provenance else ""
    return csvfile.data(rows, header=header, preamble=preamble)


def table_xlsx(
    header: list[str], rows: list[list], title: str = "Passages", provenance: str = ""
) -> bytes:
    """One sheet: the header in bold and kept in view, every value as it is (text as text);
    a provenance, when given, on a second sheet "About"."""
    sheets = [Sheet(title, rows, header=header, freeze="A2")]
    if provenance:
        sheets.append(Sheet("About", [["Provenance", provenance]], widths=[18, 100]))
    return spreadsheet.workbook(sheets)


def export_provenance(*, disclosure: Disclosure, what: str, count: int, filters: list[str]) -> str:
    """The provenance line of a retrieval or query file: project, what and filters, how
    many passages, which text, who was left out, and when."""
    stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"Project “{disclosure.project.name}”", what]
    if filters:
        parts.append("filters: " + "; ".join(filters))
    parts.append(f"{count} passage{'' if count == 1 else 's'}")
    parts += [value for _label, value in disclosure.provenance()]
    parts.append(f"generated {stamp}")
    return " · ".join(parts)
