"""What a report counts: passages once by default, per coder, or the consensus only."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from lxml import html as lxml_html

from coding.models import Coding
from reports.counting import merge_passages
from reports.frame import report_data


def _frame(rows):
    return pd.DataFrame(
        rows,
        columns=["coding_id", "source_id", "code_id", "coder", "start", "end", "quote", "memo"],
    )


def test_overlapping_codings_of_one_code_become_one_passage():
    text = "abcdefghijklmnopqrstuvwxyz0123456789"
    rows = [
        (1, 1, 7, "artem", 0, 10, text[0:10], "first"),
        (2, 1, 7, "dasha", 5, 15, text[5:15], ""),
        (3, 1, 7, "dasha", 20, 30, text[20:30], ""),
        (4, 1, 8, "artem", 0, 10, text[0:10], ""),  # another code: its own passage
        (5, 2, 7, "artem", 0, 10, text[0:10], ""),  # another source: its own passage
        (6, 1, 7, "consensus", 14, 18, text[14:18], "agreed"),  # chains onto 1 and 2
        (7, 1, 7, "artem", 30, 32, text[30:32], ""),  # touches 3 without overlapping
    ]
    merged = merge_passages(_frame(rows))
    got = merged[["coding_id", "source_id", "code_id", "coder", "start", "end", "quote", "memo"]]
    assert [tuple(r) for r in got.itertuples(index=False)] == [
        (4, 1, 8, "artem", 0, 10, text[0:10], ""),
        (1, 1, 7, "artem, consensus, dasha", 0, 18, text[0:18], "first\n\nagreed"),
        (3, 1, 7, "dasha", 20, 30, text[20:30], ""),
        (7, 1, 7, "artem", 30, 32, text[30:32], ""),
        (5, 2, 7, "artem", 0, 10, text[0:10], ""),
    ]


def test_overlapping_codings_spoken_by_different_interviewees_stay_two_passages():
    frame = _frame(
        [
            (1, 1, 7, "artem", 0, 10, "a" * 10, ""),
            (2, 1, 7, "dasha", 5, 15, "b" * 10, ""),  # starts in another interviewee's turn
            (3, 1, 7, "lead", 8, 12, "c" * 4, ""),  # the first interviewee's again
        ]
    ).assign(interviewee_id=pd.array([11, 12, 11], dtype="Int64"))
    merged = merge_passages(frame)
    assert list(merged.columns) == list(frame.columns)
    got = merged[["coding_id", "coder", "start", "end", "interviewee_id"]]
    assert [tuple(r) for r in got.itertuples(index=False)] == [
        (1, "artem, lead", 0, 12, 11),
        (2, "dasha", 5, 15, 12),
    ]
    # Without a speaker (NA), codings still merge among themselves.
    frame["interviewee_id"] = pd.array([None, None, 11], dtype="Int64")
    got = merge_passages(frame)[["coding_id", "coder", "start", "end"]]
    assert [tuple(r) for r in got.itertuples(index=False)] == [
        (1, "artem, dasha", 0, 15),
        (3, "lead", 8, 12),
    ]


def test_a_frame_without_overlaps_is_unchanged():
    frame = _frame([(1, 1, 7, "a", 0, 5, "x", ""), (2, 1, 7, "b", 5, 9, "y", "")])
    assert merge_passages(frame).equals(frame)
    assert len(merge_passages(_frame([]))) == 0


def test_a_frame_without_overlaps_keeps_its_rows_in_their_order():
    rows = [
        (5, 2, 7, "a", 0, 10, "x", ""),
        (1, 1, 7, "b", 10, 20, "y", ""),  # touches the next one: no overlap
        (2, 1, 7, "c", 0, 10, "z", ""),
        (3, 1, 8, "a", 5, 15, "w", ""),  # overlaps 1, but with another code
    ]
    frame = _frame(rows).assign(interviewee_id=pd.array([None, 11, 12, 11], dtype="Int64"))
    assert merge_passages(frame).equals(frame)


def test_codings_merge_exactly_when_two_of_them_overlap():
    rng = random.Random(3)
    for _ in range(300):
        rows = []
        for pk in range(rng.randint(2, 9)):
            start = rng.randint(0, 40)
            end = start + rng.randint(1, 12)
            rows.append((pk, rng.randint(1, 2), rng.randint(1, 2), "c", start, end, "", ""))
        speakers = [rng.choice([None, 11, 12]) for _ in rows]
        frame = _frame(rows).assign(interviewee_id=pd.array(speakers, dtype="Int64"))
        keyed = [
            (source, code, -1 if who is None else who, start, end)
            for (_pk, source, code, _c, start, end, _q, _m), who in zip(rows, speakers, strict=True)
        ]
        expected = any(
            a[:3] == b[:3] and a[3] < b[4] and b[3] < a[4]
            for i, a in enumerate(keyed)
            for b in keyed[i + 1 :]
        )
        merged = merge_passages(frame)
        assert (len(merged) < len(frame)) == expected, rows
        if not expected:
            assert merged.equals(frame)


def _url(study, kind, query=""):
    return reverse("reports:report", args=[study.project.pk, kind]) + query


def _rows(response):
    return {row[0]: row[1:] for row in response.context["report"].tables[0].rows}


def test_frequencies_count_passages_once_by_default(client_for, study):
    # Heritage: a (coder, S1); g (coder) and h (lead) on the same span of S2.
    response = client_for("lead").get(_url(study, "frequencies"))
    rows = _rows(response)
    assert rows["All codes"] == [10, 100.0, 3, 2, 100.0]
    assert rows["Strengths/Heritage"] == [2, 20.0, 2, 2, 100.0]
    assert rows["Strengths"] == [4, 40.0, 3, 2, 100.0]  # a, f, g+h, m
    assert response.context["report"].table("frequencies").columns[1] == "Passages"
    provenance = response.context["report"].provenance
    assert "counted: passages, each once" in provenance
    assert "(coders included: coder, lead)" in provenance
    assert " · 10 passages · " in provenance


def test_per_coder_counts_every_coding(client_for, study):
    rows = _rows(client_for("lead").get(_url(study, "frequencies", "?count=coder")))
    assert rows["All codes"] == [11, 100.0, 3, 2, 100.0]
    assert rows["Strengths/Heritage"] == [3, 27.3, 2, 2, 100.0]


def test_consensus_only_counts_the_consensus_coder(client_for, study):
    consensus = get_user_model().objects.create_user(username="consensus")
    for name in ("g", "b"):
        c = study.codings[name]
        Coding.objects.create(
            source=c.source, code=c.code, coder=consensus, start=c.start, end=c.end
        )
    client = client_for("lead")
    only = client.get(_url(study, "frequencies", "?count=consensus"))
    rows = _rows(only)
    assert rows["All codes"] == [2, 100.0, 2, 2, 100.0]
    assert rows["Strengths/Heritage"] == [1, 50.0, 1, 1, 50.0]
    assert (
        "consensus codings only (coders included: consensus)" in only.context["report"].provenance
    )
    # By default the consensus coding of g joins g and h as one passage: nothing changes.
    rows = _rows(client.get(_url(study, "frequencies")))
    assert rows["All codes"] == [10, 100.0, 3, 2, 100.0]
    assert rows["Strengths/Heritage"] == [2, 20.0, 2, 2, 100.0]
    assert rows["Weaknesses/Financing"] == [2, 20.0, 2, 2, 100.0]


def test_the_choice_is_visible_and_kept_by_the_drill_down(client_for, study):
    client = client_for("lead")
    page = lxml_html.fromstring(client.get(_url(study, "swot", "?count=coder")).content)
    pressed = page.xpath('//form[@data-field="counting"]//button[@aria-pressed="true"]')
    assert [b.text_content() for b in pressed] == ["Per coder (every coding)"]
    labels = page.xpath('//form[@data-field="counting"]//button')
    assert [b.text_content() for b in labels] == [
        "Passages (each counted once)",
        "Per coder (every coding)",
        "Consensus only (none yet)",
    ]
    heritage = page.xpath('//table[@data-table="swot"]//tr[td[2]="Heritage"]')[0]
    link = heritage.xpath("td[3]/a")[0]
    assert link.text_content() == "3"
    listed = lxml_html.fromstring(client.get(link.get("href")).content)
    assert len(listed.xpath("//li[@data-coding]")) == 3
    assert "3 codings" in listed.text_content()


def test_sources_and_interviewees_do_not_depend_on_the_choice(study):
    for counting in ("passages", "coder"):
        data = report_data(study.project, counting=counting)
        assert data.frame["source_id"].nunique() == 3
        assert data.frame["interviewee_id"].dropna().nunique() == 2


def test_a_bad_choice_says_so_and_counts_passages(client_for, study):
    response = client_for("lead").get(_url(study, "frequencies", "?count=twice"))
    assert response.status_code == 200
    assert "not “twice”; passages are counted" in response.content.decode()
    assert _rows(response)["All codes"][0] == 10


@pytest.mark.parametrize("query", ["", "?count=coder"])
def test_the_framework_matrix_opens_with_the_top_level_codes(client_for, study, query):
    response = client_for("lead").get(_url(study, "framework", query))
    matrix = response.context["report"].table("matrix")
    assert matrix.columns == [
        "Interviewee",
        "Strengths",
        "Weaknesses",
        "Opportunities",
        "Threats",
        "Film co-production",
    ]
    page = lxml_html.fromstring(response.content)
    chosen = page.xpath('//select[@id="code"]/option[@selected]')
    assert [o.text_content() for o in chosen] == matrix.columns[1:]
    by_person = {row[0]: row[1:] for row in matrix.rows}
    assert by_person["CN-01"] == [2, 1, 1, 1, 0]  # a and f overlap but are different codes
    assert by_person["BY-01"] == ([1, 1, 1, 0, 0] if not query else [2, 1, 1, 0, 0])
