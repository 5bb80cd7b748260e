"""A lead reorganises the demo codebook (merge, move, delete, rename) without losing a coding."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from coding import codebook_services as svc
from coding.models import Code, Coding


def _all_spans() -> set[tuple]:
    return set(Coding.objects.values_list("source_id", "coder_id", "start", "end", "code_id"))


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())
    return get_user_model().objects.get(username="lina")


def test_reorganising_the_demo_codebook_loses_no_coding(demo):
    lina = demo
    untidy = Code.objects.get(name="Co-production", parent=None)
    target = Code.objects.get(name="Film co-production")
    stray = Code.objects.get(name="AI subtitles")
    digital = Code.objects.get(name="Digital and AI")
    total = Coding.objects.count()
    assert total > 0

    # Merge: codings of the untidy code move; a coding the target already has joins it.
    moving = set(
        Coding.objects.filter(code=untidy).values_list("source_id", "coder_id", "start", "end")
    )
    held = set(
        Coding.objects.filter(code=target).values_list("source_id", "coder_id", "start", "end")
    )
    report = svc.code_merge(code=untidy, into=target, user=lina)
    assert report.moved == len(moving - held) and report.collapsed == len(moving & held)
    assert Coding.objects.count() == total - len(moving & held)
    assert (
        set(Coding.objects.filter(code=target).values_list("source_id", "coder_id", "start", "end"))
        == moving | held
    )
    total = Coding.objects.count()

    # Move: the stray code goes under Digital and AI with every coding.
    before = _all_spans()
    svc.code_move(code=stray, parent=digital, user=lina)
    assert Code.objects.get(pk=stray.pk).full_path == f"{digital.full_path}/AI subtitles"
    assert _all_spans() == before

    # Rename.
    svc.code_update(code=stray, user=lina, name="Machine subtitles")
    assert _all_spans() == before

    # Delete a coded sub-code, moving its codings to its parent.
    leaf = (
        Code.objects.filter(project=stray.project, parent__isnull=False, parent__is_codable=True)
        .exclude(codings=None)
        .first()
    )
    parent = leaf.parent
    leaf_spans = set(
        Coding.objects.filter(code=leaf).values_list("source_id", "coder_id", "start", "end")
    )
    parent_spans = set(
        Coding.objects.filter(code=parent).values_list("source_id", "coder_id", "start", "end")
    )
    svc.code_delete(code=leaf, codings="parent", user=lina)
    assert Coding.objects.count() == total - len(leaf_spans & parent_spans)
    assert (
        set(Coding.objects.filter(code=parent).values_list("source_id", "coder_id", "start", "end"))
        == leaf_spans | parent_spans
    )
