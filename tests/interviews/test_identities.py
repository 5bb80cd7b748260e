"""Coders and viewers see interviewees by pseudonym only, on every page they can open."""

from __future__ import annotations

import pytest
from django.urls import reverse

SECRETS = ["Alesia Secretname", "alesia.secret@example.org"]


def _pages(project, interviewee, source) -> list[str]:
    return [
        reverse("interviews:project_list"),
        reverse("interviews:project_detail", args=[project.pk]),
        reverse("interviews:interviewee_list", args=[project.pk]),
        reverse("interviews:interviewee_detail", args=[project.pk, interviewee.pk]),
        reverse("interviews:source_list", args=[project.pk]),
        reverse("interviews:source_detail", args=[project.pk, source.pk]),
        reverse("interviews:source_edit", args=[project.pk, source.pk]),
        reverse("interviews:attribute_list", args=[project.pk]),
        reverse("coding:codebook", args=[project.pk]),
    ]


@pytest.mark.parametrize("role", ["lead", "coder", "viewer"])
def test_no_real_name_on_any_page(client_for, project, interviewee, source, role):
    client = client_for(role)
    for url in _pages(project, interviewee, source):
        response = client.get(url)
        if response.status_code != 200:
            continue
        page = response.content.decode()
        for secret in SECRETS:
            assert secret not in page, f"{secret} shown to {role} on {url}"
        assert "BY-01" in page or url.endswith(("/attributes/", "/codebook/")) or url == "/"


def test_admin_sees_the_identity(client_for, project, interviewee):
    page = (
        client_for("admin")
        .get(reverse("interviews:interviewee_detail", args=[project.pk, interviewee.pk]))
        .content.decode()
    )
    assert "Alesia Secretname" in page
    assert "alesia.secret@example.org" in page


def test_django_admin_hides_identity_fields_from_staff_who_are_not_project_admins(
    project, interviewee, users, client
):
    lead = users["lead"]
    lead.is_staff = True
    lead.save()
    from django.contrib.auth.models import Permission

    lead.user_permissions.add(*Permission.objects.filter(codename__endswith="interviewee"))
    client.force_login(lead)
    page = client.get(
        reverse("admin:interviews_interviewee_change", args=[interviewee.pk])
    ).content.decode()
    assert "BY-01" in page
    assert "Alesia Secretname" not in page
    assert "alesia.secret@example.org" not in page
