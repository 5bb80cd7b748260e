"""Invariants the database and the models hold: offsets, frozen text, guids, attributes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from coding.models import Code, Coding
from interviews.models import (
    Attribute,
    AttributeValue,
    Project,
    Segment,
    Source,
    SourceCodePoints,
    count_words,
)
from tests.migrations import migrate_to, migrate_to_the_end


def test_a_coding_must_have_start_before_end(source, code, users):
    with pytest.raises(IntegrityError), transaction.atomic():
        Coding.objects.create(source=source, code=code, coder=users["coder"], start=5, end=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Coding.objects.create(source=source, code=code, coder=users["coder"], start=9, end=3)
    assert Coding.objects.count() == 0


def test_a_coding_cannot_end_beyond_the_text(source, code, users):
    coding = Coding(
        source=source, code=code, coder=users["coder"], start=0, end=len(source.text) + 1
    )
    with pytest.raises(ValidationError, match="beyond"):
        coding.full_clean()
    coding.end = len(source.text)
    coding.full_clean()


def test_a_segment_must_have_start_before_end(source):
    with pytest.raises(IntegrityError), transaction.atomic():
        Segment.objects.create(source=source, kind="sentence", start=4, end=4)


def test_the_quote_is_the_text_between_the_offsets(coding):
    assert coding.quote == "Money was always short"


def test_offsets_count_code_points_not_utf16_units(source, code, users):
    # 🎬 is one code point but two UTF-16 units; offsets after it must still be exact.
    start = source.text.index("观众很喜欢")
    coding = Coding.objects.create(
        source=source, code=code, coder=users["coder"], start=start, end=start + 5
    )
    assert coding.quote == "观众很喜欢"
    assert source.text.index("🎬") < start


def test_text_is_frozen_once_a_source_has_codings(coding):
    source = Source.objects.get(pk=coding.source_id)
    source.text = source.text.replace("Minsk", "Brest")
    with pytest.raises(ValidationError, match="frozen"):
        source.full_clean()
    with pytest.raises(ValidationError, match="frozen"):
        source.save()
    assert "Minsk" in Source.objects.get(pk=source.pk).text


def test_text_can_change_before_any_coding(source):
    source.text = "Corrected text."
    source.save()
    source.refresh_from_db()
    assert source.text == "Corrected text."
    assert source.word_count == 2


def code_points(source) -> tuple[int, str]:
    row = SourceCodePoints.objects.get(source=source)
    return row.length, SourceCodePoints.decode(row.utf32)


def test_a_source_keeps_its_text_as_fixed_width_code_points(source):
    assert code_points(source) == (len(source.text), source.text)
    row = SourceCodePoints.objects.get(source=source)
    assert len(bytes(row.utf32)) == 4 * len(source.text)  # 🎬 and 观 are four bytes each
    start = source.text.index("观众很喜欢")
    assert bytes(row.utf32)[4 * start : 4 * (start + 5)].decode("utf-32-le") == "观众很喜欢"


def test_the_code_points_follow_the_text_until_it_is_frozen(source):
    source.text = "Corrected: Мінск 🎬 观众."
    source.save()
    assert code_points(source) == (22, "Corrected: Мінск 🎬 观众.")
    source.title = "Renamed only"
    source.save(update_fields=["title"])
    assert code_points(source) == (22, "Corrected: Мінск 🎬 观众.")


def test_sources_created_in_bulk_get_their_code_points_and_lose_them_with_the_source(project):
    created = Source.objects.bulk_create(
        [Source(project=project, title=f"Bulk {i}", text=f"Text {i} 🎬") for i in range(3)]
    )
    assert [code_points(s) for s in created] == [(8, f"Text {i} 🎬") for i in range(3)]
    created[0].delete()
    assert SourceCodePoints.objects.filter(source__project=project).count() == 2
    assert not SourceCodePoints.objects.filter(source_id=created[0].pk).exists()


def test_the_migration_gives_existing_sources_their_code_points(source, other_project):
    from importlib import import_module

    from django.apps import apps

    SourceCodePoints.objects.all().delete()
    import_module("interviews.migrations.0005_source_code_points").fill(apps, None)
    assert SourceCodePoints.objects.count() == Source.objects.count() == 2
    for each in Source.objects.all():
        assert code_points(each) == (len(each.text), each.text)


@pytest.mark.django_db(transaction=True)
def test_the_migration_indexes_only_the_segments_with_an_interviewee(source, interviewee):
    from django.db import connection

    migrate_to(connection, ("interviews", "0011_segment_source_index"))
    try:
        with connection.cursor() as cursor:
            before = connection.introspection.get_constraints(cursor, "interviews_segment")
        assert "interviews_segment_interviewee_id_8cb740be" in before
        assert "segment_interviewee" not in before
    finally:
        migrate_to_the_end(connection)
    with connection.cursor() as cursor:
        after = connection.introspection.get_constraints(cursor, "interviews_segment")
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_get_indexdef('segment_interviewee'::regclass), "
                "(SELECT attcompression FROM pg_attribute WHERE attname = 'text' "
                "AND attrelid = 'interviews_source'::regclass), "
                "(SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression')"
            )
            definition, compression, has_lz4 = cursor.fetchone()
            assert definition.endswith("(interviewee_id) WHERE (interviewee_id IS NOT NULL)")
            assert compression == ("l" if has_lz4 else "")
    assert "interviews_segment_interviewee_id_8cb740be" not in after
    assert after["segment_interviewee"]["columns"] == ["interviewee_id"]
    spoken = Segment.objects.filter(interviewee=interviewee)
    assert spoken.count() == source.segments.filter(interviewee__isnull=False).count() > 0
    interviewee.delete()
    assert not Segment.objects.filter(interviewee__isnull=False).exists()
    assert source.segments.count() > 0


def test_metadata_can_change_when_text_is_frozen(coding):
    source = Source.objects.get(pk=coding.source_id)
    source.title = "Renamed"
    source.save()
    assert Source.objects.get(pk=source.pk).title == "Renamed"


def test_guids_are_unique_and_stable(project, source, code, coding, interviewee):
    objects = [project, source, code, coding, interviewee, *project.attributes.all()]
    guids = [obj.guid for obj in objects]
    assert len(set(guids)) == len(guids)
    before = source.guid
    source.title = "Again"
    source.save()
    source.refresh_from_db()
    assert source.guid == before


def test_sibling_codes_cannot_share_a_name(project, code):
    with pytest.raises(IntegrityError), transaction.atomic():
        Code.objects.create(project=project, parent=code.parent, name="financing")
    with pytest.raises(IntegrityError), transaction.atomic():
        Code.objects.create(project=project, name="WEAKNESSES")
    # The same name under another parent is fine.
    other = Code.objects.create(project=project, name="Threats")
    Code.objects.create(project=project, parent=other, name="Financing")
    with pytest.raises(ValidationError, match="same parent"):
        Code(project=project, parent=code.parent, name="Financing").full_clean()


def test_a_code_cannot_move_under_its_descendant(project, code):
    parent = code.parent
    parent.parent = code
    with pytest.raises(ValidationError, match="under itself"):
        parent.full_clean()


def test_code_path(code):
    assert code.full_path == "Weaknesses/Financing"


def test_word_count_counts_cjk_characters_as_words():
    assert count_words("Money was short 🎬 — 观众很喜欢 и в Минске") == 3 + 5 + 3


@pytest.mark.parametrize(
    ("type_", "raw", "stored"),
    [
        ("number", "3,50", "3.5"),
        ("date", "2025-03-01", "2025-03-01"),
        ("boolean", "Yes", "true"),
        ("boolean", "no", "false"),
        ("text", "  Minsk ", "Minsk"),
    ],
)
def test_attribute_values_are_normalised(project, type_, raw, stored):
    attribute = Attribute(project=project, name="A", type=type_)
    assert attribute.normalise(raw) == stored


@pytest.mark.parametrize(
    ("type_", "raw"), [("number", "many"), ("date", "01/03/2025"), ("boolean", "perhaps")]
)
def test_bad_attribute_values_are_refused(project, type_, raw):
    with pytest.raises(ValidationError):
        Attribute(project=project, name="A", type=type_).normalise(raw)


def test_choice_attribute_accepts_only_its_choices(project):
    attribute = Attribute(project=project, name="Country", type="choice", choices="China\nBelarus")
    assert attribute.normalise("belarus") == "Belarus"
    with pytest.raises(ValidationError, match="not one of"):
        attribute.normalise("Poland")


def test_an_attribute_value_has_exactly_one_owner(project, interviewee, source):
    attribute = Attribute.objects.create(project=project, name="Case study", applies_to="source")
    with pytest.raises(IntegrityError), transaction.atomic():
        AttributeValue.objects.create(
            attribute=attribute, interviewee=interviewee, source=source, value="x"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AttributeValue.objects.create(attribute=attribute, value="x")


def test_every_user_has_a_profile_with_a_guid(make_user):
    first, second = make_user("one"), make_user("two")
    assert first.profile.guid != second.profile.guid
    assert first.profile.selection_snap == "word"


def test_an_admin_deletes_a_whole_project_with_its_codebook_and_codings(
    client, project, coding, other_project, make_user
):
    from django.db.models import RestrictedError
    from django.urls import reverse

    parent = Code.objects.get(project=project, parent=None)
    Code.objects.create(project=project, name="Grants", parent=coding.code)
    with pytest.raises(RestrictedError), transaction.atomic():
        coding.code.delete()  # alone, a code with codings and sub-codes stays
    with pytest.raises(RestrictedError), transaction.atomic():
        parent.delete()
    root = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(root)
    url = reverse("admin:interviews_project_delete", args=[project.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Project.objects.filter(pk=project.pk).exists()
    assert Code.objects.filter(project=project).count() == 0
    assert Coding.objects.filter(source__project=project).count() == 0
    assert Code.objects.filter(project=other_project).count() == 1
    assert Source.objects.filter(project=other_project).count() == 1
