"""export_qdpx, import_qdpx, export_qdc and import_qdc from the command line."""

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from coding.models import Code, Coding
from interviews.models import Membership, Project, Role


def test_export_and_import_a_project(rich_project, users, tmp_path):
    target = tmp_path / "study.qdpx"
    out = io.StringIO()
    call_command("export_qdpx", rich_project.pk, str(target), stdout=out)
    assert "5 codings" in out.getvalue()
    assert b"Alesia" not in zipfile.ZipFile(target).read("project.qde")
    call_command("import_qdpx", str(target), "--user", "lead", stdout=out)
    imported = Project.objects.exclude(pk=rich_project.pk).get()
    assert Membership.objects.get(project=imported, user=users["lead"]).role == Role.ADMIN
    assert Coding.objects.filter(source__project=imported).count() == 5
    assert "codings: 5" in out.getvalue()


def test_identities_only_with_the_flag(rich_project, tmp_path):
    target = tmp_path / "study.qdpx"
    call_command(
        "export_qdpx", rich_project.pk, str(target), "--include-identities", stdout=io.StringIO()
    )
    assert b"Alesia Secretname" in zipfile.ZipFile(target).read("project.qde")


def test_codebook_commands(rich_project, other_project, users, tmp_path):
    target = tmp_path / "codes.qdc"
    call_command("export_qdc", rich_project.pk, str(target), stdout=io.StringIO())
    call_command(
        "import_qdc", other_project.pk, str(target), "--user", "lead", stdout=io.StringIO()
    )
    assert Code.objects.filter(project=other_project).count() == 6


def test_bad_input_is_a_command_error_and_stores_nothing(project, users, tmp_path):
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"not a zip")
    before = Project.objects.count()
    with pytest.raises(CommandError, match="not a zip archive"):
        call_command("import_qdpx", str(bad), "--user", "admin")
    assert Project.objects.count() == before
    with pytest.raises(CommandError, match="no project with id"):
        call_command("export_qdpx", 9999, str(tmp_path / "x.qdpx"))
    with pytest.raises(CommandError, match="no user"):
        call_command("import_qdpx", str(bad), "--user", "nobody")
