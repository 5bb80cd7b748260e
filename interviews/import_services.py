"""Importing sources: one file at a time, in batches with progress, and the language
processing that follows in the background.

Phase one (`source_import`) stores the text, speaker turns, paragraphs and sentences (split
by the cheap blank pipeline) in one transaction: the source is codable when it returns.
Phase two (`sources_language_process`, run by the `process_language` task) passes the texts
through the full pipeline with `nlp.pipe` and stores named entities.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import logging
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction

from interviews import nlp
from interviews.importers import (
    Imported,
    ImportRefused,
    SafeZip,
    check_size,
    extension,
    read_file,
    read_pasted,
    unpack_zip,
)
from interviews.models import (
    Attribute,
    AttributeTarget,
    Interviewee,
    Job,
    NamedEntity,
    NlpStatus,
    Project,
    Segment,
    SegmentKind,
    Source,
)
from interviews.reading import paragraph_spans
from interviews.turns import Turn

logger = logging.getLogger(__name__)

INTERVIEWER = "interviewer"
LINKED = "linked"  # in a batch: the one interviewee linked to each file (name or CSV)
INTERVIEWER_LABELS = {
    "interviewer", "q", "i", "int", "moderator", "question", "researcher",
    "интервьюер", "вопрос", "в", "інтерв'юер", "інтэрв'юер", "采访者", "主持人", "问",
}  # fmt: skip
RESPONDENT_LABELS = {
    "respondent", "a", "r", "interviewee", "answer", "participant",
    "респондент", "ответ", "о", "відповідь", "адказ", "受访者", "答",
}  # fmt: skip


class DuplicateSource(ImportRefused):
    """The same text is already a source of the project."""


def text_checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Speakers ------------------------------------------------------------------------------

SpeakerTarget = Interviewee | str | None


def speaker_map_guess(
    *,
    speakers: Iterable[str],
    project: Project,
    interviewees: Iterable[Interviewee] = (),
    interviewer_name: str = "",
) -> dict[str, SpeakerTarget]:
    """A first mapping of speaker labels: pseudonyms to their interviewee, the usual
    interviewer labels to the interviewer, the usual respondent labels to the one linked
    interviewee. Anything else stays unmapped for the user to decide."""
    by_pseudonym = {i.pseudonym.lower(): i for i in project.interviewees.all()}
    linked = list(interviewees)
    guess: dict[str, SpeakerTarget] = {}
    for speaker in speakers:
        key = speaker.strip().lower()
        if key in by_pseudonym:
            guess[speaker] = by_pseudonym[key]
        elif key in INTERVIEWER_LABELS or (interviewer_name and key == interviewer_name.lower()):
            guess[speaker] = INTERVIEWER
        elif key in RESPONDENT_LABELS and len(linked) == 1:
            guess[speaker] = linked[0]
        else:
            guess[speaker] = None
    return guess


@transaction.atomic
def source_speakers_map(*, source: Source, speaker_map: dict[str, SpeakerTarget]) -> int:
    """Point each speaker's turns at an interviewee or the interviewer; returns turns changed.

    Mapped interviewees are added to the source's interviewees.
    """
    changed = 0
    # One update per target and chunk of labels, not per label: a text may have thousands.
    by_target: dict[object, list[str]] = {}
    targets: dict[object, SpeakerTarget] = {}
    for speaker, target in speaker_map.items():
        if isinstance(target, Interviewee) and target.project_id != source.project_id:
            raise ValidationError("An interviewee of another project cannot speak here.")
        key = ("i", target.pk) if isinstance(target, Interviewee) else target
        by_target.setdefault(key, []).append(speaker)
        targets[key] = target
    for key, labels in by_target.items():
        target = targets[key]
        for start in range(0, len(labels), 500):
            changed += source.segments.filter(
                kind=SegmentKind.TURN, speaker__in=labels[start : start + 500]
            ).update(
                interviewee=target if isinstance(target, Interviewee) else None,
                is_interviewer=target == INTERVIEWER,
            )
    mapped = [t for t in speaker_map.values() if isinstance(t, Interviewee)]
    if mapped:
        source.interviewees.add(*mapped)
    return changed


# Phase one: a codable source -----------------------------------------------------------


def turn_sentence_spans(text: str, language: str, turns: list) -> list[tuple[int, int]]:
    """Sentences within turns and paragraphs, speaker labels left out."""
    labels = [(t.start, t.body) for t in turns if t.body is not None]
    return nlp.sentence_spans(text, language, [t.start for t in turns], labels)


SEGMENT_COLUMNS = (
    "source_id", "kind", "start", "end", "speaker", "interviewee_id", "is_interviewer", "timestamp",
)  # fmt: skip


def segment_rows(
    *,
    source: Source,
    imported: Imported,
    speaker_map: dict[str, SpeakerTarget],
) -> list[tuple]:
    """Turn, paragraph and sentence rows (values of SEGMENT_COLUMNS) of a freshly imported
    source, for `segments_insert`."""
    text = source.text
    pk = source.pk
    rows = []
    for turn in imported.turns:
        target = speaker_map.get(turn.speaker)
        rows.append(
            (
                pk,
                SegmentKind.TURN.value,
                turn.start,
                turn.end,
                turn.speaker[:200],
                target.pk if isinstance(target, Interviewee) else None,
                target == INTERVIEWER,
                turn.timestamp,
            )
        )
    paragraph = SegmentKind.PARAGRAPH.value
    rows.extend((pk, paragraph, s, e, "", None, False, None) for s, e in paragraph_spans(text))
    sentence = SegmentKind.SENTENCE.value
    rows.extend(
        (pk, sentence, s, e, "", None, False, None)
        for s, e in turn_sentence_spans(text, source.language, imported.turns)
    )
    return rows


def segments_insert(rows: list[tuple]) -> None:
    """Store segment rows in one prepared statement executed for all rows: a source has
    hundreds of them, and building a model instance and SQL per row is most of the cost of
    making it codable. The database still checks every constraint."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in SEGMENT_COLUMNS)
    marks = ", ".join(["%s"] * len(SEGMENT_COLUMNS))
    sql = f"INSERT INTO {quote(Segment._meta.db_table)} ({columns}) VALUES ({marks})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@transaction.atomic
def source_import(
    *,
    project: Project,
    imported: Imported,
    user=None,
    title: str = "",
    language: str = "",
    kind: str = "interview",
    interviewer: str = "",
    interviewees: Iterable[Interviewee] = (),
    speaker_map: dict[str, SpeakerTarget] | None = None,
    original_name: str = "",
    original_bytes: bytes | None = None,
    date=None,
) -> Source:
    """Store an imported text as a codable source: text, turns, paragraphs, sentences.

    Refuses (DuplicateSource) a text the project already has. Named entities come later,
    from `sources_language_process`.
    """
    checksum = text_checksum(imported.text)
    existing = project.sources.filter(checksum=checksum).first()
    if existing is not None:
        raise DuplicateSource(
            f"“{original_name or imported.title}” is identical to the source "
            f"“{existing.title}” already in this project; skipped."
        )
    language = language or nlp.detect_language(imported.text)
    source = Source(
        project=project,
        title=(title or imported.title or original_name or "Untitled")[:300],
        kind=kind,
        text=imported.text,
        language=language,
        date=date,
        interviewer=interviewer,
        original_name=original_name[:300],
        checksum=checksum,
        nlp_status=NlpStatus.PENDING,
        nlp_pipeline=nlp.sentence_pipeline(language).name,
        created_by=user,
    )
    source.full_clean()
    source.save()
    if original_bytes is not None and original_name:
        source.original_file.save(original_name, ContentFile(original_bytes), save=False)
        Source.objects.filter(pk=source.pk).update(original_file=source.original_file.name)
    linked = list(interviewees)
    speaker_map = speaker_map or {}
    mapped = [t for t in speaker_map.values() if isinstance(t, Interviewee)]
    if any(i.project_id != project.pk for i in [*linked, *mapped]):
        raise ValidationError("An interviewee of another project cannot be linked here.")
    source.interviewees.set({i.pk: i for i in [*linked, *mapped]}.values())
    segments_insert(segment_rows(source=source, imported=imported, speaker_map=speaker_map))
    return source


# Phase two: the full pipeline in the background ---------------------------------------


def sources_language_process(
    source_ids: Iterable[int],
    *,
    batch_size: int = 8,
    n_process: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Named entities of each source through the full pipeline of its language.

    Sources are taken language by language and streamed through `nlp.pipe`; each source's
    entities and status are written as soon as it is done.
    """
    ids = list(source_ids)
    total = len(ids)
    done = 0
    counts = {"sources": 0, "entities": 0}
    languages = Source.objects.filter(pk__in=ids).values_list("language", flat=True).distinct()
    for language in sorted(set(languages)):
        pipeline = nlp.full_pipeline(language)
        queryset = Source.objects.filter(pk__in=ids, language=language).order_by("pk")
        source_pks = list(queryset.values_list("pk", flat=True))
        Source.objects.filter(pk__in=source_pks).update(nlp_status=NlpStatus.RUNNING)

        def texts(pks=source_pks):
            for start in range(0, len(pks), batch_size):
                chunk = dict(
                    Source.objects.filter(pk__in=pks[start : start + batch_size]).values_list(
                        "pk", "text"
                    )
                )
                for pk in pks[start : start + batch_size]:
                    yield chunk.get(pk, "")

        finished: set[int] = set()
        try:
            results = zip(
                source_pks,
                nlp.entities_pipe(texts(), language, batch_size=batch_size, n_process=n_process),
                strict=True,
            )
            for pk, entities in results:
                _entities_store(pk, entities, pipeline.name)
                finished.add(pk)
                counts["sources"] += 1
                counts["entities"] += len(entities)
                done += 1
                if on_progress:
                    on_progress(done, total)
        except Exception:
            Source.objects.filter(pk__in=set(source_pks) - finished).update(
                nlp_status=NlpStatus.FAILED
            )
            raise
    return counts


def _entities_store(pk: int, entities: list[nlp.Entity], pipeline_name: str) -> None:
    try:
        with transaction.atomic():
            NamedEntity.objects.filter(source_id=pk).delete()
            NamedEntity.objects.bulk_create(
                [
                    NamedEntity(
                        source_id=pk,
                        start=e.start,
                        end=e.end,
                        label=e.label[:30],
                        text=e.text[:300],
                    )
                    for e in entities
                    if e.end > e.start
                ],
                batch_size=2000,
            )
            Source.objects.filter(pk=pk).update(
                nlp_status=NlpStatus.DONE, nlp_pipeline=pipeline_name
            )
    except IntegrityError:
        logger.info("Source %s was deleted while its language was processed.", pk)


# Interviewees from a CSV ---------------------------------------------------------------

_FIELD_ALIASES = {
    "pseudonym": "pseudonym",
    "real_name": "real_name",
    "real name": "real_name",
    "name": "real_name",
    "contact": "contact",
    "organisation": "organisation",
    "organization": "organisation",
    "sector": "sector",
    "country": "country",
    "role": "role",
    "notes": "notes",
}
_FILE_COLUMNS = {"file", "files", "source", "sources", "transcript"}


@dataclass
class CsvResult:
    interviewees: list[Interviewee] = field(default_factory=list)
    created: int = 0
    matched: int = 0
    errors: list[str] = field(default_factory=list)
    files: dict[str, Interviewee] = field(default_factory=dict)


def interviewees_from_csv(*, project: Project, data: bytes, name: str = "") -> CsvResult:
    """Create or match interviewees from a CSV: a `pseudonym` column, the interviewee's
    fields (real_name, organisation, sector, country, role, …), one column per attribute, and
    optionally `file` naming the transcripts (separated by `;`) of that interviewee.

    Each row succeeds or fails alone; an existing pseudonym is matched and updated.
    """
    from interviews.importers.text import decode

    text, _encoding = decode(data, name=name, kind="CSV file")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), dialect=dialect)
    headers = [h.strip() for h in (reader.fieldnames or [])]
    if "pseudonym" not in [h.lower() for h in headers]:
        raise ImportRefused(f"“{name or 'The CSV'}” needs a “pseudonym” column.")
    attributes = {
        a.name.lower(): a for a in project.attributes.filter(applies_to=AttributeTarget.INTERVIEWEE)
    }
    result = CsvResult()
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        pseudonym = row.get("pseudonym", "")
        if not pseudonym:
            result.errors.append(f"CSV line {line}: no pseudonym; row skipped.")
            continue
        try:
            with transaction.atomic():
                interviewee = project.interviewees.filter(pseudonym__iexact=pseudonym).first()
                created = interviewee is None
                if created:
                    interviewee = Interviewee(project=project, pseudonym=pseudonym)
                values = {}
                for key, value in row.items():
                    if key in _FIELD_ALIASES and key != "pseudonym":
                        if value:
                            setattr(interviewee, _FIELD_ALIASES[key], value)
                    elif key in attributes:
                        values[attributes[key]] = attributes[key].normalise(value)
                    elif key and key not in _FILE_COLUMNS and value:
                        attribute = Attribute.objects.create(
                            project=project,
                            name=raw_header(headers, key),
                            applies_to=AttributeTarget.INTERVIEWEE,
                            order=project.attributes.count(),
                        )
                        attributes[key] = attribute
                        values[attribute] = attribute.normalise(value)
                from interviews.services import interviewee_save

                interviewee_save(interviewee=interviewee, values=values)
        except ValidationError as exc:
            result.errors.append(f"CSV line {line} ({pseudonym}): {'; '.join(exc.messages)}")
            continue
        result.interviewees.append(interviewee)
        result.created += created
        result.matched += not created
        for column in _FILE_COLUMNS & row.keys():
            for file_name in re.split(r"[;|]", row[column]):
                if file_name.strip():
                    result.files[file_name.strip().lower()] = interviewee
    return result


def raw_header(headers: list[str], key: str) -> str:
    return next((h for h in headers if h.lower() == key), key)[:100]


# Batches -------------------------------------------------------------------------------


PASTED_SUFFIX = ".pasted"


def pasted_name(title: str) -> str:
    """The staged name of pasted text (its title, marked as pasted)."""
    return (title.strip() or "Pasted text")[:200] + PASTED_SUFFIX


def is_pasted(name: str) -> bool:
    return name.endswith(PASTED_SUFFIX)


def read_entry(name: str, data: bytes) -> Imported:
    """Read a staged or uploaded file (or pasted text) into an Imported."""
    if is_pasted(name):
        return read_pasted(data.decode("utf-8"), title=name.removesuffix(PASTED_SUFFIX))
    return read_file(name, data)


def zip_check(data: bytes, *, name: str) -> None:
    """Refuse at once an archive that is damaged, unsafe or over the declared limits
    (the limits are enforced again on the bytes actually unpacked, in the task)."""
    check_size(name, len(data))
    if not data.startswith(b"PK"):
        unpack_zip(data, name=name)  # raises the right message
    SafeZip(data, name=name)


def batch_title(names: list[str], project: Project) -> str:
    """“Import of BY-04.docx and 2 more into Study”."""
    first = names[0] if names else "nothing"
    more = f" and {len(names) - 1} more" if len(names) > 1 else ""
    return f"Import of {first}{more} into {project.name}"[:300]


def staging_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "import-staging"


@dataclass
class BatchOptions:
    language: str = ""  # "" detects each file's language
    kind: str = "interview"
    interviewer: str = ""
    csv_name: str = ""

    def as_json(self) -> dict:
        return self.__dict__.copy()


def batch_stage(
    *, files: Iterable[tuple[str, bytes]], options: BatchOptions, csv_data: bytes | None = None
) -> str:
    """Write uploaded files where the background task will find them; returns the key."""
    staging_prune()
    key = uuid.uuid4().hex
    folder = staging_root() / key
    folder.mkdir(parents=True)
    manifest = {"options": options.as_json(), "files": [], "csv": None}
    for index, (name, data) in enumerate(files):
        path = folder / f"{index:05d}.bin"
        path.write_bytes(data)
        manifest["files"].append({"name": name, "path": path.name})
    if csv_data is not None:
        (folder / "interviewees.csv").write_bytes(csv_data)
        manifest["csv"] = "interviewees.csv"
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return key


def staging_prune(max_age: float = 2 * 86400) -> None:
    """Remove staged uploads nobody reviewed or imported within `max_age` seconds."""
    root = staging_root()
    if not root.exists():
        return
    limit = time.time() - max_age
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)


def staged_single(key: str) -> tuple[str, bytes, BatchOptions]:
    """The one staged file of an import waiting for review: (name, bytes, options)."""
    if not re.fullmatch(r"[0-9a-f]{32}", key):
        raise FileNotFoundError(key)
    folder = staging_root() / key
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    item = manifest["files"][0]
    return item["name"], (folder / item["path"]).read_bytes(), BatchOptions(**manifest["options"])


def batch_discard(key: str) -> None:
    if re.fullmatch(r"[0-9a-f]{32}", key):
        shutil.rmtree(staging_root() / key, ignore_errors=True)


def linked_interviewees(
    name: str, project: Project, csv_files: dict[str, Interviewee]
) -> list[Interviewee]:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if base in csv_files:
        return [csv_files[base]]
    stem = base.rsplit(".", 1)[0]
    if stem in csv_files:
        return [csv_files[stem]]
    found = []
    for interviewee in project.interviewees.all():
        pattern = rf"(?<![\w-]){re.escape(interviewee.pseudonym.lower())}(?![\w-])"
        if re.search(pattern, base):
            found.append(interviewee)
    return found


def is_batch(files: list[tuple[str, bytes]]) -> bool:
    """Several files, or an archive, are imported in the background; one file is reviewed."""
    return len(files) > 1 or any(extension(name) == "zip" for name, _data in files)


def import_single_stage(*, project: Project, file: tuple[str, bytes], options: BatchOptions) -> str:
    """Read one file (or pasted text) and keep it for review; ImportRefused when it cannot
    be read or its text is already a source of the project."""
    imported = read_entry(*file)
    duplicate = project.sources.filter(checksum=text_checksum(imported.text)).first()
    if duplicate:
        raise DuplicateSource(
            f"This text is identical to the source “{duplicate.title}” already in this project."
        )
    key = batch_stage(files=[file], options=options)
    # The review page and the save take the text as read here: a file is read once.
    (staging_root() / key / "imported.json").write_text(
        json.dumps(
            {
                "text": imported.text,
                "format": imported.format,
                "title": imported.title,
                "metadata": imported.metadata,
                "turns": [dataclasses.astuple(turn) for turn in imported.turns],
            }
        ),
        encoding="utf-8",
    )
    return key


def staged_imported(key: str) -> Imported:
    """The text of the one staged file as `import_single_stage` read it."""
    data = json.loads((_staged_folder(key) / "imported.json").read_text(encoding="utf-8"))
    return Imported(
        text=data["text"],
        format=data["format"],
        title=data["title"],
        metadata=data["metadata"],
        turns=[Turn(*values) for values in data["turns"]],
    )


def import_batch_stage(
    *,
    files: list[tuple[str, bytes]],
    options: BatchOptions,
    csv_data: bytes | None = None,
    csv_name: str = "",
) -> str:
    """Check the archives at once and stage the files for the speaker review; returns the
    key. Nothing is imported until `import_batch_start`."""
    for name, data in files:
        if extension(name) == "zip":
            zip_check(data, name=name)
    options.csv_name = csv_name
    return batch_stage(files=files, options=options, csv_data=csv_data)


def _staged_folder(key: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", key):
        raise FileNotFoundError(key)
    return staging_root() / key


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def batch_entries(folder: Path, manifest: dict) -> list[tuple[str, bytes | None, str]]:
    """(name, bytes, error) of every file of a staged batch, archives expanded within the
    zip limits; an entry that cannot be taken has no bytes and an error."""
    entries: list[tuple[str, bytes | None, str]] = []
    for item in manifest["files"]:
        data = (folder / item["path"]).read_bytes()
        name = item["name"]
        if extension(name) != "zip":
            entries.append((name, data, ""))
            continue
        try:
            for entry_name, entry_data in unpack_zip(data, name=name):
                if extension(entry_name) == "zip":
                    error = f"“{entry_name}”: a zip inside a zip is not imported."
                    entries.append((entry_name, None, error))
                else:
                    entries.append((entry_name, entry_data, ""))
        except ImportRefused as exc:
            entries.append((name, None, str(exc)))
    return entries


def plain_name(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _file_message(name: str, message: str) -> str:
    return message if f"“{plain_name(name)}”" in message else f"“{name}”: {message}"


SCAN_FILES_PER_SPEAKER = 5


def batch_scan(*, project: Project, key: str) -> dict:
    """What a staged batch holds, read with the importers only (no language processing):
    each distinct speaker label with the files it appears in and an example line, the files
    that cannot be read, and the texts already in the project. Kept with the staged files,
    so that the page showing it can be reloaded and sent without reading them again."""
    folder = _staged_folder(key)
    cached = folder / "scan.json"
    if cached.exists():
        return json.loads(cached.read_text(encoding="utf-8"))
    manifest = _manifest(folder)
    known = set(project.sources.values_list("checksum", flat=True))
    speakers: dict[str, dict] = {}
    failed: list[str] = []
    duplicates: list[str] = []
    readable = 0
    entries = batch_entries(folder, manifest)
    for name, data, error in entries:
        if error:
            failed.append(error)
            continue
        try:
            imported = read_entry(name, data)
        except ImportRefused as exc:
            failed.append(_file_message(name, str(exc)))
            continue
        except Exception:  # a file that breaks a reader is listed, as it will fail alone
            logger.exception("Reading %s for the speaker review failed", name)
            failed.append(f"“{name}” could not be read (unexpected error).")
            continue
        checksum = text_checksum(imported.text)
        if checksum in known:
            duplicates.append(plain_name(name))
            continue
        known.add(checksum)
        readable += 1
        for turn in imported.turns:
            label = turn.speaker[:200]
            if not label:
                continue
            found = speakers.get(label)
            if found is None:
                line = imported.text[turn.start : turn.end].split("\n", 1)[0]
                found = speakers[label] = {
                    "label": label,
                    "files": [],
                    "more": 0,
                    "example": line[:160],
                }
            if plain_name(name) in found["files"]:
                continue
            if len(found["files"]) < SCAN_FILES_PER_SPEAKER:
                found["files"].append(plain_name(name))
            else:
                found["more"] += 1
    scan = {
        "entries": len(entries),
        "readable": readable,
        "speakers": list(speakers.values()),
        "failed": failed,
        "duplicates": duplicates,
        "csv": manifest.get("csv") is not None,
    }
    cached.write_text(json.dumps(scan), encoding="utf-8")
    return scan


def batch_speaker_guess(
    *, speakers: Iterable[str], project: Project, interviewer_name: str = ""
) -> dict[str, SpeakerTarget]:
    """The automatic guesses for a whole batch: as for one file, with the usual respondent
    labels going to each file's own interviewee (`LINKED`)."""
    guess = speaker_map_guess(speakers=speakers, project=project, interviewer_name=interviewer_name)
    for speaker, target in guess.items():
        if target is None and speaker.strip().lower() in RESPONDENT_LABELS:
            guess[speaker] = LINKED
    return guess


def staged_options(key: str) -> BatchOptions:
    return BatchOptions(**_manifest(_staged_folder(key))["options"])


def import_batch_start(
    *, project: Project, user, key: str, speaker_map: dict[str, SpeakerTarget]
) -> Job:
    """Queue a staged batch with the speaker mapping chosen for it; returns its job."""
    from interviews.tasks import import_batch

    folder = _staged_folder(key)
    manifest = _manifest(folder)
    for target in speaker_map.values():
        if isinstance(target, Interviewee) and target.project_id != project.pk:
            raise ValidationError("An interviewee of another project cannot speak here.")
    manifest["speakers"] = {
        label: target.pk if isinstance(target, Interviewee) else target
        for label, target in speaker_map.items()
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    job = Job.objects.create(
        project=project,
        user=user,
        kind="import",
        title=batch_title([item["name"] for item in manifest["files"]], project),
    )
    result = import_batch.enqueue(job.pk, key)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    return job


def batch_speaker_map(
    *,
    chosen: dict[str, object] | None,
    speakers: list[str],
    project: Project,
    linked: list[Interviewee],
    interviewer_name: str,
    interviewees: dict[int, Interviewee],
) -> dict[str, SpeakerTarget]:
    """The mapping of one file of a batch: what the user chose for the batch, resolved for
    this file (`LINKED` is the file's one linked interviewee); labels nobody chose for (or a
    batch started without a choice, as by the command) get the automatic guess."""
    guess = speaker_map_guess(
        speakers=speakers, project=project, interviewees=linked, interviewer_name=interviewer_name
    )
    if chosen is None:
        return guess
    result: dict[str, SpeakerTarget] = {}
    for speaker in speakers:
        if speaker[:200] not in chosen:
            result[speaker] = guess[speaker]
            continue
        value = chosen[speaker[:200]]
        if value == INTERVIEWER:
            result[speaker] = INTERVIEWER
        elif value == LINKED:
            result[speaker] = linked[0] if len(linked) == 1 else None
        elif isinstance(value, int):
            result[speaker] = interviewees.get(value)
        else:
            result[speaker] = None
    return result


def batch_import_run(
    *,
    job: Job,
    key: str,
    on_progress: Callable[[Job], None] | None = None,
    queue_language: bool = True,
) -> dict:
    """Import every staged file of a batch; each file succeeds or fails alone.

    Progress, errors and notices go to the job row (and to `on_progress`, for a terminal).
    Returns and records the result; language processing of the new sources is queued.
    """
    from interviews.tasks import process_language

    folder = staging_root() / key
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    options = BatchOptions(**manifest["options"])
    project = job.project
    user = job.user
    report = {"imported": 0, "duplicates": 0, "failed": 0, "sources": []}

    def tick(**kwargs) -> None:
        job.progress(**kwargs)
        if on_progress:
            on_progress(job)

    # Expand archives first so that the total is known.
    entries = batch_entries(folder, manifest)
    tick(done=0, total=len(entries), current="")

    csv_files: dict[str, Interviewee] = {}
    if manifest.get("csv"):
        tick(current=f"Interviewees from {options.csv_name or 'the CSV'}")
        try:
            result = interviewees_from_csv(
                project=project,
                data=(folder / manifest["csv"]).read_bytes(),
                name=options.csv_name,
            )
        except ImportRefused as exc:
            job.note(str(exc), "error")
        else:
            csv_files = result.files
            job.note(
                f"Interviewees from the CSV: {result.created} created, {result.matched} matched.",
                "info",
            )
            for error in result.errors:
                job.note(error, "error")

    chosen = manifest.get("speakers")
    interviewees = {i.pk: i for i in project.interviewees.all()}
    new_ids: list[int] = []
    for index, (name, data, error) in enumerate(entries):
        tick(done=index, current=name)
        if error:
            job.note(error, "error")
            report["failed"] += 1
            continue
        try:
            imported = read_entry(name, data)
            linked = linked_interviewees(name, project, csv_files)
            speaker_map = batch_speaker_map(
                chosen=chosen,
                speakers=imported.speakers,
                project=project,
                linked=linked,
                interviewer_name=options.interviewer,
                interviewees=interviewees,
            )
            source = source_import(
                project=project,
                imported=imported,
                user=user,
                language=options.language,
                kind=options.kind,
                interviewer=options.interviewer,
                interviewees=linked,
                speaker_map=speaker_map,
                original_name=plain_name(name),
                original_bytes=data,
            )
        except DuplicateSource as exc:
            job.note(str(exc), "warning")
            report["duplicates"] += 1
        except (ImportRefused, ValidationError) as exc:
            message = str(exc) if isinstance(exc, ImportRefused) else "; ".join(exc.messages)
            job.note(_file_message(name, message), "error")
            report["failed"] += 1
        except Exception:  # a file that breaks a reader must not stop the batch
            logger.exception("Import of %s failed", name)
            job.note(f"“{name}” could not be read (unexpected error); nothing was stored.")
            report["failed"] += 1
        else:
            new_ids.append(source.pk)
            report["imported"] += 1
            unmapped = [s for s, t in speaker_map.items() if t is None]
            report["sources"].append(source.pk)
            # Known at once, so that a job whose worker dies can have its sources removed.
            Job.objects.filter(pk=job.pk).update(result=report)
            note = f"“{name}” → “{source.title}” ({source.word_count:,} words, {source.language}"
            if imported.speakers:
                note += f", speakers: {', '.join(imported.speakers)}"
            if unmapped:
                note += f"; to map: {', '.join(unmapped)}"
            job.note(note + ").", "info")
    tick(done=len(entries), current="")
    batch_discard(key)
    if new_ids and queue_language:
        process_language.enqueue(new_ids)
    job.finish(failed=report["imported"] == 0 and report["failed"] > 0, result=report)
    if on_progress:
        on_progress(job)
    return report
