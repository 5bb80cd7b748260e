"""Coding help pages: rules with a dry run, runs as jobs, the queue, deciding from the page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Code, Coding
from coding.suggestion_models import AutocodeRule, Suggestion, SuggestionStatus
from interviews.models import Job
from interviews.services import source_create

TEXT = (
    "Interviewer: Tell me about the studio.\n\n"
    "Respondent: Our co-productions with China grew. The co-production fund helps.\n\n"
    "Interviewer: Anything else?\n\n"
    "Respondent: Festivals matter too.\n"
)


@pytest.fixture
def studio(project, interviewee):
    return source_create(
        project=project,
        title="Studio",
        text=TEXT,
        interviewees=[interviewee],
        speaker_map={"Interviewer": "interviewer", "Respondent": interviewee},
    )


@pytest.fixture
def theme(project):
    return Code.objects.create(project=project, name="Co-production")


def rule_data(theme, **extra):
    return {
        "name": "Co-production words",
        "code": theme.pk,
        "keywords": "co-production",
        "patterns": "",
        "scope": "sentence",
        **extra,
    }


def test_a_dry_run_shows_hits_and_stores_nothing(client_for, project, studio, theme):
    url = reverse("coding:rule_create", args=[project.pk])
    response = client_for("lead").post(url, {**rule_data(theme), "action": "dry_run"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dry run: 2 hits in 1 of 1 sources" in page
    assert "<mark>co-productions</mark>" in page
    assert "matched on lemmas" in page
    assert not AutocodeRule.objects.exists() and not Suggestion.objects.exists()


def test_the_rule_page_lists_the_sources_without_reading_their_texts(
    client_for, project, studio, theme
):
    url = reverse("coding:rule_create", args=[project.pk])
    with CaptureQueriesContext(connection) as queries:
        page = client_for("lead").get(url)
    assert page.status_code == 200
    assert re.search(rf'<option value="{studio.pk}">Studio</option>', page.content.decode())
    texts = [q["sql"] for q in queries.captured_queries if '"interviews_source"."text"' in q["sql"]]
    assert texts == []
    # A rule limited to it keeps it.
    saved = client_for("lead").post(
        url, {**rule_data(theme, name="Studio only"), "sources": [studio.pk], "action": "save"}
    )
    assert saved.status_code == 302
    assert list(AutocodeRule.objects.get(name="Studio only").sources.all()) == [studio]


def test_the_rule_page_reads_the_codebook_once_and_offers_codable_codes_by_path(
    client_for, project, theme
):
    """The code to suggest is chosen from the codable codes in the codebook's order, each by
    its path; the codebook is read once (twice before: the tree for the labels, then the
    choices)."""
    group = Code.objects.create(project=project, name="Policy", is_codable=False, order=0)
    tax = Code.objects.create(project=project, name="Tax breaks", parent=group)
    url = reverse("coding:rule_create", args=[project.pk])
    with CaptureQueriesContext(connection) as queries:
        page = client_for("lead").get(url)
    assert page.status_code == 200
    select = re.search(r'<select name="code"[^>]*>(.*?)</select>', page.content.decode(), re.S)
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select.group(1))
    assert options == [
        ("", "---------"),
        (str(theme.pk), "Co-production"),
        (str(tax.pk), "Policy/Tax breaks"),
    ]
    sent = [q["sql"] for q in queries.captured_queries]
    assert len([sql for sql in sent if 'FROM "coding_code"' in sql]) == 1
    # A code that is not one of them, or not an id, is refused with the form's message.
    for value in (str(group.pk), "9" * 30, "١"):
        response = client_for("lead").post(
            url, {**rule_data(theme), "code": value, "action": "save"}
        )
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    assert not AutocodeRule.objects.exists()


def test_a_bad_expression_is_explained_and_nothing_is_stored(client_for, project, theme):
    url = reverse("coding:rule_create", args=[project.pk])
    response = client_for("lead").post(
        url, {**rule_data(theme, keywords="", patterns="[unclosed"), "action": "run"}
    )
    assert response.status_code == 200
    assert "is not a valid regular expression" in response.content.decode()
    assert not AutocodeRule.objects.exists() and not Job.objects.exists()


def test_saving_and_running_a_rule_makes_a_job_with_suggestions(client_for, project, studio, theme):
    url = reverse("coding:rule_create", args=[project.pk])
    response = client_for("lead").post(url, {**rule_data(theme), "action": "run"})
    job = Job.objects.get(kind="autocode")
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert job.status == "done" and job.result["created"] == 2
    assert Suggestion.objects.filter(status="pending").count() == 2
    # Running it again from its page adds nothing.
    rule = AutocodeRule.objects.get()
    client_for("lead").post(
        reverse("coding:rule_edit", args=[project.pk, rule.pk]),
        {**rule_data(theme), "action": "run"},
    )
    assert Suggestion.objects.count() == 2


def test_code_by_speaker_at_once_codes_each_turn_without_its_label(
    client_for, project, studio, theme, users
):
    url = reverse("coding:rule_create", args=[project.pk])
    data = rule_data(theme, keywords="", scope="turn", speakers=["BY-01"], name="BY-01 turns")
    client_for("lead").post(url, {**data, "action": "code"})
    codings = Coding.objects.filter(coder=users["lead"]).order_by("start")
    assert [studio.text[c.start : c.end] for c in codings] == [
        "Our co-productions with China grew. The co-production fund helps.",
        "Festivals matter too.",
    ]
    assert {c.origin for c in codings} == {"rule “BY-01 turns”"}


def test_only_leads_write_rules(client_for, project, theme):
    url = reverse("coding:rule_create", args=[project.pk])
    assert client_for("coder").get(url).status_code == 403
    assert client_for("outsider").get(url).status_code == 404
    assert (
        client_for("viewer").get(reverse("coding:coding_help", args=[project.pk])).status_code
        == 403
    )


@pytest.fixture
def pending(project, studio, theme, users):
    from coding.suggestion_services import rule_run, rule_save

    rule = rule_save(
        project=project, user=users["lead"], name="r", code=theme, keywords="co-production"
    )
    rule_run(rule=rule, dry_run=False)
    return list(Suggestion.objects.order_by("start"))


def test_the_coding_page_lists_and_decides_suggestions(client_for, project, studio, pending, users):
    client = client_for("coder")
    listed = client.get(reverse("api:source_suggestions", args=[project.pk, studio.pk])).json()
    assert [(s["start"], s["origin_label"], s["score"]) for s in listed] == [
        (pending[0].start, "rule “r”", 1.0),
        (pending[1].start, "rule “r”", 1.0),
    ]
    accept = reverse("api:suggestion_accept", args=[project.pk, pending[0].pk])
    answer = client.post(accept)
    coding = Coding.objects.get()
    assert answer.status_code == 200
    assert answer.json() == {"status": "accepted", "coding": coding.pk, "origin": "rule “r”"}
    assert (coding.coder, coding.origin) == (users["coder"], "rule “r”")
    # The coding carries its origin in the page's data and in the history.
    codings = client.get(reverse("api:source_codings", args=[project.pk, studio.pk])).json()
    assert codings["codings"][0]["origin"] == "rule “r”"
    history = client_for("lead").get(reverse("coding:history", args=[project.pk])).content
    assert "from rule “r”" in history.decode()
    again = client.post(accept)
    assert again.status_code == 404 and Coding.objects.count() == 1
    assert again.json() == {"error": "This suggestion is no longer pending."}
    reject = reverse("api:suggestion_reject", args=[project.pk, pending[1].pk])
    assert client.post(reject).json() == {"status": "rejected"}
    assert Suggestion.objects.get(pk=pending[1].pk).status == SuggestionStatus.REJECTED
    listed = client.get(reverse("api:source_suggestions", args=[project.pk, studio.pk])).json()
    assert listed == []


def test_the_project_lists_its_suggestions_a_page_at_a_time(client_for, project, pending, theme):
    url = reverse("api:suggestions", args=[project.pk])
    first = client_for("coder").get(url, {"limit": 1, "code": theme.pk}).json()
    assert [s["id"] for s in first["items"]] == [pending[0].pk]
    second = client_for("coder").get(url, {"limit": 1, "cursor": first["next"]}).json()
    assert ([s["id"] for s in second["items"]], second["next"]) == ([pending[1].pk], None)
    # Viewers may not code: they are offered none.
    assert client_for("viewer").get(url).json() == {"items": [], "next": None}


def test_viewers_and_outsiders_cannot_decide(client_for, project, studio, pending):
    accept = reverse("api:suggestion_accept", args=[project.pk, pending[0].pk])
    assert client_for("viewer").post(accept).status_code == 403
    assert client_for("outsider").post(accept).status_code == 404
    listed = reverse("api:source_suggestions", args=[project.pk, studio.pk])
    assert client_for("viewer").get(listed).json() == []
    assert client_for("outsider").get(listed).json() == {"error": "No such project."}
    # The review queue's form (a page, not the API) still decides with a redirect.
    page = reverse("coding:suggestion_decide", args=[project.pk, pending[0].pk])
    assert client_for("viewer").post(page, {"action": "accept"}).status_code == 403
    assert not Coding.objects.exists()
    answer = client_for("coder").post(page, {"action": "accept"})
    assert answer.status_code == 302 and Coding.objects.count() == 1


def test_accept_all_above_a_score_in_a_source(client_for, project, studio, pending, users):
    Suggestion.objects.filter(pk=pending[1].pk).update(score=0.4)
    url = reverse("api:source_suggestions_accept", args=[project.pk, studio.pk])
    response = client_for("coder").post(url, {"min_score": 0.5}, content_type="application/json")
    assert response.json() == {"accepted": 1}
    assert Coding.objects.get().start == pending[0].start
    bad = client_for("coder").post(url, {"min_score": 7}, content_type="application/json")
    assert bad.status_code == 400 and Coding.objects.count() == 1
    assert bad.json() == {
        "error": "“min_score” is too large.",
        "fields": {"min_score": ["“min_score” is too large."]},
    }
    empty = client_for("coder").post(url, {"min_score": None}, content_type="application/json")
    assert empty.json()["error"] == "“min_score” must be a number."
    other = client_for("coder").post(
        url, {"min_score": 0, "code": 999999}, content_type="application/json"
    )
    assert other.status_code == 400 and list(other.json()["fields"]) == ["code"]
    assert Coding.objects.count() == 1


def test_the_queue_lists_a_codes_suggestions_with_context(
    client_for, project, pending, theme, studio
):
    client = client_for("coder")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("coding:suggestion_queue", args=[project.pk]), {"code": theme.pk}
        )
    page = response.content.decode()
    assert "2 pending" in page
    assert '<span class="ws-suggested">Our co-productions with China grew.</span>' in page
    assert f'<option value="{studio.pk}">Studio</option>' in page
    # The text of each source on the page is read once, for the context around each
    # suggestion; not with every suggestion, nor for the choice of sources.
    texts = [q["sql"] for q in queries.captured_queries if '"interviews_source"."text"' in q["sql"]]
    assert len(texts) == 1
    home = client_for("coder").get(reverse("coding:coding_help", args=[project.pk]))
    assert f'data-field="pending-{theme.pk}">2<' in home.content.decode()


def test_training_from_the_page_reports_a_failure_reason(client_for, project, studio):
    url = reverse("coding:suggestions_train", args=[project.pk])
    data = {"label_source": "all", "min_f1": "0.5", "min_examples": "5", "seed": "0"}
    response = client_for("lead").post(url, data)
    job = Job.objects.get(kind="train_suggestions")
    assert response.url == job.get_absolute_url()
    assert job.status == "failed"
    assert "at least two coded sources" in job.messages[0]["text"]
    assert client_for("coder").post(url, data).status_code == 403


def test_a_project_with_rules_suggestions_and_accepted_ones_can_be_deleted(project, pending, users):
    from coding.suggestion_services import suggestion_accept

    suggestion_accept(suggestion=pending[0], user=users["coder"])
    project.delete()
    assert not Suggestion.objects.exists() and not AutocodeRule.objects.exists()
    assert not Coding.objects.exists()


def test_suggestions_count_nowhere_until_accepted(client_for, project, theme, pending, users):
    from coding.suggestion_services import suggestion_accept

    def retrieved() -> str:
        url = reverse("coding:retrieval", args=[project.pk])
        return client_for("lead").get(url, {"code": theme.pk}).content.decode()

    def frequency() -> list[str]:
        url = reverse("reports:export", args=[project.pk, "frequencies", "csv"])
        rows = client_for("lead").get(url).content.decode("utf-8-sig").splitlines()
        return next(row for row in rows if row.startswith("Co-production,")).split(",")[1:3]

    assert "Our co-productions with China grew." not in retrieved()
    assert frequency() == ["0", "0.0"]
    suggestion_accept(suggestion=pending[0], user=users["coder"])
    assert "Our co-productions with China grew." in retrieved()
    assert frequency() == ["1", "100.0"]
