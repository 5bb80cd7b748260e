"""Country, sector, organisation and role are attributes too: listed, never defined twice,
and an old duplicate merges into its field."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from interviews.models import Attribute, AttributeValue, Interviewee

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_attributes_page_lists_the_built_in_fields_without_delete(client_for, project):
    Interviewee.objects.create(project=project, pseudonym="BY-01", country="Belarus")
    Interviewee.objects.create(project=project, pseudonym="CN-01", country="China", sector="Film")
    Interviewee.objects.create(project=project, pseudonym="CN-02")
    page = client_for("lead").get(reverse("interviews:attribute_list", args=[project.pk]))
    html = page.content.decode()
    rows = re.findall(r'<tr data-builtin="(\w+)">(.*?)</tr>', html, re.S)
    assert [key for key, _ in rows] == ["country", "sector", "organisation", "role"]
    counts = [re.findall(r'<td class="text-end">(\d+)</td>', row)[0] for _, row in rows]
    assert counts == ["2", "1", "0", "0"]
    assert all("Delete" not in row and "Edit" not in row for _, row in rows)
    assert "Built into every interviewee; cannot be deleted." in html


@pytest.mark.parametrize(
    "name", ["Country", "  country ", "SECTOR", "Organisation", "Organization", "Role"]
)
def test_a_new_attribute_with_a_built_in_name_is_refused(client_for, project, name):
    response = client_for("lead").post(
        reverse("interviews:attribute_create", args=[project.pk]),
        {"name": name, "type": "text", "applies_to": "interviewee", "order": 0},
    )
    assert response.status_code == 200
    assert "is built into every interviewee: use the" in response.content.decode()
    assert not Attribute.objects.filter(project=project).exists()


def test_renaming_an_attribute_to_a_built_in_name_is_refused(client_for, project):
    attribute = Attribute.objects.create(project=project, name="Industry")
    response = client_for("lead").post(
        reverse("interviews:attribute_edit", args=[project.pk, attribute.pk]),
        {"name": "Sector", "type": "text", "applies_to": "interviewee", "order": 0},
    )
    assert "“Sector” is built into every interviewee" in response.content.decode()
    attribute.refresh_from_db()
    assert attribute.name == "Industry"


def test_other_names_are_accepted(client_for, project):
    response = client_for("lead").post(
        reverse("interviews:attribute_create", args=[project.pk]),
        {"name": "Country of study", "type": "text", "applies_to": "interviewee", "order": 0},
    )
    assert response.status_code == 302
    assert Attribute.objects.filter(project=project, name="Country of study").exists()


@pytest.fixture
def duplicate(project):
    """An old "Country" attribute beside the built-in field."""
    attribute = Attribute.objects.create(project=project, name="Country")
    for pseudonym, field, value in [
        ("BY-01", "", "Belarus"),  # copied
        ("BY-02", "Belarus", "belarus"),  # the same
        ("CN-01", "China", "PRC"),  # different: the field keeps China
        ("CN-02", "", ""),  # nothing to copy
    ]:
        person = Interviewee.objects.create(project=project, pseudonym=pseudonym, country=field)
        AttributeValue.objects.create(attribute=attribute, interviewee=person, value=value)
    return attribute


def test_an_existing_duplicate_is_offered_for_merging(client_for, project, duplicate):
    html = client_for("lead").get(reverse("interviews:attribute_list", args=[project.pk]))
    link = reverse("interviews:attribute_merge_into_field", args=[project.pk, duplicate.pk])
    assert f'href="{link}"' in html.content.decode()
    viewer = client_for("viewer").get(reverse("interviews:attribute_list", args=[project.pk]))
    assert link not in viewer.content.decode()
    assert "Duplicates the built-in Country field" in viewer.content.decode()


def test_merging_shows_what_happens_then_copies_into_empty_fields_only(
    client_for, project, duplicate
):
    client = client_for("lead")
    url = reverse("interviews:attribute_merge_into_field", args=[project.pk, duplicate.pk])
    plan = _text(client.get(url))
    assert "1 value copied into Country, where it is empty: BY-01 → “Belarus”." in plan
    assert "1 already the same in Country: BY-02." in plan
    assert (
        "1 different, where Country keeps its own value: CN-01 keeps “China” (the attribute says “PRC”)."
        in plan
    )
    assert Attribute.objects.filter(pk=duplicate.pk).exists()  # nothing yet
    response = client.post(url)
    assert response.status_code == 302
    assert not Attribute.objects.filter(pk=duplicate.pk).exists()
    assert not AttributeValue.objects.exists()
    countries = dict(Interviewee.objects.values_list("pseudonym", "country"))
    assert countries == {"BY-01": "Belarus", "BY-02": "Belarus", "CN-01": "China", "CN-02": ""}


def test_only_those_who_manage_attributes_may_merge(client_for, project, duplicate):
    url = reverse("interviews:attribute_merge_into_field", args=[project.pk, duplicate.pk])
    for role in ("coder", "viewer"):
        assert client_for(role).post(url).status_code == 403
    assert Attribute.objects.filter(pk=duplicate.pk).exists()


def test_an_attribute_that_duplicates_nothing_cannot_be_merged(client_for, project):
    other = Attribute.objects.create(project=project, name="Case study", applies_to="source")
    url = reverse("interviews:attribute_merge_into_field", args=[project.pk, other.pk])
    response = client_for("lead").post(url, follow=True)
    assert "is not an interviewee attribute that duplicates a built-in field" in (
        response.content.decode()
    )
    assert Attribute.objects.filter(pk=other.pk).exists()


def test_a_value_too_long_for_the_field_merges_nothing(client_for, project):
    attribute = Attribute.objects.create(project=project, name="Country")
    person = Interviewee.objects.create(project=project, pseudonym="BY-09")
    AttributeValue.objects.create(attribute=attribute, interviewee=person, value="x" * 150)
    url = reverse("interviews:attribute_merge_into_field", args=[project.pk, attribute.pk])
    response = client_for("lead").post(url, follow=True)
    assert "longer than the Country field holds (100 characters); nothing was merged" in (
        response.content.decode()
    )
    assert Attribute.objects.filter(pk=attribute.pk).exists()
    person.refresh_from_db()
    assert person.country == ""
