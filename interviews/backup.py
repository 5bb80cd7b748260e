"""One archive of a whole Parley instance, written while the site runs, and its restore.

The archive (a .tar.gz) holds `manifest.json`, `data.json` — every row, dumped through
Django's serialisers (times to the microsecond, `interviews/exactjson.py`) inside one read
transaction, so that it is one consistent state of the
database whichever engine holds it — and `media/`, every uploaded original and recording.
A restore into an empty instance (migrated, no users or projects) loads the rows, puts the
files back and rebuilds what is derived from the rows (code points, the search index), so
an archive written on SQLite restores on PostgreSQL and the other way round.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from interviews.models import Project, Source, SourceCodePoints, sentences_counted

FORMAT = 1
# Rows that are derived, temporary or per process: rebuilt or not needed after a restore.
EXCLUDED = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "interviews.sourcecodepoints",
    "interviews.sourcepiece",  # laid out again when a page first asks for the text
    "django_tasks_database",
]
# Media folders of work in progress (staged uploads, exchange files waiting, recordings
# still arriving or left half-written by a failed upload).
TRANSIENT_MEDIA = {("import-staging",), ("exchange",), ("recordings", "incoming")}


class BackupError(Exception):
    """The archive cannot be written or restored; the message says why."""


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and not _transient(path.relative_to(root).parts)
    )


def _transient(parts: tuple[str, ...]) -> bool:
    return any(parts[: len(folder)] == folder for folder in TRANSIENT_MEDIA)


def _dump(out) -> None:
    """Every row, in one transaction: a snapshot of the database while writers go on."""
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        call_command(
            "dumpdata",
            exclude=EXCLUDED,
            natural_foreign=True,
            format="json-exact",
            stdout=out,
            verbosity=0,
        )


def backup_write(path: Path) -> dict:
    """Write the archive to `path` (atomically: a partial file never has the final name)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data.json"
        with open(data, "w", encoding="utf-8") as out:
            _dump(out)
        files = _media_files()
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": connection.vendor,
            "projects": Project.objects.count(),
            "sources": Source.objects.count(),
            "media_files": len(files),
        }
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            blob = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(blob)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(blob))
            archive.add(data, arcname="data.json")
            root = Path(settings.MEDIA_ROOT)
            for file in files:
                archive.add(file, arcname=f"media/{file.relative_to(root).as_posix()}")
        os.replace(partial, path)
    return manifest


def _is_empty() -> bool:
    return not get_user_model().objects.exists() and not Project.objects.exists()


def backup_restore(path: Path) -> dict:
    """Restore an archive into this instance, which must be migrated and empty."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"There is no file {path}.")
    if not _is_empty():
        raise BackupError(
            "This instance already has users or projects; restore into an empty one "
            "(a new database, migrated)."
        )
    try:
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{path} is not a Parley backup: {error}") from None
    with archive, tempfile.TemporaryDirectory() as folder:
        names = archive.getnames()
        if "manifest.json" not in names or "data.json" not in names:
            raise BackupError(f"{path} is not a Parley backup (no manifest or data).")
        manifest = json.load(archive.extractfile("manifest.json"))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{path} is a backup of format {manifest.get('format')}.")
        members = [m for m in archive.getmembers() if m.name.startswith("media/")]
        for member in members:
            if not member.isfile() or ".." in Path(member.name).parts:
                raise BackupError(f"{path} holds an unsafe entry “{member.name}”.")
        archive.extract("data.json", folder, filter="data")
        with transaction.atomic():
            with open(Path(folder) / "data.json", encoding="utf-8") as data:
                objects = serializers.deserialize("json", data, handle_forward_references=True)
                for obj in objects:
                    obj.save()
            SourceCodePoints.restore(list(Source.objects.values_list("pk", flat=True)))
            # Counted again: an archive written before sources kept the count has none.
            Source.objects.update(sentence_count=sentences_counted())
            _reset_sequences()
        media = Path(settings.MEDIA_ROOT)
        for member in members:
            target = media / Path(member.name).relative_to("media")
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
    return manifest


def _reset_sequences() -> None:
    """After rows were loaded with their ids, new rows must get ids past them (PostgreSQL)."""
    from django.apps import apps

    models = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
