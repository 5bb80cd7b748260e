"""Writes through the pages: the database state after each post."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interviews.models import Attribute, AttributeValue, Interviewee, Membership, Project, Role


def test_creating_a_project_makes_me_its_admin(client_for, outsider, settings):
    settings.PARLEY_PROJECT_CREATORS = "everyone"  # who may: tests/interviews/test_roles.py
    response = client_for("outsider").post(
        reverse("interviews:project_create"), {"name": "New study", "description": "x"}
    )
    project = Project.objects.get(name="New study")
    assert response.status_code == 302
    assert Membership.objects.get(project=project).user == outsider
    assert project.role_of(outsider) == Role.ADMIN


def test_admin_adds_a_member_by_username(client_for, project, outsider):
    response = client_for("admin").post(
        reverse("interviews:member_list", args=[project.pk]),
        {"username": "OUTSIDER", "role": "viewer"},
    )
    assert response.status_code == 302
    assert project.memberships.get(user=outsider).role == Role.VIEWER


def test_adding_an_unknown_user_says_so_and_adds_nothing(client_for, project):
    before = project.memberships.count()
    response = client_for("admin").post(
        reverse("interviews:member_list", args=[project.pk]),
        {"username": "nobody", "role": "coder"},
    )
    assert response.status_code == 200
    assert "There is no user called “nobody”." in response.content.decode()
    assert project.memberships.count() == before


def test_admin_changes_a_role(client_for, project, users):
    membership = project.memberships.get(user=users["coder"])
    client_for("admin").post(
        reverse("interviews:member_role", args=[project.pk, membership.pk]), {"role": "lead"}
    )
    membership.refresh_from_db()
    assert membership.role == Role.LEAD


def test_the_last_admin_cannot_be_demoted_or_removed(client_for, project, users):
    membership = project.memberships.get(user=users["admin"])
    client = client_for("admin")
    response = client.post(
        reverse("interviews:member_role", args=[project.pk, membership.pk]),
        {"role": "viewer"},
        follow=True,
    )
    assert "A project needs at least one admin." in response.content.decode()
    client.post(reverse("interviews:member_remove", args=[project.pk, membership.pk]))
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_a_coder_cannot_change_roles(client_for, project, users):
    membership = project.memberships.get(user=users["coder"])
    response = client_for("coder").post(
        reverse("interviews:member_role", args=[project.pk, membership.pk]), {"role": "admin"}
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.CODER


def test_admin_creates_an_interviewee_with_attributes(client_for, project):
    sector = Attribute.objects.create(
        project=project, name="Organisation type", type="choice", choices="State body\nNon-profit"
    )
    founded = Attribute.objects.create(project=project, name="Founded", type="number")
    response = client_for("admin").post(
        reverse("interviews:interviewee_create", args=[project.pk]),
        {
            "pseudonym": "CN-02",
            "real_name": "Wang Secret",
            "consent_status": "given",
            "country": "China",
            f"attr_{sector.pk}": "Non-profit",
            f"attr_{founded.pk}": "1998",
        },
    )
    assert response.status_code == 302
    person = Interviewee.objects.get(pseudonym="CN-02")
    assert person.real_name == "Wang Secret"
    assert dict(person.attribute_values.values_list("attribute__name", "value")) == {
        "Organisation type": "Non-profit",
        "Founded": "1998",
    }


def test_a_bad_attribute_value_stores_nothing(client_for, project):
    founded = Attribute.objects.create(project=project, name="Founded", type="number")
    response = client_for("admin").post(
        reverse("interviews:interviewee_create", args=[project.pk]),
        {"pseudonym": "CN-03", "consent_status": "pending", f"attr_{founded.pk}": "long ago"},
    )
    assert response.status_code == 200
    assert "“long ago” is not a number." in response.content.decode()
    assert not Interviewee.objects.filter(pseudonym="CN-03").exists()
    assert not AttributeValue.objects.exists()


def test_duplicate_pseudonym_is_refused(client_for, project, interviewee):
    response = client_for("admin").post(
        reverse("interviews:interviewee_create", args=[project.pk]),
        {"pseudonym": "by-01", "consent_status": "pending"},
    )
    assert response.status_code == 200
    assert "Another interviewee of this project is called by-01." in response.content.decode()
    assert Interviewee.objects.filter(project=project, pseudonym__iexact="BY-01").count() == 1


def test_lead_defines_a_choice_attribute(client_for, project):
    response = client_for("lead").post(
        reverse("interviews:attribute_create", args=[project.pk]),
        {
            "name": "Region",
            "type": "choice",
            "applies_to": "interviewee",
            "choices": "China\nBelarus",
            "order": 0,
        },
    )
    assert response.status_code == 302
    assert Attribute.objects.get(project=project, name="Region").choice_list == [
        "China",
        "Belarus",
    ]


def test_a_choice_attribute_without_choices_is_refused(client_for, project):
    response = client_for("lead").post(
        reverse("interviews:attribute_create", args=[project.pk]),
        {
            "name": "Region",
            "type": "choice",
            "applies_to": "interviewee",
            "choices": "",
            "order": 0,
        },
    )
    assert response.status_code == 200
    assert "needs at least one value" in response.content.decode()
    assert not Attribute.objects.filter(name="Region").exists()


def test_an_attribute_name_the_project_has_already_is_refused_with_a_message(client_for, project):
    Attribute.objects.create(project=project, name="Region")
    other = Project.objects.create(name="Another study")
    Attribute.objects.create(project=other, name="Sector group")
    url = reverse("interviews:attribute_create", args=[project.pk])
    fields = {"type": "text", "applies_to": "interviewee", "choices": "", "order": 0}
    for name in ("Region", "  region "):
        response = client_for("lead").post(url, {**fields, "name": name})
        assert response.status_code == 200
        assert "There is already an attribute called “Region”." in response.content.decode()
    assert list(project.attributes.values_list("name", flat=True)) == ["Region"]
    # Another project's names are no obstacle, and renaming one's own in case is allowed.
    assert client_for("lead").post(url, {**fields, "name": "Sector group"}).status_code == 302
    region = project.attributes.get(name="Region")
    edit = reverse("interviews:attribute_edit", args=[project.pk, region.pk])
    assert client_for("lead").post(edit, {**fields, "name": "REGION"}).status_code == 302
    assert sorted(project.attributes.values_list("name", flat=True)) == ["REGION", "Sector group"]
    # Renaming another attribute to a name that is taken is refused, and changes nothing.
    group = project.attributes.get(name="Sector group")
    edit = reverse("interviews:attribute_edit", args=[project.pk, group.pk])
    response = client_for("lead").post(edit, {**fields, "name": "Region"})
    assert "There is already an attribute called “REGION”." in response.content.decode()
    assert sorted(project.attributes.values_list("name", flat=True)) == ["REGION", "Sector group"]


def test_the_reading_page_holds_no_text_and_says_where_its_pieces_are(client_for, project, source):
    response = client_for("viewer").get(
        reverse("interviews:source_detail", args=[project.pk, source.pk])
    )
    page = response.content.decode()
    # The text comes in pieces through the API as the page scrolls (tests/browser).
    assert "观众很喜欢" not in page
    assert response.context["reading_data"] == {
        "length": len(source.text),
        "urls": {
            "pieces": reverse("api:source_pieces", args=[project.pk, source.pk]),
            "find": reverse("api:source_find", args=[project.pk, source.pk]),
        },
    }
    assert 'id="reading-data"' in page and "js/reading.js" in page
    assert ">BY-01<" in page  # the interviewee in the header


def test_an_empty_source_says_so(client_for, project):
    from interviews.models import Source

    empty = Source.objects.create(project=project, title="Empty", text="")  # as a fixture might
    page = (
        client_for("viewer")
        .get(reverse("interviews:source_detail", args=[project.pk, empty.pk]))
        .content.decode()
    )
    assert "This source has no text." in page
    assert "js/reading.js" not in page and "Find in this source" not in page


def test_viewers_open_the_source_with_its_codings_and_coders_code_it(client_for, project, source):
    url = reverse("interviews:source_detail", args=[project.pk, source.pk])
    workspace = reverse("coding:workspace", args=[project.pk, source.pk])
    viewer = client_for("viewer").get(url).content.decode()
    assert f'href="{workspace}">Open with codings</a>' in viewer
    assert "Code this source" not in viewer
    coder = client_for("coder").get(url).content.decode()
    assert f'href="{workspace}">Code this source</a>' in coder
    assert "Open with codings" not in coder


def test_the_title_is_escaped_and_the_text_not_on_the_page(client_for, project):
    from interviews.services import source_create

    source = source_create(
        project=project, title="<b>x</b>", text="<script>alert(1)</script> hello"
    )
    page = (
        client_for("viewer")
        .get(reverse("interviews:source_detail", args=[project.pk, source.pk]))
        .content.decode()
    )
    assert "<script>alert(1)</script>" not in page and "alert(1)" not in page
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_dashboard_counts(client_for, project, source, coding):
    response = client_for("viewer").get(reverse("interviews:project_detail", args=[project.pk]))
    stats = response.context["stats"]
    assert stats == {
        "sources": 1,
        "words": source.word_count,
        "interviewees": 1,
        "codes": 2,
        "codings": 1,
        "members": 4,
    }


def test_the_project_source_list_and_interviewee_pages_list_sources_without_their_texts(
    client_for, project, source, interviewee
):
    """They show a source's title, link and length; a long transcript's text is megabytes."""
    client = client_for("viewer")
    source_list = reverse("interviews:source_list", args=[project.pk])
    for url in (project.get_absolute_url(), source_list, interviewee.get_absolute_url()):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        assert page.status_code == 200
        assert f'<a href="{source.get_absolute_url()}">Interview BY-01</a>' in page.content.decode()
        texts = [
            q["sql"] for q in queries.captured_queries if '"interviews_source"."text"' in q["sql"]
        ]
        assert texts == [], url
    words = f"{source.word_count} words"
    assert words in client.get(project.get_absolute_url()).content.decode()
    listed = client.get(source_list).content.decode()
    assert f'<td class="text-end">{source.word_count}</td>' in listed


def test_blinded_coders_count_only_their_own_codings(client_for, project, source, coding, users):
    project.blinded_coding = True
    project.save()
    from coding.models import Coding

    Coding.objects.create(source=source, code=coding.code, coder=users["lead"], start=0, end=5)
    assert (
        client_for("coder")
        .get(reverse("interviews:project_detail", args=[project.pk]))
        .context["stats"]["codings"]
        == 1
    )
    assert (
        client_for("viewer")
        .get(reverse("interviews:project_detail", args=[project.pk]))
        .context["stats"]["codings"]
        == 0
    )
    assert (
        client_for("lead")
        .get(reverse("interviews:project_detail", args=[project.pk]))
        .context["stats"]["codings"]
        == 2
    )


def test_login_is_throttled_after_repeated_failures(client, project, settings):
    settings.AXES_FAILURE_LIMIT = 3
    # The third failure locks the address: it is answered 429 already.
    for status in (200, 200, 429):
        assert (
            client.post(reverse("login"), {"username": "coder", "password": "wrong"}).status_code
            == status
        )
    response = client.post(reverse("login"), {"username": "coder", "password": "pw-for-tests-123"})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_works(client, project):
    response = client.post(reverse("login"), {"username": "coder", "password": "pw-for-tests-123"})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == get_user_model().objects.get(username="coder").pk


def test_an_impossible_interviewee_id_on_a_source_is_a_message(client_for, project, source):
    response = client_for("admin").post(
        reverse("interviews:source_edit", args=[project.pk, source.pk]),
        {"title": "x", "kind": "interview", "language": "en", "interviewees": ["9" * 30]},
    )
    assert response.status_code == 200
    assert "is not one of the available choices" in response.content.decode()
    source.refresh_from_db()
    assert source.title == "Interview BY-01"


def test_every_page_names_the_icon_it_has(client):
    from django.contrib.staticfiles import finders

    page = client.get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/img/parley.svg" type="image/svg+xml">' in page
    assert Path(finders.find("img/parley.svg")).read_text().startswith("<svg")
