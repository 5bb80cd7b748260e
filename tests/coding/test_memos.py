"""Memos: written by members who code, listed on one page with filters, exported."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from lxml import etree

from coding.models import Coding, Memo


@pytest.fixture
def memos(project, users, source, code, coding, interviewee):
    lead, coder = users["lead"], users["coder"]
    return {
        "project": Memo.objects.create(
            project=project, author=lead, title="Plan", text="Overall plan"
        ),
        "source": Memo.objects.create(
            project=project, author=coder, source=source, text="Long interview"
        ),
        "code": Memo.objects.create(
            project=project, author=lead, code=code, text="Financing notes"
        ),
        "interviewee": Memo.objects.create(
            project=project, author=coder, interviewee=interviewee, text="Was nervous"
        ),
        "coding": Memo.objects.create(
            project=project, author=coder, coding=coding, text="Key quote"
        ),
    }


def _listed(client, project, **params) -> list[str]:
    response = client.get(reverse("coding:memo_list", args=[project.pk]), params)
    body = response.content.decode()
    return sorted(
        t
        for t in ["Overall plan", "Long interview", "Financing notes", "Was nervous", "Key quote"]
        if t in body
    )


def test_one_page_lists_every_kind_of_memo(project, memos, client_for):
    assert _listed(client_for("viewer"), project) == [
        "Financing notes",
        "Key quote",
        "Long interview",
        "Overall plan",
        "Was nervous",
    ]


def test_filters_by_kind_code_source_author_and_text(
    project, memos, client_for, code, source, users
):
    client = client_for("viewer")
    assert _listed(client, project, kind="interviewee") == ["Was nervous"]
    assert _listed(client, project, code=code.pk) == ["Financing notes", "Key quote"]
    assert _listed(client, project, source=source.pk) == ["Key quote", "Long interview"]
    assert _listed(client, project, author=users["lead"].pk) == ["Financing notes", "Overall plan"]
    assert _listed(client, project, q="NERVOUS") == ["Was nervous"]


def test_interviewee_memos_show_the_pseudonym_only(project, memos, client_for):
    body = client_for("admin").get(reverse("coding:memo_list", args=[project.pk])).content.decode()
    assert "BY-01" in body and "Alesia Secretname" not in body


def test_export_csv_and_xlsx(project, memos, client_for):
    response = client_for("viewer").get(
        reverse("coding:memo_list", args=[project.pk]), {"export": "csv", "kind": "coding"}
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["kind"], r["text"], r["author"]) for r in rows] == [("coding", "Key quote", "coder")]
    assert rows[0]["about"] == "Weaknesses/Financing in Interview BY-01: “Money was always short”"
    response = client_for("viewer").get(
        reverse("coding:memo_list", args=[project.pk]), {"export": "xlsx"}
    )
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(response.content)).active.max_row == 6


def test_xlsx_export_keeps_memo_text_as_written(project, users, client_for):
    Memo.objects.create(
        project=project, author=users["lead"], title="=SUM(1,2)", text="-1 is not a formula"
    )
    response = client_for("viewer").get(
        reverse("coding:memo_list", args=[project.pk]), {"export": "xlsx"}
    )
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Memos"]
    rows = list(book["Memos"].iter_rows())
    assert [c.value for c in rows[0]] == [
        "kind",
        "about",
        "title",
        "text",
        "author",
        "created",
        "modified",
    ]
    assert [(c.value, c.data_type) for c in rows[1][2:5]] == [
        ("=SUM(1,2)", "s"),
        ("-1 is not a formula", "s"),
        ("lead", "s"),
    ]


def test_a_coder_writes_memos_on_each_kind_of_target(
    project, client_for, source, code, interviewee, coding, users
):
    client = client_for("coder")
    url = reverse("coding:memo_add", args=[project.pk])
    targets = [
        ("project", ""),
        ("source", source.pk),
        ("code", code.pk),
        ("interviewee", interviewee.pk),
        ("coding", coding.pk),
    ]
    for kind, pk in targets:
        response = client.post(url, {"target_kind": kind, "target_id": pk, "text": f"On {kind}"})
        assert response.status_code == 302
    memos = Memo.objects.filter(project=project, author=users["coder"])
    assert sorted(m.target_kind for m in memos) == [
        "code",
        "coding",
        "interviewee",
        "project",
        "source",
    ]
    assert memos.get(text="On coding").coding == coding


def test_viewers_cannot_write_memos(project, client_for):
    response = client_for("viewer").post(
        reverse("coding:memo_add", args=[project.pk]), {"text": "x"}
    )
    assert response.status_code == 403
    assert Memo.objects.count() == 0


def test_a_memo_on_another_projects_source_is_refused(project, client_for, other_project):
    foreign = other_project.sources.get()
    response = client_for("coder").post(
        reverse("coding:memo_add", args=[project.pk]),
        {"target_kind": "source", "target_id": foreign.pk, "text": "Sneaky"},
        follow=True,
    )
    assert "There is no such source in this project." in response.content.decode()
    assert Memo.objects.count() == 0


def test_an_empty_memo_is_refused(project, client_for):
    response = client_for("coder").post(
        reverse("coding:memo_add", args=[project.pk]), {"text": "  "}, follow=True
    )
    assert "Write the memo" in response.content.decode()
    assert Memo.objects.count() == 0


def test_only_the_author_edits_and_deletes(project, memos, client_for):
    memo = memos["code"]  # by the lead
    edit = reverse("coding:memo_edit", args=[project.pk, memo.pk])
    assert client_for("coder").post(edit, {"text": "Hijacked"}).status_code == 403
    assert client_for("lead").post(edit, {"text": "Updated", "title": "T"}).status_code == 302
    memo.refresh_from_db()
    assert (memo.text, memo.title) == ("Updated", "T")
    remove = reverse("coding:memo_remove", args=[project.pk, memo.pk])
    assert client_for("coder").post(remove).status_code == 403
    assert client_for("lead").post(remove).status_code == 302
    assert not Memo.objects.filter(pk=memo.pk).exists()


def test_blinded_coders_do_not_read_memos_on_others_codings(
    project, users, memos, source, code, client_for
):
    project.blinded_coding = True
    project.save()
    theirs = Coding.objects.create(source=source, code=code, coder=users["lead"], start=0, end=5)
    Memo.objects.create(project=project, author=users["lead"], coding=theirs, text="Lead reading")
    body = client_for("coder").get(reverse("coding:memo_list", args=[project.pk])).content.decode()
    assert "Key quote" in body and "Lead reading" not in body
    assert (
        "Lead reading"
        in client_for("lead").get(reverse("coding:memo_list", args=[project.pk])).content.decode()
    )


def test_outsiders_see_no_memos(project, memos, client_for):
    assert (
        client_for("outsider").get(reverse("coding:memo_list", args=[project.pk])).status_code
        == 404
    )


def test_the_memo_page_queries_do_not_grow_with_the_memos(
    project, users, memos, coding, client_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("lead")
    url = reverse("coding:memo_list", args=[project.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(10):
        Memo.objects.create(project=project, author=users["coder"], coding=coding, text=f"More {i}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize(
    "back", ["/\\evil.example/", "//evil.example/", "https://evil.example/", "/\t/evil.example/"]
)
def test_a_new_memo_never_sends_the_browser_to_another_site(project, client_for, back):
    response = client_for("coder").post(
        reverse("coding:memo_add", args=[project.pk]),
        {"target_kind": "project", "text": "A thought", "next": back},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("coding:memo_list", args=[project.pk])


def test_a_new_memo_goes_back_to_the_page_it_was_written_on(project, source, client_for):
    back = reverse("interviews:source_detail", args=[project.pk, source.pk]) + "?x=1"
    response = client_for("coder").post(
        reverse("coding:memo_add", args=[project.pk]),
        {"target_kind": "project", "text": "A thought", "next": back},
    )
    assert response["Location"] == back


def test_a_too_long_memo_title_is_named_as_the_problem(project, client_for):
    response = client_for("coder").post(
        reverse("coding:memo_add", args=[project.pk]),
        {"target_kind": "project", "title": "x" * 300, "text": "A real thought"},
        follow=True,
    )
    body = response.content.decode()
    assert "Title: Ensure this value has at most 200 characters (it has 300)." in body
    assert "Write the memo" not in body
    assert not Memo.objects.exists()


def test_a_memo_without_text_asks_for_it(project, client_for):
    response = client_for("coder").post(
        reverse("coding:memo_add", args=[project.pk]),
        {"target_kind": "project", "title": "Only a title", "text": "  "},
        follow=True,
    )
    assert "Write the memo&#x27;s text." in response.content.decode()
    assert not Memo.objects.exists()


def test_the_memo_page_names_each_target_with_its_kind(project, source, code, client_for):
    """Sources, codes and interviewees share one 'Which' list; a bare id there could mean a
    source or a code, so each option carries its kind."""
    page = client_for("coder").get(reverse("coding:memo_list", args=[project.pk])).content
    page = page.decode()
    assert f'<option value="source:{source.pk}">' in page
    assert f'<option value="code:{code.pk}">' in page


def test_a_memo_goes_to_the_object_chosen_under_which(project, source, code, client_for):
    client = client_for("coder")
    url = reverse("coding:memo_add", args=[project.pk])
    client.post(url, {"target_kind": "source", "target_id": f"source:{source.pk}", "text": "S"})
    assert Memo.objects.get(text="S").source == source
    response = client.post(
        url,
        {"target_kind": "code", "target_id": f"source:{source.pk}", "text": "Mixed"},
        follow=True,
    )
    assert "“Which” names a source, but “About” says a code" in response.content.decode()
    assert not Memo.objects.filter(text="Mixed").exists()


def test_memos_about_an_interviewee_who_withdrew_consent_stay_out_of_every_list(
    project, memos, interviewee, users, client_for
):
    from exchange.export import project_export

    interviewee.consent_status = "withdrawn"
    interviewee.save()
    # The memo about them, about the source they speak in, and on its coding are gone from
    # the page, its search, its files, the API and the .qdpx, for every role.
    for role in ("admin", "lead", "coder", "viewer"):
        assert _listed(client_for(role), project) == ["Financing notes", "Overall plan"], role
    client = client_for("viewer")
    assert _listed(client, project, q="nervous") == []
    assert _listed(client, project, kind="interviewee") == []
    page = reverse("coding:memo_list", args=[project.pk])
    exported = client.get(page, {"export": "csv"}).content.decode("utf-8-sig")
    assert [r["text"] for r in csv.DictReader(io.StringIO(exported))] == [
        "Financing notes",
        "Overall plan",
    ]
    listed = client.get(f"/api/v1/projects/{project.pk}/memos/").json()["items"]
    assert sorted(m["text"] for m in listed) == ["Financing notes", "Overall plan"]
    hidden = memos["interviewee"]
    edit = reverse("coding:memo_edit", args=[project.pk, hidden.pk])
    assert client_for("coder").get(edit).status_code == 404
    archive = io.BytesIO()
    project_export(project=project, stream=archive)
    with zipfile.ZipFile(archive) as qdpx:
        notes = etree.fromstring(qdpx.read("project.qde")).iter("{*}PlainTextContent")
        assert sorted(note.text for note in notes) == ["Financing notes", "Overall plan"]
    # Kept, not deleted: they come back when the admin changes the status again.
    assert Memo.objects.count() == 5
    interviewee.consent_status = "given"
    interviewee.save()
    assert len(_listed(client, project)) == 5


def test_no_memo_is_written_about_an_interviewee_who_withdrew_consent(
    project, interviewee, source, coding, client_for
):
    interviewee.consent_status = "withdrawn"
    interviewee.save()
    for kind, target in (("interviewee", interviewee), ("source", source), ("coding", coding)):
        response = client_for("admin").post(
            reverse("coding:memo_add", args=[project.pk]),
            {"target_kind": kind, "target_id": target.pk, "text": "About them"},
            follow=True,
        )
        assert "withdrew consent: no memo is written about their words" in (
            response.content.decode()
        ), kind
    assert Memo.objects.count() == 0
