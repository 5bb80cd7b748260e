"""Who creates projects, which names imported accounts take, who edits a source."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from interviews.accounts import imported_username, looks_like_staff
from interviews.models import Project, Segment, SegmentKind, Source


@pytest.fixture
def plain_user(make_user):
    return make_user("nobody")


def _client(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("url_name", ["interviews:project_create", "exchange:project_import"])
def test_a_user_without_the_right_cannot_create_or_import_a_project(client, plain_user, url_name):
    response = _client(client, plain_user).get(reverse(url_name))
    assert response.status_code == 403
    response = client.post(reverse("interviews:project_create"), {"name": "Mine"})
    assert response.status_code == 403
    assert not Project.objects.filter(name="Mine").exists()
    assert "New project" not in client.get(reverse("interviews:project_list")).content.decode()


def test_staff_and_users_with_the_flag_create_projects(client, plain_user, make_user):
    staff = make_user("staffer", is_staff=True)
    response = _client(client, staff).post(reverse("interviews:project_create"), {"name": "Ours"})
    assert response.status_code == 302
    plain_user.user_permissions.add(Permission.objects.get(codename="add_project"))
    plain_user = get_user_model().objects.get(pk=plain_user.pk)
    response = _client(client, plain_user).post(
        reverse("interviews:project_create"), {"name": "Theirs"}
    )
    assert response.status_code == 302
    assert set(Project.objects.values_list("name", flat=True)) >= {"Ours", "Theirs"}


def test_everyone_creates_projects_when_the_site_says_so(client, plain_user, settings):
    settings.PARLEY_PROJECT_CREATORS = "everyone"
    response = _client(client, plain_user).post(reverse("interviews:project_create"), {"name": "X"})
    assert response.status_code == 302


def test_imported_accounts_never_take_staff_looking_names(make_user):
    make_user("olga", is_staff=True)
    make_user("artem")
    for name in ("admin", "Admin_2", "administrator", "root", "olga", "olga-2", "OLGA_3"):
        assert looks_like_staff(name), name
        assert imported_username(name) == f"imported-{name}"
    for name in ("artem", "artem-2", "Maria_Q", "adam"):
        assert not looks_like_staff(name), name
        assert imported_username(name) == name


@pytest.fixture
def imported_by_coder(client_for, project, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    client = client_for("coder")
    response = client.post(
        reverse("interviews:source_import", args=[project.pk]),
        {"files": [SimpleUploadedFile("t.txt", b"Interviewer: hi\n\nRespondent: hello")]},
    )
    client.post(response["Location"], {"title": "Mine", "language": "en", "kind": "interview"})
    return Source.objects.get(title="Mine")


def test_a_coder_edits_their_own_sources_only(client_for, project, imported_by_coder, source):
    coder = client_for("coder")
    assert (
        coder.get(
            reverse("interviews:source_edit", args=[project.pk, imported_by_coder.pk])
        ).status_code
        == 200
    )
    assert (
        coder.get(
            reverse("interviews:source_speakers", args=[project.pk, imported_by_coder.pk])
        ).status_code
        == 200
    )
    for name in ("interviews:source_edit", "interviews:source_speakers"):
        response = coder.post(reverse(name, args=[project.pk, source.pk]), {"title": "Taken"})
        assert response.status_code == 403
    source.refresh_from_db()
    assert source.title != "Taken"
    page = coder.get(reverse("interviews:source_detail", args=[project.pk, source.pk])).content
    assert b"Edit details" not in page


def test_leads_and_admins_map_the_speakers_of_any_source(client_for, project, imported_by_coder):
    for role in ("lead", "admin"):
        response = client_for(role).post(
            reverse("interviews:source_speakers", args=[project.pk, imported_by_coder.pk]),
            {"speaker_0": "interviewer"},
        )
        assert response.status_code == 302
    turn = Segment.objects.get(
        source=imported_by_coder, kind=SegmentKind.TURN, speaker="Interviewer"
    )
    assert turn.is_interviewer is True
