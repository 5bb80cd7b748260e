"""Reading a REFI-QDA .qdpx project or .qdc codebook: the file is parsed and checked into specs
(codes, cases, sources with their selections, notes, users) without touching the database.

Reading is lenient (see DESIGN.md, Interop): any namespace, a `.qde` of any name, `Sources/`
in any case, paths with or without `internal://`, GUIDs in braces or upper case, BOMs and
CRLF in text files, positions in UTF-16 units or code points. What cannot be carried over is
listed in the `ImportReport`. `exchange.storing` stores what was read.
"""

from __future__ import annotations

import io
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

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
    read_docx_text,
    ref_guid,
)

Progress = Callable[[int, int, str], None]

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


def summarise(items: list[str], limit: int = 50) -> list[str]:
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


def read_codes(container) -> list[CodeSpec]:
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
                children=read_codes(element),
            )
        )
    return specs


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


# Variables ------------------------------------------------------------------------------


@dataclass
class VariableSpec:
    guid: uuid.UUID
    name: str
    refi_type: str
    description: str
    builtin: tuple[str, str] | None  # (owner, field)
    extra: dict


def value_of(element) -> tuple[uuid.UUID | None, str]:
    ref = child(element, "VariableRef")
    guid = parse_guid(ref.get("targetGUID")) if ref is not None else None
    for item in element:
        if local(item).endswith("Value") and local(item) != "VariableValue":
            return guid, (item.text or "").strip()
    return guid, ""


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


class ProjectReading:
    """A .qdpx archive read into specs; `read()` fills them, nothing is stored."""

    def __init__(self, archive: Archive, *, progress: Progress | None = None) -> None:
        self.archive = archive
        self.progress = progress or (lambda done, total, current: None)
        self.report = ImportReport()

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
        self.codes = read_codes(codes) if codes is not None else []
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
                values.append(value_of(item))
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

    def codes_flat(self) -> list[CodeSpec]:
        found = []

        def walk(items):
            for item in items:
                found.append(item)
                walk(item.children)

        walk(self.codes)
        return found
