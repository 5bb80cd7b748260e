"""The coding page's calls to the API (/api/v1/): a source's codings listed, created, updated,
deleted and polled; permissions, CSRF, the cost of a write."""

from __future__ import annotations

import json
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding import workspace_data
from coding.models import Change, Code, Coding, Memo
from coding.services import coding_create
from interviews import access
from interviews.services import source_create


def list_url(source) -> str:
    return reverse("api:source_codings", args=[source.project_id, source.pk])


def detail_url(coding) -> str:
    return reverse("api:coding", args=[coding.source.project_id, coding.pk])


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


def span(source, phrase):
    start = source.text.index(phrase)
    return {"start": start, "end": start + len(phrase), "quote": phrase}


# ---- list -----------------------------------------------------------------------------
def test_it_lists_codings_with_code_point_offsets_and_quotes(client_for, source, coding):
    response = client_for("viewer").get(list_url(source))
    assert response.status_code == 200
    (row,) = response.json()["codings"]
    assert row["id"] == coding.pk
    assert row["quote"] == "Money was always short"
    assert (row["start"], row["end"]) == (coding.start, coding.end)
    assert row["coder"] == "coder"
    assert row["editable"] is False  # a viewer changes nothing


def test_each_coding_is_listed_and_carried_by_the_page_in_exactly_this_json(
    client_for, source, code, users
):
    """The exact JSON of a coding in the list (and in the coding page, which carries the
    list): the keys in this order, the guid and the time changed as Python writes them
    (`str(uuid)`, `isoformat()`: no fraction when it is zero), the quote in the text's
    own characters."""
    import datetime
    import uuid

    from tests.coding.test_workspace import page_data, workspace_url

    text = source.text
    quote_start = text.index("Money was always short")
    first = Coding.objects.create(
        source=source,
        code=code,
        coder=users["coder"],
        start=quote_start,
        end=quote_start + 22,
        guid=uuid.UUID("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
    )
    Memo.objects.create(
        project=source.project, coding=first, author=users["coder"], text="Budget «впритык» 🎬"
    )
    second = Coding.objects.create(
        source=source,
        code=code,
        coder=users["lead"],
        start=0,
        end=11,
        guid=uuid.UUID("FFEEDDCC-BBAA-4998-8877-665544332211"),
        origin="suggested",
    )
    utc = datetime.UTC
    Coding.objects.filter(pk=first.pk).update(
        modified_at=datetime.datetime(2026, 3, 1, 9, 5, 7, 120, tzinfo=utc)
    )
    # A time with no fraction of a second, given in another zone: UTC, without ".000000".
    Coding.objects.filter(pk=second.pk).update(
        modified_at=datetime.datetime(
            2026, 11, 29, 23, 59, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=3))
        )
    )
    expected = [
        {
            "id": second.pk,
            "guid": "ffeeddcc-bbaa-4998-8877-665544332211",
            "code": code.pk,
            "coder": "lead",
            "start": 0,
            "end": 11,
            "origin": "suggested",
            "memo": "",
            "mine": False,
            "editable": False,
            "modified_at": "2026-11-29T20:59:59+00:00",
            "quote": text[0:11],
        },
        {
            "id": first.pk,
            "guid": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "code": code.pk,
            "coder": "coder",
            "start": quote_start,
            "end": quote_start + 22,
            "origin": first.origin,
            "memo": "Budget «впритык» 🎬",
            "mine": True,
            "editable": True,
            "modified_at": "2026-03-01T09:05:07.000120+00:00",
            "quote": "Money was always short",
        },
    ]
    client = client_for("coder")
    listed = client.get(list_url(source)).json()["codings"]
    assert listed == expected
    assert [list(row) for row in listed] == [list(row) for row in expected]
    carried = page_data(client.get(workspace_url(source)))["first"]["codings"]["codings"]
    assert carried == expected
    assert [list(row) for row in carried] == [list(row) for row in expected]
    # Each as the ORM reads it back.
    for row in listed:
        coding = Coding.objects.get(pk=row["id"])
        assert (row["guid"], row["modified_at"]) == (
            str(coding.guid),
            coding.modified_at.isoformat(),
        )


def test_it_hides_the_project_from_outsiders_and_asks_anonymous_users_to_log_in(
    client_for, source, coding
):
    assert client_for("outsider").get(list_url(source)).status_code == 404
    response = Client().get(list_url(source))
    assert response.status_code == 401
    assert response.json() == {"error": "Log in first."}


def test_it_does_not_serve_a_source_of_another_project(client_for, project, other_project):
    foreign = other_project.sources.get()
    url = reverse("api:source_codings", args=[project.pk, foreign.pk])
    assert client_for("coder").get(url).status_code == 404


# ---- create ---------------------------------------------------------------------------
def test_it_creates_a_coding_and_records_history(client_for, source, code, users):
    body = {"code": code.pk, "memo": "money again", **span(source, "Money was always short")}
    response = post(client_for("coder"), list_url(source), body)
    assert response.status_code == 201
    coding = Coding.objects.get()
    assert (coding.coder, coding.code, coding.quote) == (
        users["coder"],
        code,
        "Money was always short",
    )
    assert response.json()["id"] == coding.pk
    assert Memo.objects.get(coding=coding).text == "money again"
    change = Change.objects.get(object_guid=coding.guid)
    assert change.action == "create"
    assert change.after["start"] == coding.start


def test_the_history_names_the_whole_path_of_a_deeply_nested_code(client_for, source, project):
    parent = None
    for name in ("Strategy", "Belarus", "Film", "Funding"):
        parent = Code.objects.create(project=project, name=name, parent=parent)
    body = {"code": parent.pk, **span(source, "Money was always short")}
    assert post(client_for("coder"), list_url(source), body).status_code == 201
    change = Change.objects.get()
    assert change.after["code_path"] == "Strategy/Belarus/Film/Funding"
    assert change.after["code"] == str(parent.guid)


def test_it_checks_the_quote_at_the_end_of_a_long_multilingual_text(client_for, project, code):
    text = "Respondent: " + " ".join(f"Мінск 🎬 观众{i}" for i in range(30_000)) + " последний"
    source = source_create(project=project, title="Long", text=text)
    client = client_for("coder")
    wrong = {"code": code.pk, **span(source, "последний"), "quote": "последнии"}
    assert "does not match" in post(client, list_url(source), wrong).json()["error"]
    right = {"code": code.pk, **span(source, "🎬 观众29999 последний")}
    assert post(client, list_url(source), right).status_code == 201
    assert Coding.objects.get().quote == "🎬 观众29999 последний"
    assert Coding.objects.get().end == len(text)


def test_it_counts_offsets_in_code_points_after_emoji_and_cjk(client_for, source, code):
    body = {"code": code.pk, **span(source, "观众很喜欢")}
    assert post(client_for("coder"), list_url(source), body).status_code == 201
    coding = Coding.objects.get()
    assert coding.start == source.text.index("观众很喜欢")
    assert coding.quote == "观众很喜欢"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quote": "Money was always shorT"}, "does not match the source"),
        ({"end": 10_000}, "cannot end beyond the source"),
        ({"start": -3}, "at least one character"),
        ({"end": None}, "“end” is required"),
        ({"start": "12"}, "must be a whole number"),
        ({"code": 99999}, "no such code"),
        ({"quote": 5}, "must be text"),
        ({"end": 10**12}, "“end” is too large"),
    ],
)
def test_it_rejects_bad_input_with_a_message_and_stores_nothing(
    client_for, source, code, change, message
):
    body = {"code": code.pk, **span(source, "Money was always short"), **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = post(client_for("coder"), list_url(source), body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert Coding.objects.count() == 0
    assert Change.objects.count() == 0


def test_it_rejects_a_code_of_another_project_and_a_grouping_code(
    client_for, source, code, other_project
):
    foreign = other_project.codes.get()
    body = {"code": foreign.pk, **span(source, "Money")}
    assert post(client_for("coder"), list_url(source), body).status_code == 400
    group = Code.objects.create(project=source.project, name="Themes", is_codable=False)
    response = post(client_for("coder"), list_url(source), {**body, "code": group.pk})
    assert response.status_code == 400
    assert "grouping code" in response.json()["error"]
    assert Coding.objects.count() == 0


def test_it_rejects_malformed_json(client_for, source):
    response = client_for("coder").post(list_url(source), "{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "The request body is not valid JSON."


def test_the_same_coding_twice_is_refused_not_duplicated(client_for, source, code):
    body = {"code": code.pk, **span(source, "Money")}
    client = client_for("coder")
    assert post(client, list_url(source), body).status_code == 201
    response = post(client, list_url(source), body)
    assert response.status_code == 409  # a conflict with what is stored
    assert "already coded exactly this passage" in response.json()["error"]
    assert Coding.objects.count() == 1


def test_a_viewer_cannot_code(client_for, source, code):
    response = post(
        client_for("viewer"), list_url(source), {"code": code.pk, **span(source, "Money")}
    )
    assert response.status_code == 403
    assert Coding.objects.count() == 0


def test_session_clients_need_the_csrf_token(users, source, code):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["coder"])
    body = json.dumps({"code": code.pk, **span(source, "Money")})
    refused = client.post(list_url(source), body, content_type="application/json")
    assert refused.status_code == 403
    assert Coding.objects.count() == 0
    page = client.get(reverse("coding:workspace", args=[source.project_id, source.pk]))
    token = page.cookies["csrftoken"].value
    accepted = client.post(
        list_url(source), body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201
    assert Coding.objects.count() == 1


# ---- update and delete --------------------------------------------------------------------
def test_a_coder_moves_recodes_and_annotates_their_own_coding(client_for, coding, code):
    other = Code.objects.create(project=code.project, name="Trust")
    response = patch(
        client_for("coder"),
        detail_url(coding),
        {"code": other.pk, **span(coding.source, "Money was always short, but"), "memo": "hm"},
    )
    assert response.status_code == 200, response.content
    coding.refresh_from_db()
    assert coding.code == other
    assert coding.quote == "Money was always short, but"
    assert coding.memos.get().text == "hm"
    change = Change.objects.get(object_guid=coding.guid, action="update")
    assert change.before["code_path"] == "Weaknesses/Financing"
    assert change.after["code_path"] == "Trust"
    assert change.after["end"] == coding.end

    assert patch(client_for("coder"), detail_url(coding), {"memo": ""}).status_code == 200
    assert coding.memos.count() == 0


def test_no_memo_is_set_through_a_coding_of_an_interviewee_who_withdrew_consent(
    client_for, coding, interviewee
):
    interviewee.consent_status = "withdrawn"
    interviewee.save()
    before = (coding.code_id, coding.start, coding.end)
    refusal = (
        "An interviewee of this coding withdrew consent: no memo is written about their words "
        "until an admin changes that."
    )
    client = client_for("coder")
    moved = {"memo": "About them", **span(coding.source, "Money was always short, but")}
    for body in ({"memo": "About them"}, moved):
        response = patch(client, detail_url(coding), body)
        assert response.status_code == 400
        assert refusal in response.content.decode()
    created = post(
        client,
        list_url(coding.source),
        {"code": coding.code_id, "start": 0, "end": 11, "memo": "Hers"},
    )
    assert created.status_code == 400 and refusal in created.content.decode()
    coding.refresh_from_db()
    assert (coding.code_id, coding.start, coding.end) == before
    assert not Memo.objects.exists() and Coding.objects.count() == 1
    assert not Change.objects.filter(action="update").exists()
    # Undoing a move sends the memo as it stands: not a memo write, so not refused.
    same = patch(client, detail_url(coding), {"memo": "", **span(coding.source, "Money was")})
    assert same.status_code == 200, same.content
    assert not Memo.objects.exists()


def test_moving_a_coding_checks_the_quote_and_keeps_the_old_span_on_failure(client_for, coding):
    before = (coding.start, coding.end)
    response = patch(
        client_for("coder"),
        detail_url(coding),
        {"start": coding.start + 1, "end": coding.end, "quote": "Money was always short"},
    )
    assert response.status_code == 400
    coding.refresh_from_db()
    assert (coding.start, coding.end) == before
    assert not Change.objects.filter(action="update").exists()


def test_coders_change_only_their_own_codings_and_leads_change_all(client_for, coding, users):
    lead_coding = coding_create(
        source=coding.source, code=coding.code, coder=users["lead"], start=0, end=11
    )
    assert patch(client_for("coder"), detail_url(lead_coding), {"memo": "x"}).status_code == 403
    assert client_for("coder").delete(detail_url(lead_coding)).status_code == 403
    assert client_for("viewer").delete(detail_url(coding)).status_code == 403
    assert Coding.objects.count() == 2
    assert patch(client_for("lead"), detail_url(coding), {"memo": "checked"}).status_code == 200
    assert client_for("lead").delete(detail_url(coding)).status_code == 204
    assert list(Coding.objects.values_list("pk", flat=True)) == [lead_coding.pk]


def test_deleting_keeps_the_last_state_in_the_history(client_for, coding):
    guid = coding.guid
    assert client_for("coder").delete(detail_url(coding)).status_code == 204
    assert not Coding.objects.exists()
    change = Change.objects.get(object_guid=guid, action="delete")
    assert change.before["start"] == coding.start
    assert change.after is None
    assert client_for("coder").delete(detail_url(coding)).status_code == 404


# ---- blinded coding and polling --------------------------------------------------------------
def test_under_blinded_coding_a_coder_neither_lists_nor_fetches_others_codings(
    client_for, project, source, coding, users
):
    project.blinded_coding = True
    project.save()
    lead_coding = coding_create(
        source=source, code=coding.code, coder=users["lead"], start=0, end=11
    )
    rows = client_for("coder").get(list_url(source)).json()["codings"]
    assert [r["id"] for r in rows] == [coding.pk]
    assert client_for("coder").get(detail_url(lead_coding)).status_code == 404
    assert client_for("viewer").get(list_url(source)).json()["codings"] == []
    lead_rows = client_for("lead").get(list_url(source)).json()["codings"]
    assert {r["id"] for r in lead_rows} == {coding.pk, lead_coding.pk}


def test_polling_returns_new_changed_and_deleted_codings_since_a_cursor(
    client_for, source, code, users
):
    coder = client_for("coder")
    cursor = coder.get(list_url(source)).json()["cursor"]
    theirs = coding_create(source=source, code=code, coder=users["lead"], start=0, end=11)
    answer = coder.get(list_url(source), {"since": cursor}).json()
    assert [c["id"] for c in answer["codings"]] == [theirs.pk]
    assert answer["deleted"] == []
    assert answer["cursor"] > cursor
    guid = str(theirs.guid)
    assert client_for("lead").delete(detail_url(theirs)).status_code == 204
    later = coder.get(list_url(source), {"since": answer["cursor"]}).json()
    assert later["codings"] == []
    assert later["deleted"] == [guid]
    assert coder.get(list_url(source), {"since": later["cursor"]}).json()["codings"] == []
    assert coder.get(list_url(source), {"since": "x"}).status_code == 400
    assert coder.get(list_url(source), {"since": "9" * 40}).status_code == 400


def test_polling_under_blinded_coding_reveals_nothing_of_others(
    client_for, project, source, code, users
):
    project.blinded_coding = True
    project.save()
    coder = client_for("coder")
    cursor = coder.get(list_url(source)).json()["cursor"]
    theirs = coding_create(source=source, code=code, coder=users["lead"], start=0, end=11)
    client_for("lead").delete(detail_url(theirs))
    mine = coding_create(source=source, code=code, coder=users["coder"], start=13, end=16)
    answer = coder.get(list_url(source), {"since": cursor}).json()
    assert [c["id"] for c in answer["codings"]] == [mine.pk]
    assert answer["deleted"] == []


def test_a_poll_that_finds_nothing_reads_no_codings(client_for, source, code, users, monkeypatch):
    """The coding page polls every few seconds: with nothing new, the session, the project
    with the source (asked together, as the page asks them) and the changes after the
    cursor, and no codings."""
    coder = client_for("coder")
    for start in range(0, 30, 3):
        coding_create(source=source, code=code, coder=users["lead"], start=start, end=start + 2)
    cursor = coder.get(list_url(source)).json()["cursor"]
    together = []

    def recorded(using, queries):
        together.append([compiled for compiled, _values in queries])
        return original(using, queries)

    original = workspace_data.sent_together
    monkeypatch.setattr(workspace_data, "sent_together", recorded)
    with CaptureQueriesContext(connection) as queries:
        answer = coder.get(list_url(source), {"since": cursor}).json()
    assert together == [[access._PROJECT_WITH_ROLE, workspace_data._PAGE_SOURCE]]
    assert answer == {"codings": [], "deleted": [], "cursor": cursor}
    sent = [q["sql"] for q in queries.captured_queries]
    assert len(sent) == 4
    assert not [sql for sql in sent if 'FROM "coding_coding"' in sql]
    assert 'FROM "coding_change"' in sent[-1]


# ---- cost and concurrency -------------------------------------------------------------------
def test_a_write_costs_the_same_queries_on_a_short_and_a_long_text(client_for, project, code):
    client = client_for("coder")
    captured = []
    for words in (50, 20_000):
        text = "Respondent: " + " ".join(f"word{i}" for i in range(words))
        source = source_create(project=project, title=f"{words} words", text=text)
        body = {"code": code.pk, **span(source, "word3 word4")}
        with CaptureQueriesContext(connection) as queries:
            assert post(client, list_url(source), body).status_code == 201
        captured.append([q["sql"] for q in queries.captured_queries])
    assert len(captured[0]) == len(captured[1])
    for sql in captured[1]:
        # The text is never read: the quote is cut from its fixed-width code points.
        assert not re.search(r'"interviews_source"\."text"|\bs\."text"', sql)
    if connection.vendor == "sqlite":
        # SQLite's substr would read the whole blob: the query reads the code points' rowid
        # and the quote is read from the blob in place.
        assert not any("substr(" in sql for sql in captured[1])
        quote_read = r"\bcp\.rowid\b|\"interviews_sourcecodepoints\"\.rowid"
    else:
        quote_read = r'substr\((\w+\.|"interviews_sourcecodepoints"\.)?"utf32"'
    assert any(re.search(quote_read, sql) for sql in captured[1])


# A coding write reads the session with its member, and by one statement the project with the
# caller's role, the code with its parents and the source's guid, frozen flag, quote and length.
# On PostgreSQL one statement then writes the coding, the memo when there is one, the history
# row and the source's frozen flag (its first coding). On SQLite, in the test's transaction and
# with no savepoint, one statement a row: the coding, the memo, the history row and the
# source's frozen flag. A memo also costs the check that no interviewee of the source withdrew
# consent.
def write_queries(memo: str) -> int:
    if connection.vendor == "postgresql":
        return 2 + 1 + (1 if memo else 0)
    return 2 + 3 + (2 if memo else 0)


@pytest.mark.parametrize("memo", ["", "money again"])
def test_a_coding_write_costs_a_fixed_number_of_queries(
    client_for, source, code, memo, django_assert_num_queries
):
    client = client_for("coder")
    body = {"code": code.pk, "memo": memo, **span(source, "Money was always short")}
    with django_assert_num_queries(write_queries(memo)):
        response = post(client, list_url(source), body)
    assert response.status_code == 201
    coding = Coding.objects.get()
    assert response.json()["id"] == coding.pk
    assert response.json()["modified_at"] == coding.modified_at.isoformat()
    assert [m.text for m in Memo.objects.filter(coding=coding)] == ([memo] if memo else [])
    change = Change.objects.get(object_guid=coding.guid)
    assert (change.action, change.user.username, change.source_id) == ("create", "coder", source.pk)
    assert change.after["code_path"] == code.full_path
    assert change.after["source"] == str(source.guid)


def test_a_repeated_coding_inside_a_transaction_leaves_it_usable_and_writes_no_history(
    source, code, users
):
    with transaction.atomic():
        first = coding_create(source=source, code=code, coder=users["coder"], start=0, end=5)
        with pytest.raises(ValidationError, match="already coded exactly this passage"):
            coding_create(
                source=source, code=code, coder=users["coder"], start=0, end=5, memo="again"
            )
        assert Coding.objects.filter(source=source).count() == 1  # the transaction still works
    assert list(Coding.objects.values_list("pk", flat=True)) == [first.pk]
    assert Change.objects.filter(action="create").count() == 1
    assert Memo.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_coding_on_its_own_commits_without_waiting_for_the_disk_on_postgresql(
    project, users, settings
):
    """The coding page's write commits without waiting for PostgreSQL's write-ahead log to
    reach the disk, for its own transaction only; inside a caller's transaction, or with
    PARLEY_CODING_COMMIT_WAIT, it waits as every other commit does."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's commits (synchronous=NORMAL) never wait for the disk")
    source = source_create(project=project, title="Durable", text="one two three four five")
    code = Code.objects.create(project=project, name="Topic")
    no_wait = "set_config('synchronous_commit', 'off', true)"

    def written(start: int) -> tuple[str, str]:
        with CaptureQueriesContext(connection) as queries:
            coding_create(
                source=source, code=code, coder=users["coder"], start=start, end=start + 3
            )
        [statement] = [q["sql"] for q in queries.captured_queries if "new_coding" in q["sql"]]
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return statement, cursor.fetchone()[0]

    statement, after = written(0)
    assert no_wait in statement
    assert after == "on"  # the connection's later transactions wait again
    settings.PARLEY_CODING_COMMIT_WAIT = True
    statement, after = written(4)
    assert no_wait not in statement
    settings.PARLEY_CODING_COMMIT_WAIT = False
    with transaction.atomic():
        statement, inside = written(8)
        assert no_wait not in statement
        assert inside == "on"  # the caller's transaction still waits for the disk
    rows = Coding.objects.filter(source=source).order_by("start")
    assert list(rows.values_list("start", "end")) == [(0, 3), (4, 7), (8, 11)]
    assert Change.objects.filter(source=source, action="create").count() == 3


def test_a_missing_source_is_a_404_and_a_missing_code_a_400(
    client_for, source, code, other_project
):
    foreign = other_project.sources.get()
    url = reverse("api:source_codings", args=[source.project_id, foreign.pk])
    client = client_for("coder")
    for body in ({"code": code.pk}, {"code": 99999}, {}):
        response = post(client, url, {**body, "start": 0, "end": 3})
        assert response.status_code == 404, body
        assert response.json()["error"] == "No such source."
    response = post(client, list_url(source), {"code": 99999, "start": 0, "end": 3})
    assert response.status_code == 400
    assert Coding.objects.count() == Change.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_neither_lose_nor_duplicate_codings(project, users):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database serialises writers; runs on PostgreSQL")
    source = source_create(project=project, title="Shared", text="one two three four five six")
    code = Code.objects.create(project=project, name="Topic")
    barrier = threading.Barrier(8)
    errors: list[str] = []

    def work(index: int) -> None:
        client = Client()
        client.force_login(users["coder"] if index % 2 else users["lead"])
        barrier.wait()
        try:
            # Everyone codes "one" (one row per coder must result) and a word of their own.
            for phrase in ("one", ["two", "three", "four", "five"][index % 4]):
                post(client, list_url(source), {"code": code.pk, **span(source, phrase)})
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = sorted(
        Coding.objects.filter(source=source).values_list("coder__username", "start", "end")
    )
    assert len(rows) == len(set(rows))
    expected = {
        (name, s, e)
        for name, phrases in (("coder", ["one", "three", "five"]), ("lead", ["one", "two", "four"]))
        for s, e in [(source.text.index(p), source.text.index(p) + len(p)) for p in phrases]
    }
    assert set(rows) == expected
    assert Change.objects.filter(source=source, action="create").count() == len(rows)


def test_the_list_leaves_out_quotes_on_request_and_carries_memos(client_for, source, coding):
    patch(client_for("coder"), detail_url(coding), {"memo": "first thought"})
    (row,) = client_for("lead").get(list_url(source), {"quotes": "0"}).json()["codings"]
    assert "quote" not in row
    assert row["memo"] == "first thought"
    assert row["editable"] is True  # a lead may change it
    assert row["mine"] is False


def test_a_code_id_beyond_the_databases_integers_is_a_400(client_for, source, code):
    client = client_for("coder")
    for code_id in (2**31, 2**63, -(2**40), -(2**64), 0):
        response = post(client, list_url(source), {"code": code_id, "start": 0, "end": 3})
        assert response.status_code == 400, code_id
    assert Coding.objects.count() == Change.objects.count() == 0


def test_every_id_in_a_body_below_the_first_is_refused_with_a_message(
    client_for, source, code, coding
):
    """Ids start at 1; one below the database's integers used to fail SQLite's driver."""
    client = client_for("lead")
    project = source.project_id
    codebook = list(Code.objects.values_list("pk", "parent_id", "name").order_by("pk"))
    below = -(2**64)
    batch = reverse("api:codings", args=[project])
    cases = [
        (list_url(source), {"code": below, "start": 0, "end": 3}, "code"),
        (
            batch,
            {"codings": [{"code": below, "source": source.pk, "start": 0, "end": 3}]},
            "codings.0.code",
        ),
        (
            batch,
            {"codings": [{"code": code.pk, "source": below, "start": 0, "end": 3}]},
            "codings.0.source",
        ),
        (reverse("api:pins", args=[project]), {"code": below, "slot": 1}, "code"),
        (reverse("api:codes", args=[project]), {"name": "New", "parent": below}, "parent"),
        (reverse("api:code_merge", args=[project, code.pk]), {"into": below}, "into"),
    ]
    for url, body, field in cases:
        response = post(client, url, body)
        assert response.status_code == 400, body
        assert response.json()["fields"] == {field: [f"“{field}” is too small."]}
    for url, body, field in [
        (detail_url(coding), {"code": below}, "code"),
        (reverse("api:code", args=[project, code.pk]), {"parent": -1}, "parent"),
    ]:
        response = patch(client, url, body)
        assert response.status_code == 400, body
        assert response.json()["fields"] == {field: [f"“{field}” is too small."]}
    assert list(Coding.objects.values_list("pk", flat=True)) == [coding.pk]
    assert list(Code.objects.values_list("pk", "parent_id", "name").order_by("pk")) == codebook
