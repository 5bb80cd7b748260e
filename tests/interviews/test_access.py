"""The role matrix: every page so far × every role → 200 / 403 / 404 as DESIGN.md says."""

from __future__ import annotations

import pytest
from django.urls import reverse

from interviews.models import Source

ALL = {"admin", "lead", "coder", "viewer"}

# (url name, needs, method, roles allowed)
PAGES = [
    ("interviews:project_detail", "project", "get", ALL),
    ("interviews:project_edit", "project", "get", {"admin"}),
    ("interviews:member_list", "project", "get", {"admin"}),
    ("interviews:attribute_list", "project", "get", ALL),
    ("interviews:attribute_create", "project", "get", {"admin", "lead"}),
    ("interviews:attribute_edit", "attribute", "get", {"admin", "lead"}),
    ("interviews:interviewee_list", "project", "get", ALL),
    ("interviews:interviewee_detail", "interviewee", "get", ALL),
    ("interviews:interviewee_create", "project", "get", {"admin"}),
    ("interviews:interviewee_edit", "interviewee", "get", {"admin"}),
    ("interviews:source_list", "project", "get", ALL),
    ("interviews:source_detail", "source", "get", ALL),
    # A coder edits the details of the sources they imported only (tests/interviews/test_roles.py).
    ("interviews:source_edit", "source", "get", {"admin", "lead"}),
    ("coding:codebook", "project", "get", ALL),
]


def _args(needs: str, project, interviewee, source):
    if needs == "project":
        return [project.pk]
    if needs == "interviewee":
        return [project.pk, interviewee.pk]
    if needs == "attribute":
        return [project.pk, project.attributes.first().pk]
    return [project.pk, source.pk]


@pytest.mark.parametrize("role", sorted(ALL | {"outsider"}))
@pytest.mark.parametrize(("name", "needs", "method", "allowed"), PAGES, ids=[p[0] for p in PAGES])
def test_role_matrix(client_for, project, interviewee, source, role, name, needs, method, allowed):
    url = reverse(name, args=_args(needs, project, interviewee, source))
    response = getattr(client_for(role), method)(url)
    if role == "outsider":
        assert response.status_code == 404
    elif role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("role", "status", "remaining"),
    [
        ("admin", 302, 0),
        ("lead", 403, 1),
        ("coder", 403, 1),
        ("viewer", 403, 1),
        ("outsider", 404, 1),
    ],
)
def test_only_admins_delete_sources(client_for, project, source, role, status, remaining):
    url = reverse("interviews:source_delete", args=[project.pk, source.pk])
    assert client_for(role).post(url).status_code == status
    assert Source.objects.filter(project=project).count() == remaining


def test_anonymous_visitors_are_sent_to_login(client, project):
    response = client.get(reverse("interviews:project_detail", args=[project.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_project_list_shows_only_my_projects(client_for, project, other_project):
    page = client_for("coder").get(reverse("interviews:project_list")).content.decode()
    assert "Study" in page
    assert "Someone else" not in page


def test_superuser_is_admin_everywhere(project, make_user, client):
    root = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.get(reverse("interviews:member_list", args=[project.pk])).status_code == 200


def test_every_model_is_registered_in_the_django_admin():
    from django.apps import apps
    from django.contrib import admin

    ours = [
        m
        for name in ("interviews", "coding", "reports", "exchange")
        for m in apps.get_app_config(name).get_models()
    ]
    missing = [m.__name__ for m in ours if not admin.site.is_registered(m)]
    assert missing == []
