"""The coding page: who may open it, what it carries, and the pure helpers behind it."""

from __future__ import annotations

import json
import shutil
import subprocess
from contextlib import nullcontext
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding import pieces as pieces_module
from coding import workspace_data
from coding.models import Change, Code, CodePin, Coding, Memo
from coding.services import code_pin_set, coding_create
from coding.views import workspace as workspace_view
from interviews import access as access_module
from interviews.models import (
    Segment,
    SegmentKind,
    SourceCodePoints,
    SourcePiece,
    profile_for,
)
from interviews.services import source_create

ROOT = Path(__file__).resolve().parents[2]


def workspace_url(source) -> str:
    return reverse("coding:workspace", args=[source.project_id, source.pk])


def page_codings(client, source) -> list[dict]:
    """The codings the page carries when it opens: the API's list of them."""
    data = page_data(client.get(workspace_url(source)))
    listed = client.get(data["urls"]["codings"]).json()
    assert data["first"]["codings"] == listed
    return listed["codings"]


def page_pieces(client, source) -> list[dict]:
    """Every piece of text the page may draw, as it fetches them."""
    url = page_data(client.get(workspace_url(source)))["urls"]["pieces"]
    outline = client.get(url, {"outline": "1"}).json()["outline"]
    return client.get(url, {"start": 0, "end": outline[-1][1]}).json()["pieces"]


def page_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="workspace-data" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_a_coder_opens_the_page_with_the_text_and_codings(client_for, source, coding):
    client = client_for("coder")
    response = client.get(workspace_url(source))
    assert response.status_code == 200
    data = page_data(response)
    # The page carries what its script would fetch first, as the API answers it: the
    # first piece of the text with every piece's span (api/routers/text.py), and the
    # codings with the cursor to poll from.
    first = client.get(data["urls"]["pieces"], {"start": 0, "end": 0, "outline": "true"})
    assert data["first"]["pieces"] == first.json()
    assert "It started at a festival in Minsk." in data["first"]["pieces"]["pieces"][0]["text"]
    assert data["cursor"] == data["first"]["codings"]["cursor"]
    assert "codings" not in data and "sentences" not in data
    codings = page_codings(client, source)
    assert [c["id"] for c in codings] == [coding.pk]
    assert codings[0]["editable"] is True
    assert codings[0]["quote"] == "Money was always short"
    assert data["codes"][1]["path"] == "Weaknesses/Financing"
    assert data["snap"] == "word"
    pieces = page_pieces(client, source)
    assert "".join(p["text"] for p in pieces) == source.text
    stored = source.segments.filter(kind=SegmentKind.SENTENCE).order_by("start")
    sentences = [s for p in pieces for s in p["sentences"]]
    assert sentences == [[s.start, s.end] for s in stored]
    assert len(sentences) == 5
    assert data["source"]["length"] == len(source.text)


# The controls that write, by the markup that makes them; a read-only page has none of them.
WRITING_CONTROLS = [
    'id="ws-code-search"',
    'id="ws-code-options"',
    'data-field="pins"',
    'data-field="recent"',
    'id="ws-edit-code"',
    'id="ws-edit-memo"',
    'data-action="save-memo"',
    'data-action="delete"',
    'data-action="to-selection"',
    "data-move=",
]


def test_a_long_source_opens_with_its_first_piece_only(client_for, project):
    turns = [f"Respondent: Turn {i} " + "word " * 300 for i in range(60)]
    source = source_create(project=project, title="Long", text="\n\n".join(turns))
    response = client_for("coder").get(workspace_url(source))
    data = page_data(response)
    carried = data["first"]["pieces"]
    assert [p["index"] for p in carried["pieces"]] == [0]
    assert carried["count"] == len(carried["outline"]) > 1
    assert carried["outline"][-1][1] == data["source"]["length"] == len(source.text)
    assert "Turn 0 " in response.content.decode()
    assert "Turn 59 " not in response.content.decode()


def test_a_viewer_reads_the_page_with_its_codings_but_no_tools_to_code(client_for, source, coding):
    response = client_for("viewer").get(workspace_url(source))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Read only · Interview BY-01" in html
    assert "Read only: your role (Viewer) lets you read codings, not add them." in html
    assert [control for control in WRITING_CONTROLS if control in html] == []
    assert "apply a pinned code" not in html and '<dd class="col-7">undo</dd>' not in html
    assert "select the whole turn" in html  # reading keys are still listed
    assert 'id="ws-filter-mine"' not in html and 'id="ws-filter-coder"' in html
    data = page_data(response)
    assert data["canCode"] is False
    codings = page_codings(client_for("viewer"), source)
    assert [(c["id"], c["editable"]) for c in codings] == [(coding.pk, False)]
    assert (
        "It started at a festival in Minsk." in page_pieces(client_for("viewer"), source)[0]["text"]
    )
    assert data["pins"] == [] and data["recent"] == []
    assert [c["path"] for c in data["codes"]] == ["Weaknesses", "Weaknesses/Financing"]


def test_a_coder_gets_every_tool_to_code(client_for, source):
    response = client_for("coder").get(workspace_url(source))
    html = response.content.decode()
    assert [control for control in WRITING_CONTROLS if control not in html] == []
    assert "<title>Code · Interview BY-01" in html
    assert "Read only" not in html
    assert "apply a pinned code" in html
    assert 'id="ws-filter-mine"' in html
    assert page_data(response)["canCode"] is True


def test_the_api_refuses_a_viewers_writes_even_with_the_pages_csrf_token(
    source, coding, code, users
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["viewer"])
    token = client.get(workspace_url(source)).cookies["csrftoken"].value
    codings = reverse("api:source_codings", args=[source.project_id, source.pk])
    one = reverse("api:coding", args=[source.project_id, coding.pk])
    pins = reverse("api:pins", args=[source.project_id])

    def send(method, url, body=None):
        return getattr(client, method)(
            url,
            json.dumps(body or {}),
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )

    changes = Change.objects.count()
    answers = [
        send("post", codings, {"code": code.pk, "start": 0, "end": 11}),
        send("patch", one, {"memo": "a viewer's note", "start": 0}),
        send("delete", one),
        send("post", pins, {"code": code.pk, "slot": 1}),
    ]
    assert [a.status_code for a in answers] == [403, 403, 403, 403]
    assert {a.json()["error"] for a in answers} == {
        "Your role in this project (Viewer) does not allow this."
    }
    stored = Coding.objects.get()
    assert (stored.pk, stored.start, stored.end) == (coding.pk, coding.start, coding.end)
    assert not Memo.objects.exists()
    assert not CodePin.objects.exists()
    assert Change.objects.count() == changes


def test_outsiders_find_nothing(client_for, source):
    assert client_for("outsider").get(workspace_url(source)).status_code == 404


def test_a_source_of_another_project_is_not_found(client_for, project, other_project):
    foreign = other_project.sources.get()
    url = reverse("coding:workspace", args=[project.pk, foreign.pk])
    assert client_for("coder").get(url).status_code == 404
    # Nor one of no project, and its source is not read for the outsider.
    url = reverse("coding:workspace", args=[other_project.pk, foreign.pk])
    assert client_for("coder").get(url).status_code == 404


@pytest.mark.parametrize("huge", ["project", "source", "both"])
def test_keys_no_row_can_have_are_not_found(client_for, source, huge):
    key = 10**20
    project = key if huge in ("project", "both") else source.project_id
    source_id = key if huge in ("source", "both") else source.pk
    url = reverse("coding:workspace", args=[project, source_id])
    assert client_for("coder").get(url).status_code == 404


def test_under_blinded_coding_the_page_holds_only_the_coders_own_codings(
    client_for, project, source, coding, users
):
    project.blinded_coding = True
    project.save()
    coding_create(source=source, code=coding.code, coder=users["lead"], start=0, end=11)
    data = page_data(client_for("coder").get(workspace_url(source)))
    assert [c["coder"] for c in page_codings(client_for("coder"), source)] == ["coder"]
    assert data["seesAll"] is False
    assert len(page_codings(client_for("lead"), source)) == 2
    assert page_codings(client_for("viewer"), source) == []


def test_codings_far_apart_carry_their_own_words_for_each_member(
    client_for, project, source, code, users
):
    """Codings spread over the text are quoted one by one, not cut from one stretch of it;
    under blinded coding each member's page quotes only the codings it lists, and a source
    stored without its code points gets them."""
    text = source.text
    made = {
        (who, start, length): coding_create(
            source=source, code=code, coder=users[who], start=start, end=start + length
        )
        for who, start, length in [
            ("coder", text.index("观众很喜欢"), 5),
            ("coder", len(text) - 3, 3),
            ("lead", 0, 3),
        ]
    }
    project.blinded_coding = True
    project.save()

    def quotes(role) -> dict[int, str]:
        return {c["id"]: c["quote"] for c in page_codings(client_for(role), source)}

    expected = {c.pk: text[s : s + n] for (_who, s, n), c in made.items()}
    assert quotes("lead") == expected
    assert quotes("coder") == {
        c.pk: text[s : s + n] for (who, s, n), c in made.items() if who == "coder"
    }
    assert expected[made["coder", text.index("观众很喜欢"), 5].pk] == "观众很喜欢"
    SourceCodePoints.objects.filter(source=source).delete()
    assert quotes("lead") == expected
    assert SourceCodePoints.objects.filter(source=source).exists()


def test_the_page_uses_the_users_snap_setting_and_stored_sentences(client_for, source, users):
    profile = profile_for(users["coder"])
    profile.selection_snap = "sentence"
    profile.save()
    source.segments.filter(kind=SegmentKind.SENTENCE).delete()
    Segment.objects.create(source=source, kind=SegmentKind.SENTENCE, start=60, end=90)
    data = page_data(client_for("coder").get(workspace_url(source)))
    assert data["snap"] == "sentence"
    assert [s for p in page_pieces(client_for("coder"), source) for s in p["sentences"]] == [
        [60, 90]
    ]


def test_the_first_view_is_whole_when_its_pieces_are_laid_out_as_the_page_opens(client_for, source):
    """The first piece's sentences and turns are asked with the page's other queries, before
    the pieces are read; when there were no pieces yet, they are read again for the pieces
    laid out then."""
    client = client_for("coder")
    before = page_data(client.get(workspace_url(source)))["first"]["pieces"]
    SourcePiece.objects.filter(source=source).delete()
    after = page_data(client.get(workspace_url(source)))["first"]["pieces"]
    assert after == before
    first = after["pieces"][0]
    stored = source.segments.filter(kind=SegmentKind.SENTENCE, start__lt=first["end"])
    assert first["sentences"] == [[s.start, s.end] for s in stored.order_by("start")] != []
    assert [b["speaker"] for b in first["blocks"]][:2] == ["Interviewer", "BY-01"]
    assert SourcePiece.objects.filter(source=source).exists()


def test_the_pieces_rebuild_the_source_exactly_even_with_carriage_returns(client_for, project):
    text = "  Interviewer: Hello\r\nthere 🎬\n\n\nRespondent: 你好 — fine\r\n\n  "
    source = source_create(project=project, title="CR", text=text)
    pieces = page_pieces(client_for("coder"), source)
    assert "".join(p["text"] for p in pieces) == text
    blocks = [b for p in pieces for b in p["blocks"]]
    assert [text[b["start"] : b["end"]] for b in blocks] == [
        "Interviewer: Hello\r\nthere 🎬",
        "Respondent: 你好 — fine",
    ]


def test_the_page_writes_its_data_as_djangos_json_script_does(client_for, source, code, users):
    from django.utils.html import json_script

    code.name = "Financing </script><b> & co"
    code.save()
    coding = coding_create(source=source, code=code, coder=users["coder"], start=0, end=11)
    Memo.objects.create(
        project=source.project, coding=coding, author=users["coder"], text="a < b & c > d 🎬"
    )
    response = client_for("coder").get(workspace_url(source))
    expected = json_script(response.context["workspace_data"], "workspace-data")
    assert expected in response.content.decode()
    assert "\\u003C/script\\u003E\\u003Cb\\u003E \\u0026 co" in expected


def test_the_page_costs_the_same_queries_with_few_or_many_codings(
    client_for, source, code, coding, users, django_assert_max_num_queries
):
    client = client_for("coder")
    with django_assert_max_num_queries(12) as few:
        client.get(workspace_url(source))
    for i in range(40):
        coding_create(source=source, code=code, coder=users["coder"], start=i, end=i + 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(workspace_url(source))
    assert response.status_code == 200
    assert len(page_codings(client, source)) == 41
    # The page polls for changes from the last one it has seen.
    assert page_data(response)["cursor"] == Change.objects.filter(source=source).latest("pk").pk


# ---- pinned codes -------------------------------------------------------------------------
def test_without_pins_the_number_keys_hold_the_first_nine_codable_codes(client_for, project):
    group = Code.objects.create(project=project, name="A group", is_codable=False)
    names = [f"Code {i:02d}" for i in range(12)]
    for name in names:
        Code.objects.create(project=project, name=name, parent=group)
    response = client_for("coder").get(reverse("api:pins", args=[project.pk]))
    pins = response.json()["pins"]
    assert [p["slot"] for p in pins] == list(range(1, 10))
    assert [Code.objects.get(pk=p["code"]).name for p in pins] == names[:9]


def test_a_coder_pins_and_unpins_codes(client_for, project, code, users):
    client = client_for("coder")
    url = reverse("api:pins", args=[project.pk])
    other = Code.objects.create(project=project, name="Trust")
    response = client.post(url, {"code": other.pk, "slot": 1}, content_type="application/json")
    assert response.status_code == 200
    # The default keys (Trust, Weaknesses, Weaknesses/Financing in tree order) are kept.
    assert {(p["slot"], p["code"]) for p in response.json()["pins"]} == {
        (1, other.pk),
        (2, code.parent_id),
        (3, code.pk),
    }
    client.post(url, {"code": other.pk, "slot": None}, content_type="application/json")
    assert list(CodePin.objects.filter(user=users["coder"]).values_list("slot", "code")) == [
        (2, code.parent_id),
        (3, code.pk),
    ]
    bad = client.post(url, {"code": code.pk, "slot": 12}, content_type="application/json")
    assert bad.status_code == 400
    assert "from 1 to 9" in bad.json()["error"]
    group = Code.objects.create(project=project, name="Group", is_codable=False)
    grouping = client.post(url, {"code": group.pk, "slot": 4}, content_type="application/json")
    assert grouping.status_code == 400
    assert not CodePin.objects.filter(code=group).exists()
    fresh = client_for("lead").post(
        url, {"code": group.pk, "slot": 4}, content_type="application/json"
    )
    assert fresh.status_code == 400
    assert not CodePin.objects.filter(user=users["lead"]).exists()  # nothing half-stored
    viewer = client_for("viewer").post(
        url, {"code": code.pk, "slot": 1}, content_type="application/json"
    )
    assert viewer.status_code == 403


def test_pins_belong_to_one_user(project, code, users):
    code_pin_set(user=users["coder"], code=code, slot=3)
    code_pin_set(user=users["lead"], code=code, slot=5)
    assert sorted(CodePin.objects.values_list("user__username", "slot")) == [
        ("coder", 3),
        ("lead", 5),
    ]


def test_recent_codes_are_the_users_latest(client_for, source, code, users):
    other = Code.objects.create(project=source.project, name="Trust")
    coding_create(source=source, code=code, coder=users["coder"], start=0, end=5)
    coding_create(source=source, code=other, coder=users["coder"], start=6, end=9)
    coding_create(source=source, code=code.parent, coder=users["lead"], start=6, end=9)
    data = page_data(client_for("coder").get(workspace_url(source)))
    assert data["recent"] == [other.pk, code.pk]
    assert Coding.objects.count() == 3


# ---- the browser modules' own unit tests ----------------------------------------------------
@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_browser_modules_pass_their_node_tests():
    result = subprocess.run(
        ["node", "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout


def test_text_speakers_and_memos_are_escaped(client_for, project, code, users):
    text = "Dr <b>X</b>: I said <script>alert(1)</script> & left.\n\nQ: ok"
    source = source_create(project=project, title="Escapes", text=text)
    coding_create(
        source=source, code=code, coder=users["coder"], start=0, end=4, memo="</script><i>"
    )
    html = client_for("coder").get(workspace_url(source)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<b>X</b>" not in html
    assert "</script><i>" not in html
    # The page draws the words with textContent, never as markup.
    assert page_pieces(client_for("coder"), source)[0]["text"].startswith("Dr <b>X</b>: I said")
    assert page_codings(client_for("coder"), source)[0]["memo"] == "</script><i>"


def test_the_page_sends_its_independent_queries_together_and_reads_each_once(
    client_for, source, code, coding, users, monkeypatch
):
    """On PostgreSQL the first piece, the codings, the codebook, the number keys and the
    codes used last go to the server at once (`sent_together`); each is still asked once,
    and the page is the same as when each is asked on its own."""
    code_pin_set(user=users["coder"], code=code, slot=3)
    client = client_for("coder")
    with CaptureQueriesContext(connection) as queries:
        together = client.get(workspace_url(source))
    sent = [q["sql"] for q in queries.captured_queries]
    assert len(sent) == len(set(sent))
    # The project with the member's role and the source go together first.
    together_calls = []

    def recorded(using, queries):
        together_calls.append([compiled for compiled, _values in queries])
        return original(using, queries)

    original = workspace_view.sent_together
    for module in (workspace_view, workspace_data):
        monkeypatch.setattr(module, "sent_together", recorded)
    assert client.get(workspace_url(source)).status_code == 200
    assert together_calls[0] == [access_module._PROJECT_WITH_ROLE, workspace_data._PAGE_SOURCE]
    assert pieces_module._FIRST_PIECE_SEGMENTS in together_calls[1]
    assert len(together_calls) == 2
    for module in (workspace_view, workspace_data):
        monkeypatch.setattr(module, "sent_together", lambda using, queries: nullcontext())
    with CaptureQueriesContext(connection) as queries:
        apart = client.get(workspace_url(source))
    assert len(queries.captured_queries) == len(sent)
    first, second = page_data(together), page_data(apart)
    for data in (first, second):
        data.pop("csrfToken")
    assert first == second
    assert first["pins"] == [{"slot": 3, "code": code.pk}]
    assert [c["id"] for c in first["first"]["codings"]["codings"]] == [coding.pk]
