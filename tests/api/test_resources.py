"""Resources of the API: what each answers, its filters and pages, and its bad-input cases."""

from __future__ import annotations

import datetime
import io
import zipfile

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coding.models import Change, Code, Coding, Memo, SavedQuery
from coding.services import coding_create
from interviews.models import Attribute, Job, Membership, Project, Source
from interviews.services import source_create
from tests.api.conftest import v1


def url(project, path: str = "") -> str:
    return v1(f"projects/{project.pk}/{path}")


# ---- projects and members -----------------------------------------------------------------
def test_a_user_creates_a_project_and_becomes_its_admin(api_for, users):
    api = api_for("viewer")
    response = api.post(v1("projects/"), {"name": "Pilot", "blinded_coding": True})
    assert response.status_code == 201
    created = Project.objects.get(name="Pilot")
    assert response.json()["id"] == created.pk and response.json()["role"] == "admin"
    assert created.blinded_coding is True
    assert Membership.objects.get(project=created).user == users["viewer"]
    bad = api.post(v1("projects/"), {"name": ""})
    assert bad.status_code == 400
    assert bad.json()["fields"]["name"] == ["“name” must not be empty."]
    assert Project.objects.filter(name="").count() == 0


def test_admins_manage_members_and_a_project_keeps_one_admin(api_for, project, users, make_user):
    make_user("newcomer")
    admin = api_for("admin")
    added = admin.post(url(project, "members/"), {"username": "newcomer", "role": "viewer"})
    assert added.status_code == 201
    again = admin.post(url(project, "members/"), {"username": "newcomer"})
    assert again.status_code == 400
    assert "already a member" in again.json()["fields"]["username"][0]
    unknown = admin.post(url(project, "members/"), {"username": "ghost"})
    assert unknown.json()["error"] == "There is no user called “ghost”."
    bad_role = admin.post(url(project, "members/"), {"username": "newcomer", "role": "boss"})
    assert bad_role.status_code == 400 and "role" in bad_role.json()["fields"]
    member_id = added.json()["id"]
    assert admin.patch(url(project, f"members/{member_id}/"), {"role": "coder"}).json()["role"] == (
        "coder"
    )
    own = Membership.objects.get(project=project, user=users["admin"])
    last = admin.patch(url(project, f"members/{own.pk}/"), {"role": "viewer"})
    assert last.status_code == 409
    assert admin.delete(url(project, f"members/{own.pk}/")).status_code == 409
    assert api_for("lead").delete(url(project, f"members/{member_id}/")).status_code == 403
    assert admin.delete(url(project, f"members/{member_id}/")).status_code == 204
    assert sorted(m.user.username for m in project.memberships.all()) == [
        "admin",
        "coder",
        "lead",
        "viewer",
    ]


# ---- attributes and interviewees ----------------------------------------------------------
def test_leads_define_attributes_with_the_pages_rules(api_for, project):
    lead = api_for("lead")
    made = lead.post(
        url(project, "attributes/"),
        {"name": "Region", "type": "choice", "choices": ["North", "South"]},
    )
    assert made.status_code == 201
    assert made.json()["choices"] == ["North", "South"]
    empty_choice = lead.post(url(project, "attributes/"), {"name": "Tier", "type": "choice"})
    assert empty_choice.status_code == 400
    assert empty_choice.json()["fields"]["choices"] == [
        "A choice attribute needs at least one value."
    ]
    twice = lead.post(url(project, "attributes/"), {"name": "Region"})
    assert twice.status_code == 409
    assert twice.json()["fields"] == {"name": ["There is already an attribute called “Region”."]}
    other_case = lead.post(url(project, "attributes/"), {"name": "region"})
    assert other_case.status_code == 409
    assert other_case.json()["error"] == "There is already an attribute called “Region”."
    assert Attribute.objects.filter(name="Region").count() == 1
    assert api_for("coder").post(url(project, "attributes/"), {"name": "X"}).status_code == 403
    region = Attribute.objects.get(name="Region")
    changed = lead.put(url(project, f"attributes/{region.pk}/"), {"name": "Area", "type": "text"})
    assert changed.json()["name"] == "Area"
    assert lead.delete(url(project, f"attributes/{region.pk}/")).status_code == 204
    assert not Attribute.objects.filter(pk=region.pk).exists()


def test_interviewees_show_pseudonyms_to_all_and_identities_to_admins(
    api_for, project, interviewee
):
    for role in ("lead", "coder", "viewer"):
        (row,) = api_for(role).get(url(project, "interviewees/")).json()["items"]
        assert row["pseudonym"] == "BY-01" and row["identity"] is None
        assert "Secretname" not in str(row)
        assert row["attributes"] == {"Organisation type": "Private company"}
    (row,) = api_for("admin").get(url(project, "interviewees/")).json()["items"]
    assert row["identity"]["real_name"] == "Alesia Secretname"
    one = api_for("coder").get(url(project, f"interviewees/{interviewee.pk}/"))
    assert one.json()["identity"] is None


# ---- sources ------------------------------------------------------------------------------
def test_a_source_has_its_text_and_segments_with_speakers(api_for, project, source):
    api = api_for("viewer")
    text = api.get(url(project, f"sources/{source.pk}/text/")).json()
    assert text["text"] == source.text and text["length"] == len(source.text)
    meta = api.get(url(project, f"sources/{source.pk}/")).json()
    assert meta["length"] == len(source.text) and meta["interviewees"] == [
        source.interviewees.get().pk
    ]
    turns = api.get(url(project, f"sources/{source.pk}/segments/"), {"kind": "turn"}).json()
    assert [t["speaker"] for t in turns] == ["Interviewer", "BY-01", "Interviewer", "BY-01"]
    assert source.text[turns[1]["start"] : turns[1]["end"]].startswith("Respondent: It started")
    assert (
        api.get(url(project, f"sources/{source.pk}/segments/"), {"kind": "word"}).status_code == 400
    )


def test_the_sources_list_gives_each_texts_length_in_code_points(api_for, project):
    """The length stored with the code points, or the text's own where none is stored; the
    texts are not selected."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from interviews.models import SourceCodePoints

    wide = source_create(project=project, title="Wide", text="A: Café 😀 and 𝄞 notes.")
    plain = source_create(project=project, title="Plain", text="B: Plain words.")
    SourceCodePoints.objects.filter(source=plain).delete()
    with CaptureQueriesContext(connection) as queries:
        rows = api_for("viewer").get(url(project, "sources/")).json()["items"]
    assert {row["title"]: row["length"] for row in rows} == {
        "Wide": len(wide.text),
        "Plain": len(plain.text),
    }
    assert len(wide.text) == 22  # code points, not UTF-16 units (24) nor bytes
    selects = [q["sql"] for q in queries.captured_queries if "interviews_source" in q["sql"]]
    assert not [sql for sql in selects if '"interviews_source"."text" AS' in sql]


def test_one_request_imports_many_files_as_one_job(api_for, project):
    files = [
        SimpleUploadedFile("BY-07.txt", b"Interviewer: Hello?\n\nRespondent: Our studio in Minsk."),
        SimpleUploadedFile("notes.md", b"# Policy\n\nThe strategy names film first."),
        SimpleUploadedFile("broken.pdf", b"not a pdf at all"),
    ]
    api = api_for("coder")
    response = api.client.post(
        url(project, "sources/"),
        {"files": files, "kind": "interview", "language": "en"},
        headers=api.headers,
    )
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["finished"] is True and job["total"] == 3 and job["done"] == 3
    assert sorted(Source.objects.filter(project=project).values_list("title", flat=True)) == [
        "BY-07",
        "notes",
    ]
    assert any("broken.pdf" in str(m) for m in job["messages"])
    followed = api.get(url(project, f"jobs/{job['guid']}/")).json()
    assert followed["status"] == Job.objects.get().status
    # pasted text through the same endpoint
    pasted = api.client.post(
        url(project, "sources/"),
        {"text": "Q: Why?\nA: Because.", "title": "Pasted"},
        headers=api.headers,
    )
    assert pasted.status_code == 202
    assert Source.objects.filter(title="Pasted").exists()


def test_a_bad_upload_stores_nothing_and_says_why(api_for, project):
    api = api_for("coder")
    nothing = api.client.post(url(project, "sources/"), {"kind": "interview"}, headers=api.headers)
    assert nothing.status_code == 400
    assert nothing.json()["error"] == "Choose one or more files, or paste a transcript."
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../escape.txt", "x")
    unsafe = SimpleUploadedFile("batch.zip", buffer.getvalue())
    response = api.client.post(url(project, "sources/"), {"files": [unsafe]}, headers=api.headers)
    assert response.status_code == 400
    assert "Nothing was imported" in response.json()["error"]
    assert (
        api_for("viewer")
        .client.post(url(project, "sources/"), {"text": "Q: x"}, headers=api_for("viewer").headers)
        .status_code
        == 403
    )
    assert Source.objects.count() == 0 and Job.objects.count() == 0


# ---- codes --------------------------------------------------------------------------------
def test_leads_create_rename_move_merge_and_delete_codes(api_for, project, coding, code, users):
    lead = api_for("lead")
    trust = lead.post(url(project, "codes/"), {"name": "Trust", "colour": "#00aa00"})
    assert trust.status_code == 201 and trust.json()["path"] == "Trust"
    clash = lead.post(url(project, "codes/"), {"name": "Trust"})
    assert clash.status_code == 409
    assert clash.json()["error"] == "There is already a code called “Trust” at the top level."
    bad = lead.post(url(project, "codes/"), {"name": "X", "colour": "red", "parent": 999999})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"colour"}
    assert lead.post(url(project, "codes/"), {"name": "X", "parent": 999999}).status_code == 400
    trust_id = trust.json()["id"]
    moved = lead.patch(
        url(project, f"codes/{trust_id}/"), {"parent": code.parent_id, "name": "Trust?"}
    )
    assert moved.json()["path"] == "Weaknesses/Trust?"
    top = lead.patch(url(project, f"codes/{trust_id}/"), {"parent": 0})
    assert top.json()["path"] == "Trust?" and top.json()["parent"] is None
    loop = lead.patch(url(project, f"codes/{code.parent_id}/"), {"parent": code.pk})
    assert loop.status_code == 400 and "under itself" in loop.json()["error"]
    ahead = lead.post(url(project, f"codes/{trust_id}/reorder/"), {"direction": "up"})
    assert [c["name"] for c in ahead.json() if c["depth"] == 0] == ["Trust?", "Weaknesses"]
    sideways = lead.post(url(project, f"codes/{trust_id}/reorder/"), {"direction": "left"})
    assert sideways.status_code == 400
    merged = lead.post(url(project, f"codes/{code.pk}/merge/"), {"into": trust_id})
    assert merged.status_code == 200
    assert merged.json()["moved"] == 1 and merged.json()["into"]["codings"] == 1
    assert Coding.objects.get().code_id == trust_id
    assert lead.delete(url(project, f"codes/{trust_id}/")).status_code == 400  # choose first
    deleted = lead.delete(url(project, f"codes/{trust_id}/"), "codings=delete")
    assert deleted.status_code == 200
    assert not Coding.objects.exists()
    assert Change.objects.filter(action="delete", object_type="coding").count() == 1
    assert api_for("coder").post(url(project, "codes/"), {"name": "Mine"}).status_code == 403


# ---- codings across the project --------------------------------------------------------------
@pytest.fixture
def many(project, source, code, users, interviewee):
    other_source = source_create(project=project, title="Policy", text="Film first. Then crafts.")
    trust = Code.objects.create(project=project, name="Trust")
    made = [
        coding_create(source=source, code=code, coder=users["coder"], start=0, end=11),
        coding_create(source=source, code=trust, coder=users["lead"], start=13, end=20),
        coding_create(source=other_source, code=code, coder=users["coder"], start=0, end=4),
        coding_create(source=other_source, code=trust, coder=users["coder"], start=12, end=22),
    ]
    return {"codings": made, "trust": trust, "policy": other_source}


def test_codings_are_listed_across_the_project_with_filters(api_for, project, many, code, source):
    api = api_for("viewer")

    def ids(params):
        return [r["id"] for r in api.get(url(project, "codings/"), params).json()["items"]]

    all_ids = [c.pk for c in many["codings"]]
    assert ids({}) == all_ids
    assert ids({"code": code.parent_id}) == [all_ids[0], all_ids[2]]  # with its sub-codes
    assert ids({"source": many["policy"].pk}) == all_ids[2:]
    assert ids({"coder": "lead"}) == [all_ids[1]]
    assert ids({"attribute": "country=belarus"}) == all_ids[:2]
    today = datetime.date.today().isoformat()
    assert ids({"date_from": today}) == all_ids
    assert ids({"date_to": "2000-01-01"}) == []
    row = api.get(url(project, "codings/"), {"coder": "lead"}).json()["items"][0]
    assert row["quote"] == source.text[13:20] and row["source"] == source.pk
    for bad in (
        {"code": 999999},
        {"attribute": "nokey"},
        {"attribute": "shoe=42"},
        {"date_from": "yesterday"},
        {"limit": 0},
        {"limit": 5000},
        {"cursor": "!!"},
    ):
        assert api.get(url(project, "codings/"), bad).status_code == 400, bad


def test_pages_follow_the_cursor_to_the_end(api_for, project, many):
    api = api_for("lead")
    seen, params = [], {"limit": 3}
    while True:
        body = api.get(url(project, "codings/"), params).json()
        seen += [r["id"] for r in body["items"]]
        if not body["next"]:
            break
        params = {"limit": 3, "cursor": body["next"]}
    assert seen == [c.pk for c in many["codings"]]


def test_blinded_coders_see_only_their_own_codings_everywhere(api_for, project, many, users):
    project.blinded_coding = True
    project.save()
    coder, viewer = api_for("coder"), api_for("viewer")
    mine = {c.pk for c in many["codings"] if c.coder == users["coder"]}
    assert {r["id"] for r in coder.get(url(project, "codings/")).json()["items"]} == mine
    assert viewer.get(url(project, "codings/")).json()["items"] == []
    theirs = many["codings"][1]
    assert coder.get(url(project, f"codings/{theirs.pk}/")).status_code == 404
    table = coder.get(url(project, "codings/table/")).json()["rows"]
    assert {r["coding_id"] for r in table} == mine
    assert {r["coder"] for r in table} == {"coder"}
    report = coder.get(url(project, "reports/frequencies/")).json()
    assert report["codings"] == len(mine)


def test_a_large_batch_brings_the_planners_statistics_up_to_date(api_for, project, source, code):
    """On PostgreSQL a batch of codings large beside the table is analyzed after it is
    stored (as an import's are), so later queries are not planned for the empty table; a
    small batch is not."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's planner keeps no statistics unless asked")

    def counted() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'coding_coding'")
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE coding_coding")
    assert counted() == Coding.objects.count() == 0
    api = api_for("coder")

    def batch(first: int, size: int) -> list[dict]:
        return [
            {"source": source.pk, "code": code.pk, "start": s, "end": s + 1}
            for s in range(first, first + size)
        ]

    assert api.post(url(project, "codings/"), {"codings": batch(0, 20)}).status_code == 201
    assert counted() == 0  # 20 rows: not worth an ANALYZE
    assert api.post(url(project, "codings/"), {"codings": batch(20, 60)}).status_code == 201
    assert counted() == Coding.objects.count() == 80


def test_a_batch_is_stored_whole_or_not_at_all(api_for, project, source, code, many):
    api = api_for("coder")
    before = Coding.objects.count()
    text = source.text
    good = [
        {"source": source.pk, "code": code.pk, "start": s, "end": s + 5, "quote": text[s : s + 5]}
        for s in (30, 40, 50)
    ]
    bad = {**good[1], "quote": "wrong"}
    refused = api.post(url(project, "codings/"), {"codings": [good[0], bad, good[2]]})
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"codings.1"}
    assert "does not match" in refused.json()["fields"]["codings.1"][0]
    assert Coding.objects.count() == before
    foreign = api.post(url(project, "codings/"), {"codings": [{**good[0], "source": 999999}]})
    assert foreign.json()["fields"] == {"codings.0": ["There is no such source in this project."]}
    # A refusal the model's own checks make (held by field, not as a list) is reported too.
    empty = {"source": source.pk, "code": code.pk, "start": 0, "end": 0}
    refused = api.post(url(project, "codings/"), {"codings": [good[0], empty]})
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "codings.1": ["A coding must cover at least one character (start < end)."]
    }
    assert Coding.objects.count() == before
    made = api.post(url(project, "codings/"), {"codings": good})
    assert made.status_code == 201
    assert [r["quote"] for r in made.json()["items"]] == [text[s : s + 5] for s in (30, 40, 50)]
    assert Coding.objects.count() == before + 3
    assert Change.objects.filter(action="create").count() == before + 3
    duplicate = api.post(url(project, "codings/"), {"codings": good[:1]})
    assert duplicate.status_code == 409
    assert api.post(url(project, "codings/"), {"codings": []}).status_code == 400
    assert api_for("viewer").post(url(project, "codings/"), {"codings": good}).status_code == 403


# ---- memos, queries, reports, the tidy table -------------------------------------------------
def test_memos_are_written_filtered_and_changed_by_their_author(api_for, project, coding, source):
    coder = api_for("coder")
    made = coder.post(
        url(project, "memos/"), {"about": "source", "target": source.pk, "text": "Dense."}
    )
    assert made.status_code == 201 and made.json()["target"] == source.pk
    assert coder.post(
        url(project, "memos/"), {"about": "source", "target": 999999, "text": "x"}
    ).json()["fields"] == {"target": ["There is no such source in this project."]}
    assert coder.post(url(project, "memos/"), {"text": ""}).status_code == 400
    memo_id = made.json()["id"]
    listed = api_for("viewer").get(url(project, "memos/"), {"source": source.pk}).json()["items"]
    assert [m["id"] for m in listed] == [memo_id]
    assert (
        api_for("lead").patch(url(project, f"memos/{memo_id}/"), {"text": "x"}).status_code == 403
    )
    assert coder.patch(url(project, f"memos/{memo_id}/"), {"text": "Very dense."}).json()[
        "text"
    ] == ("Very dense.")
    assert coder.delete(url(project, f"memos/{memo_id}/")).status_code == 204
    assert not Memo.objects.exists()


def test_a_saved_query_runs_and_finds_its_passages(api_for, project, many, code, users):
    trust = many["trust"]
    saved = SavedQuery.objects.create(
        project=project,
        name="Money near trust",
        definition={"operator": "or", "code_a": code.pk, "code_b": trust.pk},
        created_by=users["lead"],
    )
    api = api_for("viewer")
    assert [q["name"] for q in api.get(url(project, "queries/")).json()] == ["Money near trust"]
    result = api.get(url(project, f"queries/{saved.pk}/run/")).json()
    assert result["total"] == 4 and result["source_count"] == 2
    assert api.get(url(project, "queries/999999/run/")).status_code == 404


def test_a_report_answers_with_the_pages_tables(api_for, project, many, code):
    api = api_for("viewer")
    report = api.get(url(project, "reports/frequencies/")).json()
    assert report["codings"] == 4
    table = report["tables"][0]
    counts = {row[0]: row for row in table["rows"]}
    assert "Trust" in str(counts)
    by = api.get(url(project, "reports/frequencies/"), {"by": "country"}).json()
    assert by["kind"] == "frequencies"
    filtered = api.get(url(project, "reports/frequencies/"), {"coder": "lead"}).json()
    assert filtered["codings"] == 1
    bad = api.get(url(project, "reports/frequencies/"), {"by": "shoe size"})
    assert bad.status_code == 400 and "no attribute called “shoe size”" in bad.json()["error"]
    assert api.get(url(project, "reports/nonsense/")).status_code == 400


def test_the_tidy_table_holds_every_coding_with_offsets_in_three_formats(
    api_for, project, many, source
):
    api = api_for("viewer")
    body = api.get(url(project, "codings/table/")).json()
    assert len(body["rows"]) == 4
    first = body["rows"][0]
    assert (first["start"], first["end"], first["quote"]) == (0, 11, source.text[:11])
    assert first["code_path"] == "Weaknesses/Financing" and first["coder"] == "coder"
    assert first["country"] == "Belarus" and first["Organisation type"] == "Private company"
    csv = api.get(url(project, "codings/table/"), {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    from_csv = pd.read_csv(io.BytesIO(csv.content))
    parquet = api.get(url(project, "codings/table/"), {"format": "parquet"})
    from_parquet = pd.read_parquet(io.BytesIO(parquet.content))
    for frame in (from_csv, from_parquet):
        assert frame["coding_id"].tolist() == [r["coding_id"] for r in body["rows"]]
        assert frame["start"].tolist() == [r["start"] for r in body["rows"]]
    assert from_parquet["quote"].tolist() == [r["quote"] for r in body["rows"]]
    only = api.get(url(project, "codings/table/"), {"source": many["policy"].pk}).json()
    assert {r["source_id"] for r in only["rows"]} == {many["policy"].pk}
    assert api.get(url(project, "codings/table/"), {"format": "xls"}).status_code == 400
    assert api.get(url(project, "codings/table/"), {"code": 999999}).status_code == 400
