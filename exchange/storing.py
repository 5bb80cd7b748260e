"""Storing a read REFI-QDA project (`exchange.reading`) as a new Parley project, in one
transaction so that a failed import stores nothing; and adding a .qdc codebook's codes to a
project."""

from __future__ import annotations

import datetime
import re
import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from coding.models import PATH_SEPARATOR, ChangeAction, Code, Coding, Memo, sources_freeze
from coding.services import change_record
from exchange import mapping as m
from exchange import media
from exchange.readers import (
    Archive,
    ExchangeError,
    child,
    child_text,
    children,
    local,
    parse_guid,
    parse_xml,
    ref_guid,
)
from exchange.reading import (
    CodeSpec,
    ImportReport,
    Progress,
    ProjectReading,
    read_codes,
    summarise,
    value_of,
)
from interviews.accounts import imported_username
from interviews.bulk import rows_insert
from interviews.db_statistics import statistics_refreshed
from interviews.models import (
    Attribute,
    AttributeType,
    AttributeValue,
    ConsentStatus,
    Interviewee,
    Profile,
    Project,
    Segment,
    Source,
    SourceKind,
    SourcePiece,
)
from interviews.recordings import services as recordings
from interviews.services import project_create, source_create

_CHUNK = 5000


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
                code = Code.from_fields(
                    project=project,
                    parent=parent,
                    name=name,
                    order=order,
                    fields={**fields, "colour": spec.colour, "is_codable": is_codable},
                    guid=pool.get(guids, spec.guid),
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


class ProjectImport(ProjectReading):
    """Reads a .qdpx archive, then stores it as a new project in one transaction."""

    def __init__(self, archive: Archive, *, user, progress: Progress | None = None) -> None:
        super().__init__(archive, progress=progress)
        self._user_cache: dict[str | None, object] = {}
        self._code_cache: dict[str | None, Code | None] = {}
        self.user = user
        self.pool = _GuidPool()

    # Storing ----------------------------------------------------------------------------

    def store(self) -> Project:
        # A failed import stores nothing: neither rows nor the recordings' files.
        with recordings.files_removed_on_failure():
            return self._store()

    @transaction.atomic
    def _store(self) -> Project:
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
        for spec in self.sources:
            if spec.get("media") and spec["guid"] in self.source_objects:
                media.media_store(
                    source=self.source_objects[spec["guid"]],
                    spec=spec["media"],
                    archive=self.archive,
                    report=report,
                )
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
        report.not_carried = summarise(report.not_carried)
        report.warnings = summarise(report.warnings)
        report.info = summarise(report.info)
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
                        "values": [value_of(v) for v in children(element, "VariableValue")],
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


def _codings_insert(rows: list[tuple]) -> None:
    """Insert (guid, source id, code id, coder id, start, end) rows, already checked.

    Large projects hold hundreds of thousands of codings; the ORM's bulk_create spends most
    of its time preparing each value, so these go straight to the database (COPY on
    PostgreSQL). The table's constraints still check every row. The sources coded become
    frozen.
    """
    if not rows:
        return
    sources_freeze({row[1] for row in rows})
    connection = connections[router.db_for_write(Coding)]
    meta = Coding._meta
    names = ["guid", "source", "code", "coder", "start", "end", "created_at", "modified_at"]
    now = timezone.now()
    guid_field = meta.get_field("guid")
    stamp = meta.get_field("created_at").get_db_prep_save(now, connection)
    rows_insert(
        Coding,
        [meta.get_field(name).column for name in names],
        ((*row, now, now) for row in rows),
        prepared=lambda row, connection: (
            guid_field.get_db_prep_save(row[0], connection),
            *row[1:6],
            stamp,
            stamp,
        ),
    )


def qdpx_import(*, archive: Archive, user, progress: Progress | None = None):
    """Import a read archive as a new project; returns (project, report)."""
    job = ProjectImport(archive, user=user, progress=progress)
    job.read()
    project = job.store()
    # A whole project at once: its tables may have grown past what the planner knows.
    statistics_refreshed(
        {
            Source: Source.objects.filter(project=project),
            Segment: Segment.objects.filter(source__project=project),
            SourcePiece: SourcePiece.objects.filter(source__project=project),
            Code: Code.objects.filter(project=project),
            Coding: Coding.objects.filter(source__project=project),
        }
    )
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
    specs = read_codes(codes) if codes is not None else []
    if not specs:
        raise ExchangeError("The codebook holds no codes.")
    by_guid = _codes_store(
        project=project, specs=specs, report=report, pool=_GuidPool(), user=user, merge=True
    )
    for set_name, codes_in_set, _others in _code_sets(root, by_guid, report, ref="guid"):
        listing = ", ".join(c.full_path for c in codes_in_set) or "no codes"
        report.not_carried.append(f"The set “{set_name}” ({listing}): Parley has no sets.")
    return report
