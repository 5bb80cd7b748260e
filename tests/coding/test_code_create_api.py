"""Creating a code from the coding page: roles, bad input, the codebook it answers."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from coding.models import Change, Code

pytestmark = pytest.mark.django_db


def _post(client, project, body):
    return client.post(
        reverse("api:codes_create", args=[project.pk]),
        data=json.dumps(body),
        content_type="application/json",
    )


def test_a_lead_creates_a_code_under_a_parent(client_for, project, code):
    # The coding page sends the parent's colour, so the new code takes it.
    client = client_for("lead")
    response = _post(
        client, project, {"name": "Trust", "parent": code.parent.pk, "colour": code.parent.colour}
    )
    assert response.status_code == 201
    made = Code.objects.get(project=project, name="Trust")
    assert made.parent == code.parent and made.colour == code.parent.colour
    assert response.json()["id"] == made.pk
    listed = client.get(reverse("api:codes", args=[project.pk])).json()
    assert [c["path"] for c in listed] == [
        "Weaknesses",
        "Weaknesses/Financing",
        "Weaknesses/Trust",
    ]
    assert Change.objects.filter(project=project, object_type="code", action="create").count() == 1


def test_a_code_at_the_top_level_takes_the_default_colour(client_for, project):
    response = _post(client_for("admin"), project, {"name": "Trust", "parent": None})
    assert response.status_code == 201
    assert Code.objects.get(name="Trust").parent is None


@pytest.mark.parametrize("role", ["coder", "viewer"])
def test_coders_and_viewers_may_not(client_for, project, role):
    assert _post(client_for(role), project, {"name": "Trust"}).status_code == 403
    assert not Code.objects.filter(name="Trust").exists()


def test_outsiders_get_not_found(client_for, project):
    assert _post(client_for("outsider"), project, {"name": "Trust"}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": ""}, "name", "“name” must not be empty."),
        ({"name": 7}, "name", "“name” must be text."),
        ({}, "name", "“name” is required."),
        ({"name": "Financing", "parent": "parent"}, "parent", "“parent” must be a whole number."),
        ({"name": "Trust", "parent": 999999}, "parent", "There is no such code in this project."),
        ({"name": "x" * 201}, "name", "“name” is too long (at most 200 characters)."),
        (
            {"name": "Trust", "colour": "red"},
            "colour",
            "“colour” must be a colour written # and six hex digits, like #1e88e5.",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    client_for, project, code, body, field, message
):
    before = Code.objects.count()
    response = _post(client_for("lead"), project, body)
    assert response.status_code == 400
    assert response.json() == {"error": message, "fields": {field: [message]}}
    assert Code.objects.count() == before


def test_a_sibling_of_the_same_name_is_refused(client_for, project, code):
    response = _post(client_for("lead"), project, {"name": "financing", "parent": code.parent.pk})
    assert response.status_code == 409
    assert response.json() == {
        "error": "There is already a code called “financing” under “Weaknesses”."
    }
    assert Code.objects.filter(name__iexact="financing").count() == 1


def test_a_code_of_another_project_cannot_be_the_parent(client_for, project, other_project):
    foreign = Code.objects.get(project=other_project)
    response = _post(client_for("lead"), project, {"name": "Trust", "parent": foreign.pk})
    assert response.status_code == 400
    assert not Code.objects.filter(name="Trust").exists()
