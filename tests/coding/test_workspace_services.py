"""coding_update, coding_delete and the database-side quote check behind the workspace."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coding.models import Change, Code, Coding, coding_quotes, source_slice
from coding.services import coding_create, coding_delete, coding_update
from interviews.models import Source, SourceCodePoints


def test_source_slice_counts_code_points_in_the_database_too(source):
    start = source.text.index("观众很喜欢")
    deferred = Source.objects.defer("text").get(pk=source.pk)
    assert source_slice(deferred, start, start + 5) == ("观众很喜欢", len(source.text))
    assert "text" not in deferred.__dict__
    assert source_slice(source, start, start + 5) == ("观众很喜欢", len(source.text))


def test_source_slice_restores_missing_code_points_from_the_text(source):
    SourceCodePoints.objects.filter(source=source).delete()
    start = source.text.index("观众很喜欢")
    deferred = Source.objects.defer("text").get(pk=source.pk)
    assert source_slice(deferred, start, start + 5) == ("观众很喜欢", len(source.text))
    assert SourceCodePoints.objects.get(source=source).length == len(source.text)


def test_a_coding_created_on_a_source_without_its_text_loaded_is_still_checked(code, source, users):
    deferred = Source.objects.defer("text").get(pk=source.pk)
    start = source.text.index("Harbin")
    with pytest.raises(ValidationError, match="does not match"):
        coding_create(
            source=deferred,
            code=code,
            coder=users["coder"],
            start=start,
            end=start + 6,
            quote="Harbim",
        )
    with pytest.raises(ValidationError, match="beyond the source"):
        coding_create(
            source=deferred, code=code, coder=users["coder"], start=start, end=len(source.text) + 1
        )
    coding = coding_create(
        source=deferred, code=code, coder=users["coder"], start=start, end=start + 6, quote="Harbin"
    )
    assert Coding.objects.get().quote == "Harbin" == coding.quote


def test_update_to_an_existing_identical_coding_is_refused(coding, users):
    twin = coding_create(
        source=coding.source, code=coding.code, coder=users["coder"], start=0, end=11
    )
    with pytest.raises(ValidationError, match="already coded exactly so"):
        coding_update(coding=twin, user=users["coder"], start=coding.start, end=coding.end)
    twin.refresh_from_db()
    assert (twin.start, twin.end) == (0, 11)


def test_update_of_a_coding_deleted_meanwhile_says_so(coding, users):
    stale = Coding.objects.get(pk=coding.pk)
    coding_delete(coding=coding, user=users["coder"])
    with pytest.raises(ValidationError, match="deleted in the meantime"):
        coding_update(coding=stale, user=users["coder"], memo="late")
    assert not Coding.objects.exists()
    coding_delete(coding=stale, user=users["coder"])  # a second delete changes nothing
    assert Change.objects.filter(action="delete").count() == 1


def test_update_refuses_a_grouping_code_and_a_foreign_code(coding, users, other_project):
    group = Code.objects.create(project=coding.source.project, name="Group", is_codable=False)
    with pytest.raises(ValidationError, match="grouping code"):
        coding_update(coding=coding, user=users["coder"], code=group)
    with pytest.raises(ValidationError, match="another project"):
        coding_update(coding=coding, user=users["coder"], code=other_project.codes.get())
    coding.refresh_from_db()
    assert coding.code.name == "Financing"
    assert not Change.objects.filter(action="update").exists()


def test_an_update_that_changes_nothing_leaves_no_history(coding, users):
    coding_update(coding=coding, user=users["coder"], start=coding.start)
    assert not Change.objects.filter(action="update").exists()


def test_coding_quotes_are_cut_by_code_points_without_reading_the_texts(
    source, other_project, code, users
):
    text = source.text
    spans = [(text.index("观众很喜欢"), 5), (text.index("Harbin"), 6), (len(text) - 3, 3), (0, 1)]
    made = [
        coding_create(source=source, code=code, coder=users["coder"], start=s, end=s + n)
        for s, n in spans
    ]
    other = other_project.sources.get()
    foreign = Coding.objects.create(
        source=other, code=other_project.codes.get(), coder=users["coder"], start=0, end=4
    )
    expected = {
        **{c.pk: text[s : s + n] for c, (s, n) in zip(made, spans, strict=True)},
        foreign.pk: other.text[:4],
    }
    with CaptureQueriesContext(connection) as queries:
        assert coding_quotes(Coding.objects.all()) == expected
    assert expected[made[0].pk] == "观众很喜欢"
    assert not any('"interviews_source"."text"' in q["sql"] for q in queries.captured_queries)
    # A source stored around Source.save gets its code points first.
    SourceCodePoints.objects.filter(source=other).delete()
    assert coding_quotes(Coding.objects.filter(source=other)) == {foreign.pk: other.text[:4]}
    assert SourceCodePoints.objects.filter(source=other).exists()
