"""Reading REFI-QDA .qdpx projects and .qdc codebooks into Parley.

Reading is lenient (see DESIGN.md, Interop): any namespace, a `.qde` of any name, `Sources/`
in any case, paths with or without `internal://`, GUIDs in braces or upper case, BOMs and
CRLF in text files, positions in UTF-16 units or code points. Everything is read and
checked first; then one transaction stores it all, so a failed import stores nothing.
What cannot be carried over is listed in the `ImportReport`.
"""

from __future__ import annotations

import datetime
import io
import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from lxml import etree

from coding.models import PATH_SEPARATOR, ChangeAction, Code, Coding, Memo
from coding.services import change_record
from exchange import mapping as m
from exchange.positions import choose_reading, decode_text, normalise_newlines
from exchange.readers import (
    PARSER_OPTIONS,
    Archive,
    ExchangeError,
    check_no_entities,
    child,
    child_text,
    children,
    local,
    parse_guid,
    parse_xml,
    read_docx_text,
    ref_guid,
)
from interviews.accounts import imported_username
from interviews.models import (
    Attribute,
    AttributeType,
    AttributeValue,
    ConsentStatus,
    Interviewee,
    Profile,
    Project,
    Source,
    SourceKind,
)
from interviews.services import project_create, source_create

Progress = Callable[[int, int, str], None]
_CHUNK = 5000
SOURCE_KINDS = ("TextSource", "PictureSource", "PDFSource", "AudioSource", "VideoSource")


@dataclass
class ImportReport:
    project_id: int | None = None
    project_name: str = ""
    imported: dict[str, int] = field(default_factory=dict)
    not_carried: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)

    def add(self, what: str, n: int = 1) -> None:
        if n:
            self.imported[what] = self.imported.get(what, 0) + n

    def as_dict(self) -> dict:
        return {
            "project_id": self.project_id,
            "project_name": self.project_name,
            "imported": self.imported,
            "not_carried": self.not_carried,
            "warnings": self.warnings,
            "info": self.info,
        }


def _summarise(items: list[str], limit: int = 50) -> list[str]:
    if len(items) <= limit:
        return items
    return [*items[:limit], f"… and {len(items) - limit} more like these."]


# Codes ---------------------------------------------------------------------------------


@dataclass
class CodeSpec:
    guid: uuid.UUID | None
    name: str
    is_codable: bool
    colour: str | None
    description: str
    note_refs: list[uuid.UUID]
    children: list[CodeSpec]


def _read_codes(container) -> list[CodeSpec]:
    specs = []
    for element in children(container, "Code"):
        specs.append(
            CodeSpec(
                guid=parse_guid(element.get("guid")),
                name=(element.get("name") or "").strip(),
                is_codable=(element.get("isCodable") or "true").strip().lower()
                not in {"false", "0"},
                colour=m.colour_from_refi(element.get("color")),
                description=child_text(element, "Description"),
                note_refs=[
                    g
                    for g in (parse_guid(r.get("targetGUID")) for r in children(element, "NoteRef"))
                    if g
                ],
                children=_read_codes(element),
            )
        )
    return specs


def _clean_code_name(name: str, taken: set[str], report: ImportReport) -> str:
    original = name
    name = name.replace(PATH_SEPARATOR, "∕").strip()[:200] or "Unnamed code"
    base, n = name, 2
    while name.lower() in taken:
        name = f"{base[:190]} ({n})"
        n += 1
    if name != original:
        report.warnings.append(f"The code “{original}” was named “{name}” here.")
    taken.add(name.lower())
    return name


class _GuidPool:
    """Keeps an imported GUID when no object of the model has it yet, else makes a new one."""

    def __init__(self) -> None:
        self.used: set[uuid.UUID] = set()
        self.replaced = 0

    def reserve(self, model, guids: list[uuid.UUID | None]) -> dict[uuid.UUID, uuid.UUID]:
        wanted = [g for g in guids if g is not None]
        taken: set[uuid.UUID] = set()
        connection = connections[router.db_for_read(model)]
        field = model._meta.get_field("guid")
        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(field.column)
        with connection.cursor() as cursor:
            # Plain SQL: the ORM's per-value work dominates for hundreds of thousands of GUIDs.
            for i in range(0, len(wanted), _CHUNK):
                chunk = [field.get_db_prep_value(g, connection) for g in wanted[i : i + _CHUNK]]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IN ({marks})", chunk)
                taken.update(field.to_python(value) for (value,) in cursor.fetchall())
        result = {}
        for guid in wanted:
            if guid in taken or guid in self.used:
                result[guid] = uuid.uuid4()
                self.replaced += 1
            else:
                result[guid] = guid
            self.used.add(result[guid])
        return result

    def keep(self, guid: uuid.UUID | None) -> uuid.UUID:
        """The GUID itself unless this file already used it (checked against the database
        only when an insert collides, see `_store_sources`)."""
        if guid is None or guid in self.used:
            guid = uuid.uuid4()
        self.used.add(guid)
        return guid

    def get(self, mapping: dict, guid: uuid.UUID | None) -> uuid.UUID:
        if guid is not None and guid in mapping:
            return mapping[guid]
        fresh = uuid.uuid4()
        self.used.add(fresh)
        return fresh


def _codes_store(
    *,
    project: Project,
    specs: list[CodeSpec],
    report: ImportReport,
    pool: _GuidPool,
    user,
    coded: set[uuid.UUID] = frozenset(),
    merge: bool = False,
) -> dict[uuid.UUID, Code]:
    """Create the code tree; with `merge`, codes already in the project (same path) are kept."""
    flat: list[CodeSpec] = []

    def walk(items):
        for item in items:
            flat.append(item)
            walk(item.children)

    walk(specs)
    guids = pool.reserve(Code, [spec.guid for spec in flat])
    by_guid: dict[uuid.UUID, Code] = {}

    def create(items: list[CodeSpec], parent: Code | None) -> None:
        existing = {c.name.lower(): c for c in Code.objects.filter(project=project, parent=parent)}
        order = len(existing)
        for spec in items:
            if merge and spec.name.replace(PATH_SEPARATOR, "∕").lower() in existing:
                code = existing[spec.name.replace(PATH_SEPARATOR, "∕").lower()]
                report.add("codes already in the codebook (kept as they are)")
            else:
                name = _clean_code_name(spec.name, set(existing), report)
                fields = m.parse_code_description(spec.description)
                is_codable = spec.is_codable
                if not is_codable and spec.guid in coded:
                    is_codable = True
                    report.warnings.append(
                        f"The code “{name}” is marked as not codable but has codings; "
                        "it was made codable so that no coding is lost."
                    )
                code = Code(
                    project=project,
                    parent=parent,
                    name=name,
                    colour=spec.colour or "#1e88e5",
                    order=order,
                    is_codable=is_codable,
                    guid=pool.get(guids, spec.guid),
                    **fields,
                )
                # Sibling names were made unique above; the database enforces it too.
                code.full_clean(validate_constraints=False)
                code.save()
                existing[name.lower()] = code
                order += 1
                report.add("codes")
                if merge:
                    change_record(user=user, action=ChangeAction.CREATE, obj=code, project=project)
            if spec.guid is not None:
                by_guid[spec.guid] = code
            create(spec.children, code)

    create(specs, None)
    return by_guid


def _code_sets(root, by_guid: dict[uuid.UUID, Code], report: ImportReport, *, ref: str):
    """Sets of codes. Sets that mirror a top-level code's subtree (Parley's own export) are
    already carried by the tree; others are listed so they can become a project memo."""
    leftover = []
    sets = child(root, "Sets")
    if sets is None:
        return leftover
    for element in children(sets, "Set"):
        name = element.get("name") or "Unnamed set"
        members = [
            parse_guid(item.get(ref) or item.get("targetGUID"))
            for item in children(element, "MemberCode")
        ]
        codes = [by_guid[g] for g in members if g in by_guid]
        others = len(children(element, "MemberSource")) + len(children(element, "MemberNote"))
        group = next((c for c in by_guid.values() if c.parent_id is None and c.name == name), None)
        if group is not None and not others and {c.pk for c in codes} == group.descendant_ids():
            continue
        leftover.append((name, codes, others))
    return leftover


# Texts ----------------------------------------------------------------------------------


def _text_of(element, archive: Archive | None, what: str, report: ImportReport):
    """(raw text, normalised text, where it came from) of a TextSource or Note; None if absent."""
    content = child(element, "PlainTextContent")
    if content is not None and content.text is not None:
        raw = content.text.removeprefix("\ufeff")
        return raw, normalise_newlines(raw), "inline"
    plain, rich = element.get("plainTextPath"), element.get("richTextPath")
    if plain and archive is not None:
        found = archive.find(plain)
        if found:
            raw = decode_text(found[1])
            if "\x00" in raw:
                raise ExchangeError(
                    f"{what}: its text file “{plain}” holds NUL characters; it may be UTF-16 "
                    "without a byte-order mark. Save it as UTF-8 and export again."
                )
            return raw, normalise_newlines(raw), "plain"
        report.not_carried.append(f"{what}: its text file “{plain}” is not in the archive.")
        if not rich:
            return None
    if rich and archive is not None:
        found = archive.find(rich)
        if found is None:
            report.not_carried.append(f"{what}: its file “{rich}” is not in the archive.")
            return None
        if not found[0].lower().endswith(".docx"):
            report.not_carried.append(
                f"{what}: only a rich-text file “{rich}” in a format Parley cannot read."
            )
            return None
        raw = read_docx_text(found[1])
        report.info.append(
            f"{what}: the text was taken from its Word file (there was no plain-text file); "
            "positions were checked against it."
        )
        return raw, normalise_newlines(raw), "docx"
    return None


# Users ----------------------------------------------------------------------------------


def _username(name: str, taken: set[str]) -> str:
    User = get_user_model()
    base = imported_username(re.sub(r"[^\w.@+-]", "_", name.strip())[:130] or "imported")
    candidate, n = base, 2
    while candidate.lower() in taken or User.objects.filter(username__iexact=candidate).exists():
        candidate = f"{base}-{n}"
        n += 1
    taken.add(candidate.lower())
    return candidate


def _users_store(
    names: dict[uuid.UUID, str], report: ImportReport, importer
) -> tuple[dict[uuid.UUID, object], list]:
    """Users by guid: existing ones by their profile guid, the rest created inactive."""
    User = get_user_model()
    found = {
        profile.guid: profile.user
        for profile in Profile.objects.filter(guid__in=list(names)).select_related("user")
    }
    created = []
    taken: set[str] = set()
    for guid, name in names.items():
        if guid in found:
            continue
        user = User(username=_username(name or f"user-{str(guid)[:8]}", taken), is_active=False)
        user.set_unusable_password()
        user.save()
        profile, _ = Profile.objects.get_or_create(user=user)
        profile.guid = guid
        profile.save(update_fields=["guid"])
        found[guid] = user
        created.append(user)
    matched = len(names) - len(created)
    if created:
        report.add("users created (inactive, no password)", len(created))
    if matched:
        report.add("users matched to existing accounts", matched)
        report.info.append(
            "Users who already have an account here were matched by their GUID; "
            "they were not given access to the new project (add them under Members)."
        )
    return found, created


# Variables ------------------------------------------------------------------------------


@dataclass
class VariableSpec:
    guid: uuid.UUID
    name: str
    refi_type: str
    description: str
    builtin: tuple[str, str] | None  # (owner, field)
    extra: dict


def _value_of(element) -> tuple[uuid.UUID | None, str]:
    ref = child(element, "VariableRef")
    guid = parse_guid(ref.get("targetGUID")) if ref is not None else None
    for item in element:
        if local(item).endswith("Value") and local(item) != "VariableValue":
            return guid, (item.text or "").strip()
    return guid, ""


_CONSENT = {choice.lower(): choice for choice in ConsentStatus.values}


def _set_field(obj, field_name: str, value: str, what: str, report: ImportReport) -> None:
    if field_name in {"date", "consent_date"}:
        try:
            setattr(obj, field_name, datetime.date.fromisoformat(value[:10]))
        except ValueError:
            report.not_carried.append(f"{what}: “{value}” is not a date.")
        return
    if field_name == "consent_status":
        if value.lower() in _CONSENT:
            obj.consent_status = _CONSENT[value.lower()]
        else:
            report.not_carried.append(f"{what}: unknown consent status “{value}”.")
        return
    if field_name == "kind":
        obj.kind = value if value in SourceKind.values else SourceKind.OTHER
        return
    limit = obj._meta.get_field(field_name).max_length
    if limit and len(value) > limit:
        report.warnings.append(f"{what}: {field_name} was cut to {limit} characters.")
        value = value[:limit]
    setattr(obj, field_name, value)


# The project importer -------------------------------------------------------------------


@dataclass(slots=True)
class SelectionSpec:
    guid: uuid.UUID | None
    start: int
    end: int
    name: str
    user: uuid.UUID | None
    description: str
    codings: list[tuple[uuid.UUID | None, uuid.UUID | None, uuid.UUID | None]]
    note_refs: list[uuid.UUID]


class ProjectImport:
    """Reads a .qdpx archive, then stores it as a new project in one transaction."""

    def __init__(self, archive: Archive, *, user, progress: Progress | None = None) -> None:
        self._user_cache: dict[str | None, object] = {}
        self._code_cache: dict[str | None, Code | None] = {}
        self.archive = archive
        self.user = user
        self.progress = progress or (lambda done, total, current: None)
        self.report = ImportReport()
        self.pool = _GuidPool()

    # Reading ----------------------------------------------------------------------------

    def read(self) -> None:
        name, data = self.archive.project_xml()
        if name != "project.qde":
            self.report.info.append(f"The project file was “{name}” (expected project.qde).")
        check_no_entities(data, f"The project file “{name}”")
        self.user_names: dict[uuid.UUID, str] = {}
        self.sources: list[dict] = []
        self._skipped: dict[str, int] = defaultdict(int)
        self.origin: str | None = None
        # Stream the file: each source is read as soon as it is complete and then dropped,
        # so a project with hundreds of thousands of selections never sits in memory whole.
        events = etree.iterparse(
            io.BytesIO(data),
            events=("end",),
            tag=[f"{{*}}{k}" for k in SOURCE_KINDS],
            **PARSER_OPTIONS,
        )
        try:
            for _event, element in events:
                parent = element.getparent()
                if parent is None or local(parent) != "Sources":
                    continue
                if self.origin is None:
                    root = parent.getparent()
                    self.origin = (root.get("origin") if root is not None else "") or ""
                self._read_source(element)
                element.clear()
                while element.getprevious() is not None:
                    del parent[0]
        except etree.XMLSyntaxError as error:
            raise ExchangeError(
                f"The project file “{name}” is not well-formed XML: {error}"
            ) from None
        if local(events.root) != "Project":
            raise ExchangeError(
                f"The project file's root element is <{local(events.root)}>, not <Project>."
            )
        self.origin = events.root.get("origin") or ""
        self.root = root = events.root
        del data
        self.archive.files.pop(name, None)
        users = child(root, "Users")
        for element in children(users, "User") if users is not None else []:
            guid = parse_guid(element.get("guid"))
            if guid is None:
                self.report.warnings.append(
                    f"A user with an invalid GUID “{element.get('guid')}” was left out."
                )
                continue
            self.user_names[guid] = element.get("name") or element.get("id") or ""
        codebook = child(root, "CodeBook")
        codes = child(codebook, "Codes") if codebook is not None else None
        self.codes = _read_codes(codes) if codes is not None else []
        self._read_variables()
        for kind, n in self._skipped.items():
            label = kind.replace("Source", "").lower() or kind
            self.report.not_carried.append(
                f"{n} {label} source(s) ({kind}): Parley holds text sources only."
            )
        self._read_notes()

    def _user_ref(self, value: str | None) -> str | None:
        """A reference to a user, kept as written (resolved by `_user`); users that are only
        referred to, not listed, are created too."""
        guid = ref_guid(value)
        if guid is None:
            return None
        if guid not in self.user_names:
            self.user_names[guid] = ""
        return value

    def _read_variables(self) -> None:
        self.variables: dict[uuid.UUID, VariableSpec] = {}
        container = child(self.root, "Variables")
        for element in children(container, "Variable") if container is not None else []:
            guid = parse_guid(element.get("guid"))
            if guid is None:
                continue
            description = child_text(element, "Description")
            human, extra = m.parse_variable_description(description)
            self.variables[guid] = VariableSpec(
                guid=guid,
                name=(element.get("name") or "Variable").strip(),
                refi_type=(element.get("typeOfVariable") or "Text").strip(),
                description=human,
                builtin=m.parse_field_description(description),
                extra=extra,
            )

    def _read_source(self, element) -> None:
        kind = local(element)
        title = (element.get("name") or "").strip()
        if kind == "PDFSource":
            # A PDF travels with its text as a Representation (a TextSource): take that.
            representation = child(element, "Representation")
            areas = len(children(element, "PDFSelection"))
            if representation is None:
                self._skipped[kind] += 1
                return
            if areas:
                self.report.not_carried.append(
                    f"Source “{title}”: {areas} selection(s) of areas of the PDF page."
                )
            self.report.info.append(
                f"Source “{title}”: the PDF was imported as its text representation."
            )
            representation.set("name", representation.get("name") or title)
            if element.get("guid"):  # what cases and sets refer to
                representation.set("guid", element.get("guid"))
            for item in element:
                if local(item) in {"NoteRef", "VariableValue", "Description"}:
                    representation.append(item)
            element = representation
        elif kind != "TextSource":
            if kind:
                self._skipped[kind] += 1
            return
        index = len(self.sources)
        title = (element.get("name") or "").strip() or f"Source {index + 1}"
        self.progress(index, 0, f"Reading “{title}”")
        what = f"Source “{title}”"
        texts = _text_of(element, self.archive, what, self.report)
        if texts is None:
            if not any(what in line for line in self.report.not_carried):
                self.report.not_carried.append(f"{what}: it has no text.")
            lost = len(children(element, "PlainTextSelection"))
            if lost:
                self.report.not_carried.append(
                    f"{what}: without its text, {lost} coded selection(s) of it were left out."
                )
            return
        raw, text, _origin = texts
        if not text.strip():
            self.report.not_carried.append(f"{what}: its text is empty.")
            return
        selections, whole, note_refs, values = [], [], [], []
        for item in element:
            name = local(item)
            if name == "PlainTextSelection":
                selection = self._read_selection(item, what)
                if selection is not None:
                    selections.append(selection)
            elif name == "Coding":
                whole.append(self._read_coding(item, [])[:3])
            elif name == "NoteRef":
                guid = ref_guid(item.get("targetGUID"))
                if guid:
                    note_refs.append(guid)
            elif name == "VariableValue":
                values.append(_value_of(item))
        choice = choose_reading(
            raw, text, [(s.start, s.end, s.name) for s in selections], self.origin
        )
        self._position_notes(what, choice)
        converted = []
        for sel in selections:
            a, b = choice.map.to_code_point(sel.start), choice.map.to_code_point(sel.end)
            if a is None or b is None or not 0 <= a < b <= len(text):
                self.report.not_carried.append(
                    f"{what}: a selection at {sel.start}–{sel.end} lies outside the text."
                )
                continue
            sel.start, sel.end, sel.name = a, b, ""
            converted.append(sel)
        if whole:
            converted.append(SelectionSpec(None, 0, len(text), "", None, "", whole, []))
            self.report.info.append(f"{what}: codings of the whole source cover its full text.")
        self.sources.append(
            {
                "guid": parse_guid(element.get("guid")),
                "title": title[:300],
                "text": text,
                "user": self._user_ref(element.get("creatingUser")),
                "selections": converted,
                "note_refs": note_refs,
                "description": child_text(element, "Description").strip(),
                "values": values,
            }
        )

    def _read_coding(self, item, note_refs: list) -> tuple:
        code = None
        for sub in item:
            name = local(sub)
            if name == "CodeRef":
                code = sub.get("targetGUID")
            elif name == "NoteRef":
                guid = ref_guid(sub.get("targetGUID"))
                if guid:
                    note_refs.append(guid)
        # GUIDs are kept as text here and parsed once each when stored.
        return (item.get("guid"), code, self._user_ref(item.get("creatingUser")))

    def _read_selection(self, item, what: str) -> SelectionSpec | None:
        try:
            start, end = int(item.get("startPosition")), int(item.get("endPosition"))
        except (TypeError, ValueError):
            self.report.not_carried.append(f"{what}: a selection without valid positions.")
            return None
        if start > end:
            start, end = end, start
        codings, note_refs, description = [], [], ""
        for sub in item:
            name = local(sub)
            if name == "Coding":
                codings.append(self._read_coding(sub, note_refs))
            elif name == "NoteRef":
                guid = ref_guid(sub.get("targetGUID"))
                if guid:
                    note_refs.append(guid)
            elif name == "Description":
                description = (sub.text or "").strip()
        return SelectionSpec(
            guid=parse_guid(item.get("guid")),
            start=start,
            end=end,
            name=item.get("name") or "",
            user=self._user_ref(item.get("creatingUser")),
            description=description,
            codings=codings,
            note_refs=note_refs,
        )

    def _position_notes(self, what: str, choice) -> None:
        if not choice.differs:
            return
        if choice.checked == 0:
            self.report.warnings.append(
                f"{what}: unsure how positions were counted (the selections carry no text "
                f"to check them against); read as {choice.reading.label}, as "
                f"“{self.origin or 'an unknown tool'}” writes them. Check its codings."
            )
        elif choice.matched < choice.checked:
            self.report.warnings.append(
                f"{what}: read positions as {choice.reading.label}, but only {choice.matched} "
                f"of {choice.checked} selections land on their quoted text. Check its codings."
            )
        elif choice.reading != choice.preferred:
            self.report.info.append(
                f"{what}: positions were counted in {choice.reading.label} (not what "
                f"“{self.origin or 'the file'}” suggests); all {choice.checked} selections "
                "with a quote were checked."
            )
        else:
            self.report.info.append(
                f"{what}: positions read as {choice.reading.label}; all {choice.checked} "
                "selections with a quote were checked."
            )

    def _read_notes(self) -> None:
        self.notes: dict[uuid.UUID, dict] = {}
        container = child(self.root, "Notes")
        for element in children(container, "Note") if container is not None else []:
            guid = parse_guid(element.get("guid")) or uuid.uuid4()
            title = (element.get("name") or "").strip()
            texts = _text_of(element, self.archive, f"Note “{title or guid}”", self.report)
            text = texts[1] if texts else ""
            if not text.strip() and not title:
                self.report.not_carried.append(f"An empty note ({guid}) was left out.")
                continue
            self.notes[guid] = {
                "title": title[:200],
                "text": text or title,
                "user": self._user_ref(element.get("creatingUser")),
            }
        self.case_links: list[tuple[uuid.UUID, uuid.UUID]] = []
        links = child(self.root, "Links")
        for element in children(links, "Link") if links is not None else []:
            origin, target = (
                parse_guid(element.get("originGUID")),
                parse_guid(element.get("targetGUID")),
            )
            if origin in self.notes:
                self.case_links.append((origin, target))
            elif target in self.notes:
                self.case_links.append((target, origin))
            else:
                self.report.not_carried.append(
                    f"A link “{element.get('name') or ''}” between two objects (Parley has no links)."
                )

    # Storing ----------------------------------------------------------------------------

    @transaction.atomic
    def store(self) -> Project:
        report = self.report
        root = self.root
        name = (root.get("name") or "").strip()[:200] or "Imported project"
        project = project_create(
            user=self.user, name=name, description=child_text(root, "Description")
        )
        report.project_id, report.project_name = project.pk, project.name
        self.users, _created = _users_store(self.user_names, report, self.user)
        self.progress(0, 1, "Storing the codebook")
        coded = {
            ref_guid(code_ref)
            for code_ref in {
                code_ref
                for source in self.sources
                for sel in source["selections"]
                for _g, code_ref, _u in sel.codings
            }
        }
        self.codes_by_guid = _codes_store(
            project=project,
            specs=self.codes,
            report=report,
            pool=self.pool,
            user=self.user,
            coded=coded,
        )
        self._store_variables(project)
        self._store_cases(project)
        self._store_sources(project)
        self._store_memos(project)
        for set_name, codes, others in _code_sets(
            root, self.codes_by_guid, report, ref="targetGUID"
        ):
            listing = ", ".join(c.full_path for c in codes) or "no codes"
            Memo.objects.create(
                project=project,
                author=self.user,
                title=f"Set “{set_name}”"[:200],
                text=f"The file had a set “{set_name}” of these codes: {listing}."
                + (f" It also held {others} sources or notes." if others else ""),
            )
            report.not_carried.append(
                f"The set “{set_name}” (Parley has no sets; its members are listed in a project memo)."
            )
        graphs = child(root, "Graphs")
        if graphs is not None and len(graphs):
            report.not_carried.append(f"{len(graphs)} graph(s): Parley has no graphs.")
        if self.pool.replaced:
            report.info.append(
                f"{self.pool.replaced} objects were given new GUIDs because this database "
                "already holds objects with theirs (the project was exported from here)."
            )
        report.not_carried = _summarise(report.not_carried)
        report.warnings = _summarise(report.warnings)
        report.info = _summarise(report.info)
        return project

    def _store_variables(self, project: Project) -> None:
        self.attributes: dict[uuid.UUID, Attribute] = {}
        used_in_cases = {g for case in self._cases() for g, _v in case["values"]}
        guids = self.pool.reserve(
            Attribute, [v.guid for v in self.variables.values() if v.builtin is None]
        )
        taken: set[str] = set()
        for order, spec in enumerate(v for v in self.variables.values() if v.builtin is None):
            refi = spec.refi_type.lower()
            kind = spec.extra.get("type") or m.REFI_TO_PARLEY.get(refi, "text")
            if kind not in AttributeType.values:
                kind = "text"
            if refi == "datetime":
                self.report.info.append(
                    f"The variable “{spec.name}” holds date-times; they are kept as text."
                )
            applies_to = spec.extra.get("applies_to") or (
                "interviewee" if spec.guid in used_in_cases or not self.sources else "source"
            )
            name, n = spec.name[:100], 2
            while name.lower() in taken:
                name = f"{spec.name[:90]} ({n})"
                n += 1
            taken.add(name.lower())
            choices = list(spec.extra.get("choices") or [])
            if kind == "choice":
                seen = {
                    value
                    for owner in [*self._cases(), *self.sources]
                    for g, value in owner["values"]
                    if g == spec.guid and value
                }
                choices += sorted(v for v in seen if v.lower() not in {c.lower() for c in choices})
            attribute = Attribute(
                project=project,
                name=name,
                type=kind,
                applies_to=applies_to if applies_to in {"interviewee", "source"} else "interviewee",
                choices="\n".join(choices),
                description=spec.description,
                order=order,
                guid=self.pool.get(guids, spec.guid),
            )
            attribute.full_clean()
            attribute.save()
            self.attributes[spec.guid] = attribute
            self.report.add("attributes")

    def _cases(self) -> list[dict]:
        if not hasattr(self, "_case_specs"):
            self._case_specs = []
            container = child(self.root, "Cases")
            for element in children(container, "Case") if container is not None else []:
                self._case_specs.append(
                    {
                        "guid": parse_guid(element.get("guid")),
                        "name": (element.get("name") or "").strip(),
                        "description": child_text(element, "Description"),
                        "values": [_value_of(v) for v in children(element, "VariableValue")],
                        "sources": [
                            parse_guid(r.get("targetGUID")) for r in children(element, "SourceRef")
                        ],
                        "other_refs": len(children(element, "CodeRef"))
                        + len(children(element, "SelectionRef")),
                    }
                )
        return self._case_specs

    def _values_store(self, owner_kind: str, obj, values, what: str) -> None:
        rows = []
        for guid, value in values:
            spec = self.variables.get(guid)
            if spec is None:
                self.report.not_carried.append(f"{what}: a value of an unknown variable.")
                continue
            if spec.builtin is not None:
                continue
            if not value:
                continue
            attribute = self.attributes[guid]
            try:
                stored = attribute.normalise(value)
            except ValidationError as error:
                self.report.not_carried.append(f"{what}: {' '.join(error.messages)}")
                continue
            rows.append(AttributeValue(attribute=attribute, value=stored, **{owner_kind: obj}))
        AttributeValue.objects.bulk_create(rows)
        self.report.add("attribute values", len(rows))

    def _builtins(self, obj, owner: str, values, what: str) -> None:
        for guid, value in values:
            spec = self.variables.get(guid)
            if spec is None or spec.builtin is None or not value:
                continue
            spec_owner, field_name = spec.builtin
            allowed = {f for f, _n, _t in (m.INTERVIEWEE_FIELDS + m.IDENTITY_FIELDS)}
            if owner == "source":
                allowed = {f for f, _n, _t in m.SOURCE_FIELDS}
            if spec_owner == owner and field_name in allowed:
                _set_field(obj, field_name, value, what, self.report)

    def _store_cases(self, project: Project) -> None:
        self.cases: dict[uuid.UUID, Interviewee] = {}
        specs = self._cases()
        guids = self.pool.reserve(Interviewee, [c["guid"] for c in specs])
        taken: set[str] = set()
        self.case_sources: list[tuple[Interviewee, list]] = []
        for index, spec in enumerate(specs):
            name = spec["name"] or f"Case {index + 1}"
            pseudonym, n = name[:50], 2
            while pseudonym.lower() in taken:
                pseudonym = f"{name[:44]} ({n})"
                n += 1
            taken.add(pseudonym.lower())
            if pseudonym != name:
                self.report.warnings.append(f"The case “{name}” is the interviewee “{pseudonym}”.")
            person = Interviewee(
                project=project,
                pseudonym=pseudonym,
                notes=spec["description"],
                guid=self.pool.get(guids, spec["guid"]),
            )
            self._builtins(person, "interviewee", spec["values"], f"Case “{name}”")
            person.full_clean()
            person.save()
            self._values_store("interviewee", person, spec["values"], f"Case “{name}”")
            if spec["other_refs"]:
                self.report.not_carried.append(
                    f"Case “{name}”: {spec['other_refs']} links to codes or selections "
                    "(Parley links interviewees to whole sources)."
                )
            if spec["guid"] is not None:
                self.cases[spec["guid"]] = person
            self.case_sources.append((person, spec["sources"]))
            self.report.add("interviewees")

    def _user(self, ref: str | None):
        """The user a reference names (the importer when it names none)."""
        try:
            return self._user_cache[ref]
        except KeyError:
            guid = ref_guid(ref)
            user = self.users.get(guid, self.user) if guid is not None else self.user
            self._user_cache[ref] = user
            return user

    def _code(self, ref: str | None) -> Code | None:
        try:
            return self._code_cache[ref]
        except KeyError:
            code = self._code_cache[ref] = self.codes_by_guid.get(ref_guid(ref))
            return code

    def _store_sources(self, project: Project) -> None:
        self.source_objects: dict[uuid.UUID, Source] = {}
        self._codings_collide = False
        source_guids = self.pool.reserve(Source, [s["guid"] for s in self.sources])
        self.memo_specs: list[tuple[dict, str, object]] = []
        total = sum(len(s["selections"]) for s in self.sources) + len(self.sources)
        done = 0
        unknown_codes = 0
        for spec in self.sources:
            self.progress(done, total, f"Storing “{spec['title']}”")
            what = f"Source “{spec['title']}”"
            probe = Source(project=project)
            self._builtins(probe, "source", spec["values"], what)
            source = source_create(
                project=project,
                title=spec["title"],
                text=spec["text"],
                user=self._user(spec["user"]),
                kind=probe.kind,
                language=probe.language,
                date=probe.date,
                interviewer=probe.interviewer,
                guid=self.pool.get(source_guids, spec["guid"]),
            )
            self.report.add("sources")
            if spec["guid"] is not None:
                self.source_objects[spec["guid"]] = source
            self._values_store("source", source, spec["values"], what)
            if spec["description"]:
                self.memo_specs.append(
                    (
                        {"title": "Description", "text": spec["description"], "user": spec["user"]},
                        "source",
                        source,
                    )
                )
            for note in spec["note_refs"]:
                self.memo_specs.append((note, "source", source))
            rows: list[tuple] = []
            seen: set[tuple] = set()
            for sel in spec["selections"]:
                target = None
                for coding_guid, code_ref, user_ref in sel.codings:
                    code = self._code(code_ref)
                    if code is None:
                        unknown_codes += 1
                        continue
                    coder = self._user(user_ref or sel.user)
                    key = (code.id, coder.id, sel.start, sel.end)
                    if key in seen:
                        continue
                    seen.add(key)
                    wanted = (
                        sel.guid if len(sel.codings) == 1 and sel.guid else parse_guid(coding_guid)
                    )
                    guid = self.pool.keep(wanted)
                    target = target or guid
                    rows.append((guid, source.id, code.id, coder.id, sel.start, sel.end))
                notes = list(sel.note_refs)
                if sel.description:
                    notes.append({"title": "", "text": sel.description, "user": sel.user})
                for note in notes:
                    if target is not None:
                        self.memo_specs.append((note, "coding", target))
                    else:
                        self.memo_specs.append((note, "source", source))
                        self.report.info.append(
                            f"{what}: a note on an uncoded passage ({sel.start}–{sel.end}) "
                            "became a memo on the source."
                        )
            rows = self._insert_source_codings(source, spec, rows)
            self.report.add("codings", len(rows))
            done += len(spec["selections"]) + 1
        if unknown_codes:
            self.report.not_carried.append(
                f"{unknown_codes} coding(s) refer to codes that are not in the codebook."
            )
        by_guid = self.source_objects
        through = Source.interviewees.through
        links = []
        for person, refs in self.case_sources:
            for ref in refs:
                if ref in by_guid:
                    links.append(through(source_id=by_guid[ref].pk, interviewee_id=person.pk))
                else:
                    self.report.not_carried.append(
                        f"Interviewee “{person.pseudonym}”: a link to a source that was not imported."
                    )
        through.objects.bulk_create(links, ignore_conflicts=True)

    def _insert_source_codings(self, source: Source, spec: dict, rows: list[tuple]) -> list:
        """Insert a source's codings, keeping their GUIDs where this database lets them."""
        if not rows:
            return rows
        if spec["guid"] is not None and source.guid != spec["guid"]:
            # The source is already in this database (the file came from here), and so
            # are its codings: they get new GUIDs as the source did.
            fresh = {row[0]: uuid.uuid4() for row in rows}
            self.pool.replaced += len(fresh)
        else:
            if not self._codings_collide:
                try:
                    with transaction.atomic():
                        _codings_insert(rows)
                    return rows
                except IntegrityError:
                    # Some GUIDs are taken: from now on check them before inserting.
                    self._codings_collide = True
            self.pool.used.difference_update(row[0] for row in rows)
            fresh = self.pool.reserve(Coding, [row[0] for row in rows])
        rows = [(fresh[row[0]], *row[1:]) for row in rows]
        renamed = {old: new for old, new in fresh.items() if old != new}
        if renamed:
            self.memo_specs = [
                (note, kind, renamed.get(target, target) if kind == "coding" else target)
                for note, kind, target in self.memo_specs
            ]
        _codings_insert(rows)
        return rows

    def _store_memos(self, project: Project) -> None:
        targets: list[tuple[object, str, object]] = list(self.memo_specs)
        for spec in self.codes_flat():
            for note in spec.note_refs:
                code = self.codes_by_guid.get(spec.guid)
                if code is not None:
                    targets.append((note, "code", code))
        for ref in children(self.root, "NoteRef"):
            guid = parse_guid(ref.get("targetGUID"))
            if guid:
                targets.append((guid, "project", None))
        for note_guid, case_guid in self.case_links:
            if case_guid in self.cases:
                targets.append((note_guid, "interviewee", self.cases[case_guid]))
            else:
                self.report.not_carried.append("A note linked to something that is not a case.")
        coding_guids = [target for _n, kind, target in targets if kind == "coding"]
        self.coding_pks = {}
        for i in range(0, len(coding_guids), _CHUNK):
            self.coding_pks.update(
                Coding.objects.filter(guid__in=coding_guids[i : i + _CHUNK]).values_list(
                    "guid", "pk"
                )
            )
        used: set[uuid.UUID] = set()
        rows = []
        wanted = self.pool.reserve(Memo, list(self.notes))
        for note, kind, target in targets:
            if isinstance(note, dict):
                spec, guid = note, uuid.uuid4()
            else:
                spec = self.notes.get(note)
                if spec is None:
                    self.report.not_carried.append("A reference to a note that is not in the file.")
                    continue
                if note in used:
                    guid = uuid.uuid4()
                    self.report.info.append(
                        f"The note “{spec['title'] or spec['text'][:40]}” is attached to several "
                        "objects; each got its own memo."
                    )
                else:
                    guid = wanted[note]
                used.add(note)
            rows.append(self._memo(project, spec, guid, kind, target))
        for note_guid, spec in self.notes.items():
            if note_guid not in used:
                rows.append(self._memo(project, spec, wanted[note_guid], "project", None))
        Memo.objects.bulk_create(rows, batch_size=2000)
        self.report.add("memos", len(rows))

    def _memo(self, project, spec: dict, guid, kind: str, target) -> Memo:
        memo = Memo(
            project=project,
            author=self._user(spec["user"]),
            title=spec["title"][:200],
            text=spec["text"] or spec["title"] or "(empty)",
            guid=guid,
        )
        if kind == "coding":
            memo.coding_id = self.coding_pks[target]
        elif kind != "project":
            setattr(memo, kind, target)
        return memo

    def codes_flat(self) -> list[CodeSpec]:
        found = []

        def walk(items):
            for item in items:
                found.append(item)
                walk(item.children)

        walk(self.codes)
        return found


def _codings_insert(rows: list[tuple]) -> None:
    """Insert (guid, source id, code id, coder id, start, end) rows, already checked.

    Large projects hold hundreds of thousands of codings; the ORM's bulk_create spends most
    of its time preparing each value, so these go straight to the database (COPY on
    PostgreSQL). The table's constraints still check every row.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(Coding)]
    meta = Coding._meta
    names = ["guid", "source", "code", "coder", "start", "end", "created_at", "modified_at"]
    columns = ", ".join(connection.ops.quote_name(meta.get_field(n).column) for n in names)
    table = connection.ops.quote_name(meta.db_table)
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY goes to psycopg directly: translate its errors into Django's.
            with (
                connection.wrap_database_errors,
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row((*row, now, now))
            return
        guid_field, stamp_field = meta.get_field("guid"), meta.get_field("created_at")
        stamp = stamp_field.get_db_prep_save(now, connection)
        placeholders = ", ".join(["%s"] * len(names))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
        for i in range(0, len(rows), _CHUNK):
            cursor.executemany(
                sql,
                [
                    (guid_field.get_db_prep_save(g, connection), *rest, stamp, stamp)
                    for g, *rest in rows[i : i + _CHUNK]
                ],
            )


def qdpx_import(*, archive: Archive, user, progress: Progress | None = None):
    """Import a read archive as a new project; returns (project, report)."""
    job = ProjectImport(archive, user=user, progress=progress)
    job.read()
    project = job.store()
    return project, job.report


@transaction.atomic
def qdc_import(*, project: Project, data: bytes, user) -> ImportReport:
    """Add a .qdc codebook's codes to a project; codes it already has (same path) are kept."""
    report = ImportReport(project_id=project.pk, project_name=project.name)
    root = parse_xml(data, "The codebook file")
    if local(root) == "Project":
        book = child(root, "CodeBook")
        root = book if book is not None else root
    if local(root) != "CodeBook":
        raise ExchangeError(f"The file's root element is <{local(root)}>, not <CodeBook>.")
    codes = child(root, "Codes")
    specs = _read_codes(codes) if codes is not None else []
    if not specs:
        raise ExchangeError("The codebook holds no codes.")
    by_guid = _codes_store(
        project=project, specs=specs, report=report, pool=_GuidPool(), user=user, merge=True
    )
    for set_name, codes_in_set, _others in _code_sets(root, by_guid, report, ref="guid"):
        listing = ", ".join(c.full_path for c in codes_in_set) or "no codes"
        report.not_carried.append(f"The set “{set_name}” ({listing}): Parley has no sets.")
    return report
