"""What a new coding reads before it writes (`coding_target`): access by the rule of
`project_access`, the code with its parents, the source with the quote at the span."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from coding.models import Code, Coding, source_slice
from coding.services import coding_create, coding_target
from interviews.deid.models import DeidSettings
from interviews.deid.services import coding_refused, source_deidentify
from interviews.models import Role


def target(user, project, source, code, span=(0, 10)):
    return coding_target(user, project.pk, source.pk, code.pk, span)


def test_a_member_gets_role_code_with_parents_and_source_with_quote_by_one_query(
    users, project, source, code
):
    start = source.text.index("Audiences")
    with CaptureQueriesContext(connection) as queries:
        access, found, got = target(users["coder"], project, source, code, (start, start + 9))
        assert got.parent.name == "Weaknesses" and got.parent.parent is None
        assert got.full_path == code.full_path
        assert access.role == Role.CODER and access.project == project
        assert found.project is access.project
        assert (found.pk, found.guid, found.frozen) == (source.pk, source.guid, False)
        assert source_slice(found, start, start + 9) == ("Audiences", len(source.text))
    assert len(queries.captured_queries) == 1


def test_the_quote_is_cut_by_code_points(users, project, source, code):
    start = source.text.index("观众")
    access, found, _ = target(users["coder"], project, source, code, (start, start + 5))
    with CaptureQueriesContext(connection) as queries:
        assert source_slice(found, start, start + 5)[0] == "观众很喜欢"
    assert queries.captured_queries == []


def test_outsiders_anonymous_users_and_unknown_projects_get_a_404(
    users, outsider, project, other_project, source, code
):
    for user in (outsider, AnonymousUser()):
        with pytest.raises(Http404):
            target(user, project, source, code)
    with pytest.raises(Http404):  # a code of the project, a project of someone else's
        coding_target(users["coder"], other_project.pk, source.pk, code.pk, (0, 3))
    with pytest.raises(Http404):
        coding_target(users["coder"], 999_999, source.pk, code.pk, (0, 3))
    foreign = other_project.codes.get()
    with pytest.raises(Http404):  # outsider with a code that is not in the project
        target(outsider, project, source, foreign)


def test_a_viewer_is_refused_whether_or_not_the_code_is_in_the_project(
    users, project, other_project, source, code
):
    for what in (code, other_project.codes.get()):
        with pytest.raises(PermissionDenied, match="Viewer"):
            target(users["viewer"], project, source, what)


def test_a_superuser_codes_as_an_admin(make_user, project, source, code):
    root = make_user("root", is_superuser=True, is_staff=True)
    access, found, got = target(root, project, source, code)
    assert (access.role, found.pk, got.pk) == (Role.ADMIN, source.pk, code.pk)


def test_a_source_or_code_not_in_the_project_comes_back_none(
    users, project, other_project, source, code
):
    foreign_source, foreign_code = other_project.sources.get(), other_project.codes.get()
    access, found, got = target(users["coder"], project, foreign_source, code)
    assert (access.role, found, got.pk) == (Role.CODER, None, code.pk)
    access, found, got = target(users["coder"], project, source, foreign_code)
    assert (access.role, found.pk, got) == (Role.CODER, source.pk, None)
    deep = Code.objects.create(project=project, name="Deeper", parent=code)
    _, _, got = target(users["lead"], project, source, deep)
    assert (got.parent.name, got.parent.parent.name) == ("Financing", "Weaknesses")


def test_a_code_or_source_outside_the_project_costs_the_same_one_query(
    users, project, other_project, source, code
):
    for found_source, found_code in ((other_project.sources.get(), code), (source, None)):
        found_code = found_code or other_project.codes.get()
        with CaptureQueriesContext(connection) as queries:
            target(users["coder"], project, found_source, found_code)
        assert len(queries.captured_queries) == 1


def test_whether_the_source_must_be_de_identified_first_is_read_with_the_rest(
    users, project, source, code
):
    def write():
        with CaptureQueriesContext(connection) as queries:
            _, found, got = target(users["coder"], project, source, code, (0, 5))
        assert len(queries.captured_queries) == 1
        assert found.__dict__["_deid_refused"] is coding_refused(source)
        return coding_create(source=found, code=got, coder=users["coder"], start=0, end=5)

    settings = DeidSettings.objects.create(project=project, required_before_coding=False)
    write().delete()
    settings.required_before_coding = True
    settings.save()
    with pytest.raises(ValidationError, match="requires de-identification before coding"):
        write()
    assert not Coding.objects.exists()
    source_deidentify(source=source, user=users["admin"])
    source.refresh_from_db()
    assert write().source_id == source.pk
    assert Coding.objects.count() == 1
