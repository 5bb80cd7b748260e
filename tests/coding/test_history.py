"""History: changes to codes and codings, per code and per source, and restoring deletions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding import codebook_services as svc
from coding import restore
from coding.models import Change, Code, Coding
from coding.services import coding_create
from interviews.models import Source


@pytest.fixture
def worked(project, users, source, code):
    other = Source.objects.create(project=project, title="Other source", text="Another text here.")
    coding_create(source=source, code=code, coder=users["coder"], start=0, end=11)
    coding_create(source=other, code=code, coder=users["lead"], start=0, end=7)
    svc.code_update(code=code, user=users["lead"], name="Money")
    return {"other": other}


def test_the_history_of_a_code(project, code, worked, client_for):
    response = client_for("viewer").get(
        reverse("coding:history", args=[project.pk]), {"code": code.pk}
    )
    body = response.content.decode()
    assert "History of “Weaknesses/Money”" in body
    assert body.count("Created coding") == 2
    assert "Changed code" in body


def test_the_history_of_a_source(project, source, worked, client_for):
    response = client_for("viewer").get(
        reverse("coding:history", args=[project.pk]), {"source": source.pk}
    )
    body = response.content.decode()
    assert body.count("Created coding") == 1
    assert "[0–11)" in body and "[0–7)" not in body


def test_changes_record_who_and_what_before_and_after(code, worked, users):
    change = Change.objects.get(object_guid=code.guid, action="update")
    assert change.user == users["lead"]
    assert (change.before["name"], change.after["name"]) == ("Financing", "Money")


def test_blinded_coders_see_only_their_own_coding_history(project, source, worked, client_for):
    project.blinded_coding = True
    project.save()
    body = client_for("coder").get(reverse("coding:history", args=[project.pk])).content.decode()
    assert body.count("Created coding") == 1


def test_restoring_a_deleted_coding_from_the_history(
    project, source, code, worked, users, client_for
):
    coding = Coding.objects.get(source=source)
    from coding.services import change_record, coding_snapshot

    change_record(
        project=project,
        user=users["coder"],
        action="delete",
        obj=coding,
        before=coding_snapshot(coding),
        after=None,
    )
    coding.delete()
    change = Change.objects.get(action="delete")
    client = client_for("lead")
    response = client.post(
        reverse("coding:change_restore", args=[project.pk, change.pk]), follow=True
    )
    assert "Restored the coding of “Weaknesses/Money”" in response.content.decode()
    restored = Coding.objects.get(source=source)
    assert (restored.start, restored.end, restored.coder) == (0, 11, users["coder"])
    again = client.post(reverse("coding:change_restore", args=[project.pk, change.pk]), follow=True)
    assert "This change cannot be restored." in again.content.decode()
    assert Coding.objects.filter(source=source).count() == 1


def test_a_deleted_code_with_the_same_name_taken_is_not_restored(project, code, worked, users):
    parent = code.parent
    svc.code_delete(code=code, codings="delete", user=users["lead"])
    Code.objects.create(project=project, name="money", parent=parent)
    change = Change.objects.get(object_type="code", action="delete")
    with pytest.raises(Exception, match="rename it before restoring"):
        restore.code_restore(change=change, user=users["lead"])
    assert Coding.objects.count() == 0


def test_changes_of_another_project_cannot_be_restored(project, other_project, client_for, users):
    foreign_code = Code.objects.get(project=other_project)
    change = Change.objects.create(
        project=other_project,
        action="delete",
        object_type="code",
        object_guid=foreign_code.guid,
        before={"name": "X"},
    )
    response = client_for("lead").post(
        reverse("coding:change_restore", args=[project.pk, change.pk])
    )
    assert response.status_code == 404


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_history_page_costs_the_same_queries_for_many_deletions(
    project, source, code, users, client_for
):
    """Whether each deletion can still be restored is looked up once per page, not per row."""
    from coding.services import change_record, coding_snapshot

    lead = client_for("lead")
    url = reverse("coding:history", args=[project.pk])

    def delete_codings(count: int, offset: int) -> None:
        for i in range(count):
            coding = coding_create(
                source=source, code=code, coder=users["coder"], start=offset + i, end=offset + i + 1
            )
            change_record(
                project=project,
                user=users["coder"],
                action="delete",
                obj=coding,
                before=coding_snapshot(coding),
                after=None,
            )
            coding.delete()

    delete_codings(2, 0)
    few = _queries(lead, url)
    delete_codings(12, 20)
    many = _queries(lead, url)
    assert many == few
    assert lead.get(url).content.decode().count(">Restore</button>") == 14
