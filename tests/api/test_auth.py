"""API tokens: made on the profile page or by a command, shown once, stored hashed, scoped,
read-only or read-write, revocable, throttled; the session needs its CSRF token."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from api.models import ApiToken, token_hash
from coding.models import Code, Coding
from interviews.models import Project
from tests.api.conftest import ApiClient, v1


def test_a_user_makes_a_token_on_the_profile_page_and_sees_it_once(client_for, project):
    client = client_for("lead")
    response = client.post(
        reverse("api:profile"), {"name": "R scripts", "projects": [project.pk], "read_only": "on"}
    )
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw.startswith("parley_") and len(raw) > 40
    assert raw in response.content.decode()
    token = ApiToken.objects.get()
    assert (token.name, token.read_only, list(token.projects.all())) == (
        "R scripts",
        True,
        [project],
    )
    assert token.key_hash == token_hash(raw) and raw not in token.key_hash
    page = client.get(reverse("api:profile")).content.decode()
    assert "R scripts" in page and raw not in page  # shown only once
    assert token.hint in page


def test_a_token_reads_as_its_user_until_it_is_revoked(client_for, project, users):
    client = client_for("coder")
    raw = client.post(reverse("api:profile"), {"name": "pandas"}).context["new_token"]
    api = ApiClient(Client(), raw)
    assert api.get(v1(f"projects/{project.pk}/")).json()["role"] == "coder"
    token = ApiToken.objects.get()
    assert ApiToken.objects.get().last_used_at is not None
    client.post(reverse("api:token_revoke", args=[token.pk]))
    response = api.get(v1(f"projects/{project.pk}/"))
    assert response.status_code == 401
    assert response.json() == {"error": "This API token is not valid or has been revoked."}
    # Nobody revokes another user's token.
    other = client_for("lead").post(reverse("api:token_revoke", args=[token.pk]))
    assert other.status_code == 404


def test_the_command_prints_a_token_once(project, users):
    out = io.StringIO()
    call_command(
        "api_token",
        "lead",
        "--name",
        "pipeline",
        "--project",
        str(project.pk),
        "--read-only",
        stdout=out,
    )
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(key_hash=token_hash(raw))
    assert (token.user.username, token.read_only) == ("lead", True)
    assert list(token.projects.values_list("pk", flat=True)) == [project.pk]
    with pytest.raises(CommandError, match="already have a token called"):
        call_command("api_token", "lead", "--name", "pipeline", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no user called"):
        call_command("api_token", "nobody", "--name", "x", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no project 999"):
        call_command("api_token", "lead", "--name", "y", "--project", "999", stdout=io.StringIO())
    assert ApiToken.objects.count() == 1


def test_a_read_only_token_reads_but_changes_nothing(api_for, project, source, code):
    api = api_for("lead", read_only=True)
    assert api.get(v1(f"projects/{project.pk}/codes/")).status_code == 200
    response = api.post(v1(f"projects/{project.pk}/codes/"), {"name": "New"})
    assert response.status_code == 403
    assert response.json()["error"] == "This API token is read-only."
    body = {"code": code.pk, "start": 0, "end": 11}
    assert (
        api.post(v1(f"projects/{project.pk}/sources/{source.pk}/codings/"), body).status_code == 403
    )
    assert Code.objects.filter(name="New").count() == Coding.objects.count() == 0


def test_a_token_scoped_to_one_project_does_not_see_another(api_for, project, other_project, users):
    from interviews.models import Membership

    Membership.objects.create(project=other_project, user=users["lead"], role="lead")
    scoped = api_for("lead", projects=[project])
    assert [p["id"] for p in scoped.get(v1("projects/")).json()["items"]] == [project.pk]
    assert scoped.get(v1(f"projects/{other_project.pk}/codes/")).status_code == 404
    assert scoped.post(v1("projects/"), {"name": "X"}).status_code == 403
    everywhere = api_for("lead", name="all")
    assert everywhere.get(v1(f"projects/{other_project.pk}/codes/")).status_code == 200


def test_bad_credentials_get_401_and_roles_404_or_403(api_for, project, code):
    assert Client().get(v1(f"projects/{project.pk}/")).status_code == 401
    for header in ("Bearer nonsense", "Token abc", "Bearer "):
        response = Client().get(v1(f"projects/{project.pk}/"), headers={"Authorization": header})
        assert response.status_code == 401, header
    assert api_for("outsider").get(v1(f"projects/{project.pk}/codes/")).status_code == 404
    viewer = api_for("viewer")
    response = viewer.post(v1(f"projects/{project.pk}/codes/"), {"name": "X"})
    assert response.status_code == 403
    assert response.json()["error"] == "Your role in this project (Viewer) does not allow this."
    # an outsider learns nothing from a bad body either
    assert api_for("outsider").post(v1(f"projects/{project.pk}/codes/"), {}).status_code == 404
    assert viewer.post(v1(f"projects/{project.pk}/codes/"), {}).status_code == 403


def test_tokens_are_throttled_and_the_session_is_not(api_for, client_for, project, settings):
    settings.PARLEY_API_TOKEN_RATE = "3/min"
    api = api_for("viewer")
    statuses = [api.get(v1(f"projects/{project.pk}/")).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    response = api.get(v1(f"projects/{project.pk}/"))
    assert response.json()["error"].startswith("Too many requests")
    assert int(response["Retry-After"]) > 0
    other = api_for("viewer", name="second")  # each token has its own allowance
    assert other.get(v1(f"projects/{project.pk}/")).status_code == 200
    session = client_for("viewer")
    assert {session.get(v1(f"projects/{project.pk}/")).status_code for _ in range(5)} == {200}


def test_session_writes_need_the_csrf_token_and_token_writes_do_not(users, project, api_for):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["lead"])
    url = v1(f"projects/{project.pk}/codes/")
    body = json.dumps({"name": "Trust"})
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]
    client.get(reverse("api:profile"))
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        url, body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201
    assert api_for("lead").post(url, {"name": "Scale"}).status_code == 201
    assert sorted(Code.objects.values_list("name", flat=True)) == ["Scale", "Trust"]


def test_a_token_cannot_be_made_for_a_project_the_user_is_not_in(client_for, other_project):
    response = client_for("lead").post(
        reverse("api:profile"), {"name": "x", "projects": [other_project.pk]}
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    assert Project.objects.count() == 2
