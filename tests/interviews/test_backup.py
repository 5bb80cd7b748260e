"""backup and restore: one archive, an identical instance, on either database."""

from __future__ import annotations

import datetime
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from coding.models import Code, Coding, Memo
from coding.search import search_run
from interviews.backup import EXCLUDED
from interviews.models import Source, SourceCodePoints

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _rows(records: list) -> dict:
    """Dumped records by (model, pk); a many-to-many field is a set, so its list is sorted."""
    rows = {}
    for record in records:
        model = apps.get_model(record["model"])
        fields = dict(record["fields"])
        for field in model._meta.many_to_many:
            if field.name in fields:
                fields[field.name] = sorted(fields[field.name], key=json.dumps)
        rows[(record["model"], str(record["pk"]))] = fields
    return rows


def _differences(first: list, second: list) -> list:
    one, two = _rows(first), _rows(second)
    return [
        (key, one.get(key), two.get(key))
        for key in sorted(one | two)
        if one.get(key) != two.get(key)
    ]


def _state() -> list:
    out = io.StringIO()
    call_command("dumpdata", exclude=EXCLUDED, natural_foreign=True, stdout=out, verbosity=0)
    return json.loads(out.getvalue())


@pytest.fixture
def study(project, source, code, users):
    source.original_file.save("BY-04.txt", ContentFile(b"original bytes \xd0\x96"), save=True)
    coding = Coding.objects.create(source=source, code=code, coder=users["coder"], start=0, end=11)
    Memo.objects.create(project=project, author=users["coder"], coding=coding, text="why")
    child = Code.objects.create(project=project, parent=code, name="Child", order=1)
    # A time less than a millisecond past the second: Django's own JSON would write ".000".
    Coding.objects.filter(pk=coding.pk).update(
        created_at=datetime.datetime(2026, 5, 4, 3, 2, 1, 412, tzinfo=datetime.UTC)
    )
    return source, child


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_instance_identically(study, tmp_path, settings):
    source, _child = study
    archive = tmp_path / "parley.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    before = _state()
    original = Path(source.original_file.path).read_bytes()

    call_command("flush", interactive=False, verbosity=0)
    Path(source.original_file.path).unlink()
    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)

    assert "Restored" in out.getvalue() and "1 sources, 1 files" in out.getvalue()
    assert _differences(_state(), before) == []
    restored = Source.objects.get(pk=source.pk)
    assert Coding.objects.get().created_at == datetime.datetime(
        2026, 5, 4, 3, 2, 1, 412, tzinfo=datetime.UTC
    )
    assert Path(restored.original_file.path).read_bytes() == original
    assert SourceCodePoints.objects.get(source=restored).length == len(restored.text)
    assert search_run(project=restored.project, query="festival").source_count == 1
    # New rows get new ids after the restored ones.
    assert Code.objects.create(project=restored.project, name="New").pk > max(
        c["pk"] for c in before if c["model"] == "coding.code"
    )


@pytest.mark.django_db(transaction=True)
def test_a_restore_counts_the_sentences_an_older_archive_lacks(study, tmp_path):
    source, _child = study
    sentences = source.segments.filter(kind="sentence").count()
    assert sentences > 0
    archive = tmp_path / "parley.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    # The archive as one written before sources kept the count: no such field in its rows.
    older = tmp_path / "older.tar.gz"
    with tarfile.open(archive, "r:gz") as given, tarfile.open(older, "w:gz") as written:
        for member in given.getmembers():
            content = given.extractfile(member).read() if member.isfile() else None
            if member.name == "data.json":
                records = json.loads(content)
                for record in records:
                    if record["model"] == "interviews.source":
                        del record["fields"]["sentence_count"]
                content = json.dumps(records).encode()
                member.size = len(content)
            written.addfile(member, io.BytesIO(content) if content is not None else None)
    call_command("flush", interactive=False, verbosity=0)
    call_command("restore", str(older), stdout=io.StringIO())
    assert Source.objects.get(pk=source.pk).sentence_count == sentences


@pytest.mark.django_db(transaction=True)
def test_a_restore_into_an_instance_with_data_is_refused(study, tmp_path):
    archive = tmp_path / "parley.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError, match="already has users or projects"):
        call_command("restore", str(archive), stdout=io.StringIO())


def test_a_file_that_is_not_a_backup_is_refused(db, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="is not a Parley backup"):
        call_command("restore", str(junk), stdout=io.StringIO())


def _manage(database_url: str, *args: str, media: Path) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "1",
        "MEDIA_ROOT": str(media),
        "PARLEY_DATA_DIR": str(media.parent),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.skipif(
    not os.environ.get("PARLEY_BACKUP_TEST_PG"),
    reason="PARLEY_BACKUP_TEST_PG names a scratch PostgreSQL database for this test",
)
def test_a_backup_moves_between_sqlite_and_postgresql(tmp_path):
    """The demo study: SQLite → archive → PostgreSQL → archive → SQLite, the same rows."""
    pg = os.environ["PARLEY_BACKUP_TEST_PG"]
    lite = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    back = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    _manage(lite, "migrate", media=tmp_path / "a" / "media")
    _manage(lite, "load_demo", media=tmp_path / "a" / "media")
    _manage(lite, "backup", str(tmp_path / "one.tar.gz"), media=tmp_path / "a" / "media")
    _manage(pg, "migrate", media=tmp_path / "b" / "media")
    _manage(pg, "flush", "--noinput", media=tmp_path / "b" / "media")
    _manage(pg, "restore", str(tmp_path / "one.tar.gz"), media=tmp_path / "b" / "media")
    _manage(pg, "backup", str(tmp_path / "two.tar.gz"), media=tmp_path / "b" / "media")
    _manage(back, "restore", str(tmp_path / "two.tar.gz"), media=tmp_path / "c" / "media")
    dump = ["dumpdata", *[f"--exclude={e}" for e in EXCLUDED], "--natural-foreign"]
    first = json.loads(_manage(lite, *dump, media=tmp_path / "a" / "media"))
    third = json.loads(_manage(back, *dump, media=tmp_path / "c" / "media"))
    assert _differences(first, third) == []
    assert len([r for r in first if r["model"] == "coding.coding"]) > 100


def test_a_backup_leaves_out_work_in_progress(db, tmp_path, settings):
    media = Path(settings.MEDIA_ROOT)
    kept = media / "recordings" / "kept.wav"
    for path in (
        kept,
        media / "recordings" / "incoming" / "tmp1234.part",
        media / "import-staging" / "batch" / "a.txt",
        media / "exchange" / "waiting.qdpx",
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"bytes")
    archive = tmp_path / "parley.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    with tarfile.open(archive) as opened:
        names = [m.name for m in opened.getmembers() if m.name.startswith("media/")]
    assert names == ["media/recordings/kept.wav"]
