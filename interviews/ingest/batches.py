"""Batches: several files or a zip staged, scanned for speakers, then imported by a background
job with progress. The other steps of an import live beside this module (`interviews.ingest`).

Each file of a batch goes through phase one (`ingest.sources.source_import`: the text,
speaker turns, paragraphs and sentences in one transaction, so the source is codable when it
returns); phase two (`ingest.language.sources_language_process`, run by the
`process_language` task) follows in the background.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from interviews.importers import (
    Imported,
    ImportRefused,
    extension,
    unpack_zip,
)
from interviews.ingest.files import read_entry, zip_check
from interviews.ingest.people import interviewees_from_csv
from interviews.ingest.sources import DuplicateSource, source_import, text_checksum
from interviews.ingest.speakers import (
    INTERVIEWER,
    LINKED,
    RESPONDENT_LABELS,
    SpeakerTarget,
    speaker_map_guess,
)
from interviews.models import (
    Interviewee,
    Job,
    Project,
)
from interviews.turns import Turn

logger = logging.getLogger(__name__)


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


def staged_for(key: str, *, user: int, project: int) -> None:
    """Keep who may review a staged upload, and in which project: the member who uploaded it
    (`staged_by`). Beside the files, so that staging and reviewing write no session."""
    (_staged_folder(key) / "owner.json").write_text(
        json.dumps({"user": user, "project": project}), encoding="utf-8"
    )


def staged_by(key: str) -> tuple[int, int] | None:
    """(member, project) of an upload waiting for review; None when there is no such upload
    or it waits no more (imported, cancelled, or its batch started)."""
    try:
        owner = json.loads((_staged_folder(key) / "owner.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return owner.get("user"), owner.get("project")


def staged_done(key: str) -> None:
    """The upload waits for review no more; its files stay (a batch's task reads them)."""
    (_staged_folder(key) / "owner.json").unlink(missing_ok=True)


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
    return [i for i in project.interviewees.all() if names_pseudonym(base, i.pseudonym)]


# What may stand on either side of a pseudonym in a file name: `_`, `-`, space, `.` or an end.
_NAME_EDGE = r"[_\-\s.]"


def names_pseudonym(file_name: str, pseudonym: str) -> bool:
    """Whether a file name holds a pseudonym as a whole piece (`BY-07_film_producer.txt`,
    `long_interview_BY-05.txt`), never as part of a longer one (`BY-070`, `XBY-07`)."""
    if not pseudonym.strip():
        return False
    pattern = rf"(?:^|(?<={_NAME_EDGE})){re.escape(pseudonym.lower())}(?={_NAME_EDGE}|$)"
    return re.search(pattern, file_name.lower()) is not None


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
