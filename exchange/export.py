"""Writing a project as a REFI-QDA .qdpx and its codebook as a .qdc.

The project file is streamed into the archive (lxml's incremental writer), and codings are
read source by source as plain tuples, so memory stays flat for large projects.
"""

from __future__ import annotations

import datetime
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Prefetch
from lxml import etree

from coding.models import Code, Coding, Memo
from exchange import mapping as m
from exchange import media
from exchange.positions import PositionMap, Reading, normalise_newlines
from interviews.models import (
    AttributeType,
    AttributeValue,
    Interviewee,
    Profile,
    Project,
    Source,
)
from interviews.visibility import Disclosure, ReadableText, withdrawn_sources
from interviews.xmltext import xml_safe

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
Progress = Callable[[int, int, str], None]


def _p(name: str) -> str:
    return f"{{{m.NS_PROJECT}}}{name}"


def _when(value: datetime.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _attrs(**values) -> dict[str, str]:
    return {k: str(v) for k, v in values.items() if v is not None and v != ""}


def _guid(value) -> str:
    return str(value).lower()


class _Users:
    """User id → exchange guid (the profile's), created on first use for old users."""

    def __init__(self, user_ids: set[int]) -> None:
        for user_id in user_ids - set(
            Profile.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
        ):
            Profile.objects.get_or_create(user_id=user_id)
        self.guids = dict(
            Profile.objects.filter(user_id__in=user_ids).values_list("user_id", "guid")
        )
        self.names = dict(
            get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username")
        )

    def get(self, user_id: int | None) -> str | None:
        return _guid(self.guids[user_id]) if user_id in self.guids else None


def _variables(project: Project, include_identities: bool):
    """[(guid, name, refi type, description, kind, key)] for every exported Variable.

    `kind` is "interviewee" / "source" for built-in fields (key = field name) and
    "attribute" for attribute definitions (key = the Attribute).
    """
    attributes = list(project.attributes.all())
    taken = {a.name.lower() for a in attributes}
    rows = []
    fields = [("interviewee", f) for f in m.INTERVIEWEE_FIELDS]
    if include_identities:
        fields += [("interviewee", f) for f in m.IDENTITY_FIELDS]
    fields += [("source", f) for f in m.SOURCE_FIELDS]
    for owner, (field, name, refi_type) in fields:
        label = f"Parley: {name}" if name.lower() in taken else name
        rows.append(
            (
                _guid(m.field_guid(project.guid, owner, field)),
                label,
                refi_type,
                m.field_description(owner, field),
                owner,
                field,
            )
        )
    for attribute in attributes:
        if attribute.type == AttributeType.NUMBER:
            refi_type = m.number_type(list(attribute.values.values_list("value", flat=True)))
        else:
            refi_type = m.PARLEY_TO_REFI[attribute.type]
        extra = {"type": attribute.type, "applies_to": attribute.applies_to}
        if attribute.type == AttributeType.CHOICE:
            extra["choices"] = attribute.choice_list
        rows.append(
            (
                _guid(attribute.guid),
                attribute.name,
                refi_type,
                m.variable_description(attribute.description, extra),
                "attribute",
                attribute,
            )
        )
    return rows


def _variable_value(guid: str, refi_type: str, value: str) -> etree._Element:
    element = etree.Element(_p("VariableValue"))
    etree.SubElement(element, _p("VariableRef"), targetGUID=guid)
    etree.SubElement(element, _p(m.VALUE_ELEMENT[refi_type])).text = xml_safe(value)
    return element


def _variable_values(obj, kind: str, variables, attribute_variables, values_by_owner):
    """The VariableValue elements of a case or a source (`kind` "interviewee" or "source"):
    its own fields that are variables, then its attribute values."""
    for guid, _name, refi_type, _d, variable_kind, field in variables:
        if variable_kind == kind:
            value = _field_value(obj, field)
            if value:
                yield _variable_value(guid, refi_type, value)
    for value in values_by_owner.get((kind, obj.pk), []):
        guid, _name, refi_type, *_rest = attribute_variables[value.attribute_id]
        yield _variable_value(guid, refi_type, value.value)


def _field_value(obj, field: str) -> str:
    value = getattr(obj, field)
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _code_element(code: Code, codes_by_parent, memo_refs, tag) -> etree._Element:
    element = etree.Element(
        tag("Code"),
        _attrs(
            guid=_guid(code.guid),
            name=xml_safe(code.name),
            isCodable="true" if code.is_codable else "false",
            color=code.colour.lower(),
        ),
    )
    description = m.code_description(
        definition=code.definition,
        inclusion=code.inclusion,
        exclusion=code.exclusion,
        example=code.example,
    )
    if description:
        etree.SubElement(element, tag("Description")).text = xml_safe(description)
    for memo_guid in memo_refs.get(("code", code.pk), []) if memo_refs is not None else []:
        etree.SubElement(element, tag("NoteRef"), targetGUID=memo_guid)
    for sub in codes_by_parent.get(code.pk, []):
        element.append(_code_element(sub, codes_by_parent, memo_refs, tag))
    return element


def _codes_by_parent(project: Project) -> dict[int | None, list[Code]]:
    tree: dict[int | None, list[Code]] = defaultdict(list)
    for code in Code.objects.filter(project=project).tree_order():
        tree[code.parent_id].append(code)
    return tree


def _descendants(code: Code, tree) -> list[Code]:
    found = []
    stack = list(reversed(tree.get(code.pk, [])))
    while stack:
        sub = stack.pop()
        found.append(sub)
        stack.extend(reversed(tree.get(sub.pk, [])))
    return found


def project_export(
    *,
    project: Project,
    stream,
    include_identities: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the project as a .qdpx to a binary stream; returns what was written, counted.

    Interviewees who withdrew consent, their sources and everything attached to them stay
    out. The texts are those coders read, or with `include_identities` the identified ones.
    """
    disclosure = Disclosure(project=project, identified=include_identities)
    withdrawn = withdrawn_sources(project)
    # The texts are read one source at a time (twice: for its text file, then for its
    # codings' positions), so that the export holds one text at a time, not all of them.
    sources = list(
        project.sources.exclude(pk__in=withdrawn)
        .defer("text")
        .order_by("title", "pk")
        .prefetch_related("interviewees")
    )

    def readable(source: Source) -> ReadableText:
        return disclosure.texts([source.pk])[source.pk]

    total_codings = Coding.objects.filter(source__in=sources).count()
    memos = list(Memo.objects.filter(project=project).reportable().order_by("created_at", "pk"))
    memo_refs: dict[tuple[str, int | None], list[str]] = defaultdict(list)
    for memo in memos:
        memo_refs[(memo.target_kind, getattr(memo, f"{memo.target_kind}_id", None))].append(
            _guid(memo.guid)
        )
    user_ids = set(project.memberships.values_list("user_id", flat=True))
    user_ids |= set(
        Coding.objects.filter(source__in=sources).values_list("coder_id", flat=True).distinct()
    )
    user_ids |= {memo.author_id for memo in memos if memo.author_id}
    user_ids |= {s.created_by_id for s in sources if s.created_by_id}
    if project.created_by_id:
        user_ids.add(project.created_by_id)
    users = _Users(user_ids)
    tree = _codes_by_parent(project)
    variables = _variables(project, include_identities)
    attribute_variables = {row[5].pk: row for row in variables if row[4] == "attribute"}
    values_by_owner: dict[tuple[str, int], list[AttributeValue]] = defaultdict(list)
    for value in AttributeValue.objects.filter(attribute__project=project).order_by(
        "attribute__order", "attribute__name"
    ):
        owner = (
            ("interviewee", value.interviewee_id)
            if value.interviewee_id
            else ("source", value.source_id)
        )
        values_by_owner[owner].append(value)
    counts = {"sources": 0, "codings": 0, "codes": 0, "cases": 0, "notes": 0, "variables": 0}
    done = 0

    def tick(current: str) -> None:
        if progress:
            progress(done, total_codings + len(sources), current)

    archive = zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    with archive:
        # Text files first: the zip takes one open entry at a time.
        for source in sources:
            text, _to_lf = _lf_text(readable(source).text)
            archive.writestr(f"sources/{_guid(source.guid)}.txt", text.encode("utf-8"))
            del text
        recordings = media.recordings_of(sources)
        media.recordings_write(archive, recordings)
        with (
            archive.open("project.qde", "w") as handle,
            etree.xmlfile(handle, encoding="utf-8") as xf,
        ):
            xf.write_declaration()
            root_attrs = _attrs(
                name=xml_safe(project.name),
                origin=m.ORIGIN,
                creatingUserGUID=users.get(project.created_by_id),
                creationDateTime=_when(project.created_at),
                modifiedDateTime=_when(project.updated_at),
            )
            with xf.element(_p("Project"), root_attrs, nsmap={None: m.NS_PROJECT}):
                if users.guids:
                    with xf.element(_p("Users")):
                        for user_id in sorted(users.guids, key=lambda u: users.names.get(u, "")):
                            xf.write(
                                etree.Element(
                                    _p("User"),
                                    _attrs(guid=users.get(user_id), name=users.names.get(user_id)),
                                )
                            )
                if tree.get(None):
                    with xf.element(_p("CodeBook")), xf.element(_p("Codes")):
                        for code in tree[None]:
                            xf.write(_code_element(code, tree, memo_refs, _p))
                    counts["codes"] = sum(len(v) for v in tree.values())
                with xf.element(_p("Variables")):
                    for guid, name, refi_type, description, _kind, _key in variables:
                        element = etree.Element(
                            _p("Variable"),
                            guid=guid,
                            name=xml_safe(name),
                            typeOfVariable=refi_type,
                        )
                        etree.SubElement(element, _p("Description")).text = xml_safe(description)
                        xf.write(element)
                counts["variables"] = len(variables)
                interviewees = list(
                    Interviewee.objects.filter(project=project)
                    .reportable()
                    .prefetch_related(
                        # A source shared with someone who withdrew consent is not exported:
                        # no reference to it. A case names its sources by guid; their texts
                        # are written (and read) source by source, not all at once here.
                        Prefetch(
                            "sources",
                            Source.objects.exclude(pk__in=withdrawn).only("guid", "title"),
                        )
                    )
                )
                if interviewees:
                    with xf.element(_p("Cases")):
                        for person in interviewees:
                            xf.write(
                                _case_element(
                                    person,
                                    variables,
                                    attribute_variables,
                                    values_by_owner,
                                    include_identities,
                                )
                            )
                    counts["cases"] = len(interviewees)
                if sources:
                    with xf.element(_p("Sources")):
                        for source in sources:
                            tick(f"Source “{source.title}”")
                            written = _write_source(
                                xf,
                                archive,
                                source,
                                users,
                                memo_refs,
                                variables,
                                attribute_variables,
                                values_by_owner,
                                readable(source),
                                recording=recordings.get(source.pk),
                            )
                            done += written + 1
                            counts["codings"] += written
                            counts["sources"] += 1
                if memos:
                    with xf.element(_p("Notes")):
                        for memo in memos:
                            note = etree.Element(
                                _p("Note"),
                                _attrs(
                                    guid=_guid(memo.guid),
                                    name=xml_safe(memo.title),
                                    creatingUser=users.get(memo.author_id),
                                    creationDateTime=_when(memo.created_at),
                                    modifiedDateTime=_when(memo.modified_at),
                                ),
                            )
                            etree.SubElement(note, _p("PlainTextContent")).text = xml_safe(
                                memo.text
                            )
                            xf.write(note)
                    counts["notes"] = len(memos)
                case_memos = [memo for memo in memos if memo.interviewee_id]
                if case_memos:
                    guids = dict(
                        Interviewee.objects.filter(project=project).values_list("pk", "guid")
                    )
                    with xf.element(_p("Links")):
                        for memo in case_memos:
                            xf.write(
                                etree.Element(
                                    _p("Link"),
                                    guid=_guid(m.derived_guid(memo.guid, "link")),
                                    name="Memo on case",
                                    direction="OneWay",
                                    originGUID=_guid(memo.guid),
                                    targetGUID=_guid(guids[memo.interviewee_id]),
                                )
                            )
                groups = [code for code in tree.get(None, []) if tree.get(code.pk)]
                if groups:
                    with xf.element(_p("Sets")):
                        for group in groups:
                            xf.write(
                                _set_element(group, tree, _p, member="MemberCode", ref="targetGUID")
                            )
                if project.description:
                    xf.write(_text_element(_p("Description"), project.description))
                for memo_guid in memo_refs.get(("project", None), []):
                    xf.write(etree.Element(_p("NoteRef"), targetGUID=memo_guid))
    tick("Done")
    return counts


def _text_element(tag: str, text: str) -> etree._Element:
    element = etree.Element(tag)
    element.text = xml_safe(text)
    return element


def _set_element(group: Code, tree, tag, *, member: str, ref: str) -> etree._Element:
    element = etree.Element(
        tag("Set"), guid=_guid(m.derived_guid(group.guid, "set")), name=xml_safe(group.name)
    )
    etree.SubElement(element, tag("Description")).text = xml_safe(
        f"The codes under “{group.name}” in the codebook."
    )
    for sub in _descendants(group, tree):
        etree.SubElement(element, tag(member), **{ref: _guid(sub.guid)})
    return element


def _case_element(
    person: Interviewee, variables, attribute_variables, values_by_owner, include_identities: bool
):
    element = etree.Element(_p("Case"), guid=_guid(person.guid), name=xml_safe(person.pseudonym))
    # Notes about a person are shown only to those who see identities: they travel with them.
    if person.notes and include_identities:
        etree.SubElement(element, _p("Description")).text = xml_safe(person.notes)
    element.extend(
        _variable_values(person, "interviewee", variables, attribute_variables, values_by_owner)
    )
    for source in sorted(person.sources.all(), key=lambda s: (s.title, s.pk)):
        etree.SubElement(element, _p("SourceRef"), targetGUID=_guid(source.guid))
    return element


def _lf_text(text: str):
    """The text as exported (LF line endings) and, if that changed it, how positions move."""
    if "\r" not in text:
        return text, None
    mapping = PositionMap(text, Reading(utf16=False, crlf_as_two=True))
    return normalise_newlines(text), mapping.to_code_point


def _coding_rows(source_id: int):
    """(pk, guid, start, end, coder id, created, modified, code guid) of a source's codings,
    as the database gives them: plain SQL, because the ORM's value conversion dominates the
    export time of a large project."""
    connection = connections[router.db_for_read(Coding)]
    q = connection.ops.quote_name
    coding, code = Coding._meta.db_table, Code._meta.db_table
    sql = (
        f"SELECT c.{q('id')}, c.{q('guid')}, c.{q('start')}, c.{q('end')}, c.{q('coder_id')}, "
        f"c.{q('created_at')}, c.{q('modified_at')}, k.{q('guid')} "
        f"FROM {q(coding)} c JOIN {q(code)} k ON k.{q('id')} = c.{q('code_id')} "
        f"WHERE c.{q('source_id')} = %s ORDER BY c.{q('start')}, c.{q('end')}, c.{q('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [source_id])
        while batch := cursor.fetchmany(5000):
            yield from batch


def _raw_guid(value) -> str:
    """A GUID as stored (a UUID, or 32 hex digits on SQLite) in its lower-case dashed form."""
    if isinstance(value, uuid.UUID):
        return str(value)
    h = value.replace("-", "").lower()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _raw_when(value) -> str:
    """A stored date-time (aware, or UTC text on SQLite) as xsd:dateTime."""
    if isinstance(value, datetime.datetime):
        return _when(value.astimezone(datetime.UTC))
    return f"{value[:10]}T{value[11:19]}+00:00"


def _write_source(
    xf,
    archive,
    source: Source,
    users,
    memo_refs,
    variables,
    attribute_variables,
    values_by_owner,
    readable: ReadableText,
    recording=None,
) -> int:
    """A TextSource, or with a recording an AudioSource / VideoSource holding the text as
    its Transcript; returns the number of codings written."""
    guid = _guid(source.guid)
    attrs = _attrs(
        guid=guid,
        name=xml_safe(source.title),
        plainTextPath=f"internal://{guid}.txt",
        creatingUser=users.get(source.created_by_id),
        creationDateTime=_when(source.created_at),
        modifiedDateTime=_when(source.updated_at),
    )
    coding_memos: dict[int, list[str]] = {
        pk: refs for (kind, pk), refs in memo_refs.items() if kind == "coding"
    }
    written = 0
    if recording is None:
        element = xf.element(_p("TextSource"), attrs)
    else:
        element = media.media_source_open(xf, _p, source, recording, attrs)
    with element:
        text, to_lf = _lf_text(readable.text)

        def exported(offset: int) -> int:
            """An offset of the text coders read as a position of the text written."""
            position = readable.position(offset)
            return to_lf(position) if to_lf is not None else position

        in_transcript = []
        for pk, coding_guid, start, end, coder_id, created, modified, code_guid in _coding_rows(
            source.pk
        ):
            start, end = exported(start), exported(end)
            coding_guid, created, modified = (
                _raw_guid(coding_guid),
                _raw_when(created),
                _raw_when(modified),
            )
            coder = users.get(coder_id)
            selection = etree.Element(
                _p("PlainTextSelection"),
                _attrs(
                    guid=coding_guid,
                    name=xml_safe(text[start:end][:60]),
                    startPosition=start,
                    endPosition=end,
                    creatingUser=coder,
                    creationDateTime=created,
                    modifiedDateTime=modified,
                ),
            )
            coding = etree.SubElement(
                selection,
                _p("Coding"),
                _attrs(
                    guid=m.coding_guid(coding_guid),
                    creatingUser=coder,
                    creationDateTime=created,
                ),
            )
            etree.SubElement(coding, _p("CodeRef"), targetGUID=_raw_guid(code_guid))
            for memo_guid in coding_memos.get(pk, []):
                etree.SubElement(selection, _p("NoteRef"), targetGUID=memo_guid)
            if recording is None:
                xf.write(selection)
            else:
                in_transcript.append(selection)
            written += 1
        if recording is not None:
            media.transcript_write(xf, _p, source, in_transcript, exported)
        for memo_guid in memo_refs.get(("source", source.pk), []):
            xf.write(etree.Element(_p("NoteRef"), targetGUID=memo_guid))
        for element in _variable_values(
            source, "source", variables, attribute_variables, values_by_owner
        ):
            xf.write(element)
    return written


def codebook_export(*, project: Project) -> bytes:
    """The project's codebook as a .qdc document (UTF-8 XML)."""

    def tag(name: str) -> str:
        return f"{{{m.NS_CODEBOOK}}}{name}"

    tree = _codes_by_parent(project)
    root = etree.Element(tag("CodeBook"), origin=m.ORIGIN, nsmap={None: m.NS_CODEBOOK})
    codes = etree.SubElement(root, tag("Codes"))
    for code in tree.get(None, []):
        codes.append(_code_element(code, tree, None, tag))
    if not len(codes):
        raise ValueError("The codebook is empty.")
    groups = [code for code in tree.get(None, []) if tree.get(code.pk)]
    if groups:
        sets = etree.SubElement(root, tag("Sets"))
        for group in groups:
            sets.append(_set_element(group, tree, tag, member="MemberCode", ref="guid"))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def schema(name: str) -> etree.XMLSchema:
    """The official schema (`Project-mrt2019.xsd` or `Codebook-mrt2019.xsd`)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / name)))
