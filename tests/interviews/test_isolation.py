"""Nothing of one project is reachable from another."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Code


@pytest.mark.parametrize("role", ["admin", "lead", "coder", "viewer"])
def test_objects_of_another_project_are_404_through_my_project(
    client_for, project, other_project, role
):
    client = client_for(role)
    foreign_source = other_project.sources.get()
    foreign_person = other_project.interviewees.get()
    urls = [
        reverse("interviews:source_detail", args=[project.pk, foreign_source.pk]),
        reverse("interviews:source_edit", args=[project.pk, foreign_source.pk]),
        reverse("interviews:interviewee_detail", args=[project.pk, foreign_person.pk]),
        reverse("interviews:interviewee_edit", args=[project.pk, foreign_person.pk]),
        reverse("interviews:source_detail", args=[other_project.pk, foreign_source.pk]),
        reverse("coding:codebook", args=[other_project.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code in {403, 404}, url
    # Through its own project id an outsider sees nothing at all: 404, not 403.
    assert (
        client.get(reverse("interviews:project_detail", args=[other_project.pk])).status_code == 404
    )


def test_a_foreign_source_cannot_be_deleted_through_my_project(client_for, project, other_project):
    foreign = other_project.sources.get()
    url = reverse("interviews:source_delete", args=[project.pk, foreign.pk])
    assert client_for("admin").post(url).status_code == 404
    assert other_project.sources.count() == 1


def test_codebook_lists_only_this_projects_codes(client_for, project, other_project, code):
    page = client_for("viewer").get(reverse("coding:codebook", args=[project.pk])).content.decode()
    assert "Financing" in page
    assert "Private code" not in page
    assert Code.objects.filter(project=other_project).count() == 1
