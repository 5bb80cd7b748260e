"""`Source.frozen`: the coding side sets it with the first coding and clears it with the last,
on every path that writes or removes codings; sources never ask for their codings."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from coding import codebook_services, restore
from coding.models import Code, Coding
from coding.services import coding_create, coding_delete
from interviews.models import Source

from .test_api import detail_url, list_url, post, span


def frozen(source) -> bool:
    return Source.objects.values_list("frozen", flat=True).get(pk=source.pk)


def test_the_first_coding_through_the_api_freezes_the_source_and_deleting_the_last_thaws_it(
    client_for, source, code
):
    client = client_for("coder")
    assert not frozen(source)
    first = post(client, list_url(source), {"code": code.pk, **span(source, "Money")})
    second = post(client, list_url(source), {"code": code.pk, **span(source, "always short")})
    assert first.status_code == second.status_code == 201
    assert frozen(source)
    one = Coding.objects.get(pk=first.json()["id"])
    assert client.delete(detail_url(one)).status_code == 204
    assert frozen(source), "one coding is left"
    other = Coding.objects.get(pk=second.json()["id"])
    assert client.delete(detail_url(other)).status_code == 204
    assert not frozen(source)
    source.refresh_from_db()
    source.text = "Corrected before anyone codes it again."
    source.save()
    assert Source.objects.get(pk=source.pk).text == "Corrected before anyone codes it again."


def test_a_copy_loaded_before_the_first_coding_cannot_unfreeze_or_change_the_text(
    source, code, users
):
    stale = Source.objects.get(pk=source.pk)
    coding_create(source=source, code=code, coder=users["coder"], start=0, end=5)
    stale.title = "Renamed"
    stale.save()
    assert frozen(source)
    assert Source.objects.get(pk=source.pk).title == "Renamed"
    stale.text = stale.text.replace("Money", "Funds")
    with pytest.raises(ValidationError, match="frozen"):
        stale.save()
    assert "Money" in Source.objects.get(pk=source.pk).text


def test_service_deletes_and_bulk_writes_keep_the_flag_in_step(source, code, users):
    coding = coding_create(source=source, code=code, coder=users["coder"], start=0, end=5)
    coding_delete(coding=coding, user=users["coder"])
    assert not frozen(source)
    Coding.objects.bulk_create(
        [Coding(source=source, code=code, coder=users["coder"], start=0, end=5)]
    )
    assert frozen(source)
    Coding.objects.filter(source=source).delete()
    assert not frozen(source)


def test_deleting_a_code_with_its_codings_thaws_only_sources_left_without_codings(
    project, source, code, users
):
    from interviews.services import source_create

    other = source_create(project=project, title="Second", text="Respondent: more words here.")
    keep = Code.objects.create(project=project, name="Kept", colour="#00aa00")
    coding_create(source=source, code=code, coder=users["coder"], start=0, end=5)
    coding_create(source=other, code=code, coder=users["coder"], start=0, end=5)
    coding_create(source=other, code=keep, coder=users["coder"], start=0, end=5)
    codebook_services.code_delete(code=code, user=users["lead"], codings="delete")
    assert (frozen(source), frozen(other)) == (False, True)


def test_restoring_a_deleted_coding_freezes_its_source_again(client_for, source, code, users):
    coding = coding_create(source=source, code=code, coder=users["coder"], start=0, end=5)
    assert client_for("coder").delete(detail_url(coding)).status_code == 204
    assert not frozen(source)
    change = source.changes.filter(action="delete").get()
    restore.coding_restore(change=change, user=users["lead"])
    assert frozen(source)


def test_the_migration_freezes_sources_that_already_have_codings(source, coding, project):
    from interviews.services import source_create

    uncoded = source_create(project=project, title="Uncoded", text="Respondent: nothing yet.")
    Source.objects.update(frozen=False)
    migration = importlib.import_module("coding.migrations.0009_sources_frozen_from_codings")
    migration.freeze_coded_sources(apps, None)
    assert (frozen(source), frozen(uncoded)) == (True, False)
