"""Coding queries: the interval logic without a database, then queries on a small fixture."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from coding.models import Code, Coding, SavedQuery
from coding.queries import (
    QuerySpec,
    combine_by_source,
    query_run,
    span_gap,
    spans_and,
    spans_near,
    spans_not,
    spans_or,
    spans_same_segment,
)
from coding.spans import spans_merge
from interviews.access import access_for
from interviews.models import Interviewee, Segment, SegmentKind, Source

# Pure logic -------------------------------------------------------------------------------


def test_merge_joins_overlapping_and_touching_spans():
    assert spans_merge([(5, 8), (0, 3), (3, 4), (7, 10), (20, 21)]) == [(0, 4), (5, 10), (20, 21)]
    assert spans_merge([]) == []


def test_and_is_the_text_coded_with_both():
    a = [(0, 10), (20, 30)]
    b = [(5, 25), (28, 40)]
    assert spans_and(a, b) == [(5, 10), (20, 25), (28, 30)]
    assert spans_and(a, [(10, 20)]) == []  # touching is not overlapping


def test_or_is_the_text_coded_with_either():
    assert spans_or([(0, 10), (30, 35)], [(5, 15), (40, 41)]) == [(0, 15), (30, 35), (40, 41)]


def test_not_cuts_b_out_of_a():
    a = [(0, 10), (20, 30)]
    b = [(2, 4), (6, 8), (25, 40)]
    assert spans_not(a, b) == [(0, 2), (4, 6), (8, 10), (20, 25)]
    assert spans_not(a, []) == a
    assert spans_not(a, [(0, 50)]) == []


def test_gap_between_spans():
    assert span_gap((0, 5), (8, 10)) == 3
    assert span_gap((8, 10), (0, 5)) == 3
    assert span_gap((0, 5), (5, 10)) == 0
    assert span_gap((0, 5), (2, 3)) == 0


def test_near_joins_a_with_b_spans_within_the_distance():
    a = [(100, 110), (300, 310)]
    b = [(115, 120), (90, 95), (400, 410)]
    # (100,110) is 5 from (115,120) and 5 from (90,95); (300,310) is 90 from (400,410).
    assert spans_near(a, b, 5) == [(90, 120)]
    assert spans_near(a, b, 4) == []
    assert spans_near(a, b, 90) == [(90, 120), (300, 410)]


def test_near_counts_overlap_as_distance_zero():
    assert spans_near([(0, 10)], [(5, 15)], 0) == [(0, 15)]


def test_same_segment_joins_a_and_b_in_one_turn():
    turns = [(0, 50), (50, 100), (100, 150)]
    a = [(10, 20), (60, 70), (120, 130)]
    b = [(30, 40), (140, 145), (151, 160)]
    assert spans_same_segment(a, b, turns) == [(10, 40), (120, 145)]


def test_combine_by_source_keeps_sources_apart():
    a = [(1, 0, 10), (2, 0, 10)]
    b = [(1, 5, 15), (3, 0, 10)]
    assert combine_by_source("and", a, b) == {1: [(5, 10)]}
    assert combine_by_source("or", a, b) == {1: [(0, 15)], 2: [(0, 10)], 3: [(0, 10)]}
    assert combine_by_source("not", a, b) == {1: [(0, 5)], 2: [(0, 10)]}


def _chars(spans) -> set[int]:
    return {i for start, end in spans for i in range(start, end)}


_span = st.tuples(st.integers(0, 60), st.integers(1, 15)).map(lambda t: (t[0], t[0] + t[1]))


@given(st.lists(_span, max_size=8), st.lists(_span, max_size=8))
def test_set_operators_agree_with_character_sets(a, b):
    assert _chars(spans_and(a, b)) == _chars(a) & _chars(b)
    assert _chars(spans_or(a, b)) == _chars(a) | _chars(b)
    assert _chars(spans_not(a, b)) == _chars(a) - _chars(b)
    for result in (spans_and(a, b), spans_or(a, b), spans_not(a, b)):
        assert result == spans_merge(result)  # sorted, disjoint, non-empty spans


@given(st.lists(_span, max_size=6), st.lists(_span, max_size=6), st.integers(0, 20))
def test_near_joins_each_a_span_with_the_b_spans_close_by(a, b, distance):
    hulls = []
    for x in a:
        close = [y for y in b if span_gap(x, y) <= distance]
        if close:
            hulls.append((min(s for s, _ in [x, *close]), max(e for _, e in [x, *close])))
    assert _chars(spans_near(a, b, distance)) == _chars(hulls)


# On the database -------------------------------------------------------------------------

TEXT_ONE = (
    "Interviewer: Tell me about money.\n"
    "Respondent: Funding was scarce but the state helped with tax relief.\n"
    "Interviewer: And partners?\n"
    "Respondent: Our Chinese partners trusted us from the start."
)


@pytest.fixture
def fixture(project, users):
    """Two sources; codes Finance and Support (with sub-code Tax) and Partners."""
    by = Interviewee.objects.create(project=project, pseudonym="BY-01", country="Belarus")
    cn = Interviewee.objects.create(project=project, pseudonym="CN-01", country="China")
    one = Source.objects.create(project=project, title="One", text=TEXT_ONE)
    one.interviewees.add(by)
    two = Source.objects.create(project=project, title="Two", text="x" * 200)
    two.interviewees.add(cn)
    lines = TEXT_ONE.split("\n")
    offset = 0
    for line in lines:
        Segment.objects.create(
            source=one, kind=SegmentKind.TURN, start=offset, end=offset + len(line)
        )
        offset += len(line) + 1
    finance = Code.objects.create(project=project, name="Finance")
    support = Code.objects.create(project=project, name="Support")
    tax = Code.objects.create(project=project, name="Tax", parent=support)
    partners = Code.objects.create(project=project, name="Partners")
    coder, lead = users["coder"], users["lead"]

    def code(source, code, start, end, who=coder):
        return Coding.objects.create(source=source, code=code, coder=who, start=start, end=end)

    t = TEXT_ONE
    funding = t.index("Funding was scarce")
    state = t.index("the state helped")
    tax_relief = t.index("tax relief")
    trusted = t.index("Our Chinese partners")
    code(one, finance, funding, state + len("the state helped"))  # Finance over both clauses
    code(one, support, state, state + len("the state helped"))
    code(one, tax, tax_relief, tax_relief + len("tax relief"), who=lead)
    code(one, partners, trusted, trusted + len("Our Chinese partners trusted us"))
    code(two, finance, 10, 50)
    code(two, support, 40, 80)
    code(two, partners, 150, 160)
    return {
        "one": one,
        "two": two,
        "finance": finance,
        "support": support,
        "tax": tax,
        "partners": partners,
        "by": by,
        "cn": cn,
    }


def _run(project, user, spec):
    result = query_run(access=access_for(user, project), spec=spec, limit=None)
    return result, [(p.source_title, p.start, p.end) for p in result.passages]


def test_and_query_on_the_fixture(project, users, fixture):
    f = fixture
    state = TEXT_ONE.index("the state helped")
    spec = QuerySpec("and", f["finance"].pk, f["support"].pk)
    result, passages = _run(project, users["lead"], spec)
    assert passages == [("One", state, state + 16), ("Two", 40, 50)]
    assert result.total == 2 and result.source_count == 2
    assert result.passages[0].text == "the state helped"
    assert result.passages[0].link == (
        reverse("coding:workspace", args=[project.pk, f["one"].pk]) + f"#pos={state}-{state + 16}"
    )


def test_or_query_with_subcodes(project, users, fixture):
    f = fixture
    state = TEXT_ONE.index("the state helped")
    tax = TEXT_ONE.index("tax relief")
    spec = QuerySpec("or", f["support"].pk, f["partners"].pk, include_subcodes=True)
    _result, passages = _run(project, users["lead"], spec)
    trusted = TEXT_ONE.index("Our Chinese")
    assert passages == [
        ("One", state, state + 16),
        ("One", tax, tax + 10),
        ("One", trusted, trusted + 31),
        ("Two", 40, 80),
        ("Two", 150, 160),
    ]


def test_not_query(project, users, fixture):
    f = fixture
    funding = TEXT_ONE.index("Funding")
    state = TEXT_ONE.index("the state helped")
    _result, passages = _run(
        project, users["lead"], QuerySpec("not", f["finance"].pk, f["support"].pk)
    )
    assert passages == [("One", funding, state), ("Two", 10, 40)]


def test_near_query_within_characters(project, users, fixture):
    f = fixture
    funding = TEXT_ONE.index("Funding")
    trusted = TEXT_ONE.index("Our Chinese")
    state_end = TEXT_ONE.index("the state helped") + 16
    gap = trusted - state_end
    spec = QuerySpec("near", f["finance"].pk, f["partners"].pk, distance=gap)
    _result, passages = _run(project, users["lead"], spec)
    assert passages == [("One", funding, trusted + 31)]
    spec.distance = gap - 1
    _result, passages = _run(project, users["lead"], spec)
    assert passages == []
    spec.distance = 100
    _result, passages = _run(project, users["lead"], spec)
    assert passages == [("One", funding, trusted + 31), ("Two", 10, 160)]


def test_near_query_in_the_same_turn(project, users, fixture):
    f = fixture
    funding = TEXT_ONE.index("Funding")
    end = TEXT_ONE.index("tax relief") + 10
    spec = QuerySpec("turn", f["finance"].pk, f["support"].pk, include_subcodes=True)
    _result, passages = _run(project, users["lead"], spec)
    # Source Two has no turns; in One the Finance and Support/Tax codings share one turn.
    assert passages == [("One", funding, end)]
    spec = QuerySpec("turn", f["finance"].pk, f["partners"].pk)
    assert _run(project, users["lead"], spec)[1] == []


def test_queries_filter_by_attribute(project, users, fixture):
    f = fixture
    spec = QuerySpec(
        "and", f["finance"].pk, f["support"].pk, filters={"attributes": {"country": "china"}}
    )
    assert _run(project, users["lead"], spec)[1] == [("Two", 40, 50)]


def test_blinded_coders_query_only_their_own_codings(project, users, fixture):
    project.blinded_coding = True
    project.save()
    f = fixture
    spec = QuerySpec("or", f["support"].pk, f["support"].pk, include_subcodes=True)
    state = TEXT_ONE.index("the state helped")
    assert _run(project, users["coder"], spec)[1] == [("One", state, state + 16), ("Two", 40, 80)]
    assert len(_run(project, users["lead"], spec)[1]) == 3


def test_a_query_naming_a_code_of_another_project_is_refused(
    project, users, fixture, other_project
):
    foreign = Code.objects.get(project=other_project)
    spec = QuerySpec("and", fixture["finance"].pk, foreign.pk)
    with pytest.raises(ValidationError, match="another project"):
        _run(project, users["lead"], spec)


def test_the_query_page_refuses_a_foreign_code_and_saves_nothing(
    project, fixture, other_project, client_for
):
    foreign = Code.objects.get(project=other_project)
    response = client_for("lead").post(
        reverse("coding:query", args=[project.pk]),
        {"operator": "and", "code_a": fixture["finance"].pk, "code_b": foreign.pk, "name": "Mine"},
    )
    assert response.status_code == 200
    assert "Code B belongs to another project." in response.content.decode()
    assert SavedQuery.objects.count() == 0


def test_the_query_page_shows_counts_and_passages(project, fixture, client_for):
    response = client_for("viewer").get(
        reverse("coding:query", args=[project.pk]),
        {"operator": "and", "code_a": fixture["finance"].pk, "code_b": fixture["support"].pk},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "2 passages in 2 sources" in body
    assert "the state helped" in body


def test_a_saved_query_runs_again_with_new_codings(project, users, fixture, client_for):
    f = fixture
    client = client_for("coder")
    response = client.post(
        reverse("coding:query", args=[project.pk]),
        {"operator": "and", "code_a": f["finance"].pk, "code_b": f["support"].pk, "name": "F&S"},
    )
    saved = SavedQuery.objects.get(project=project, name="F&S")
    assert response.status_code == 302
    assert saved.definition["operator"] == "and"
    Coding.objects.create(
        source=f["two"], code=f["finance"], coder=users["lead"], start=100, end=120
    )
    Coding.objects.create(
        source=f["two"], code=f["support"], coder=users["lead"], start=110, end=130
    )
    page = client.get(reverse("coding:saved_query", args=[project.pk, saved.pk]))
    assert "3 passages in 2 sources" in page.content.decode()


def test_viewers_cannot_save_queries(project, fixture, client_for):
    f = fixture
    response = client_for("viewer").post(
        reverse("coding:query", args=[project.pk]),
        {"operator": "and", "code_a": f["finance"].pk, "code_b": f["support"].pk, "name": "X"},
    )
    assert response.status_code == 403
    assert SavedQuery.objects.count() == 0


def test_saved_queries_are_deleted_by_their_author_or_a_lead(project, users, fixture, client_for):
    f = fixture
    saved = SavedQuery.objects.create(
        project=project,
        name="Mine",
        created_by=users["lead"],
        definition=QuerySpec("and", f["finance"].pk, f["support"].pk).as_json(),
    )
    url = reverse("coding:saved_query_delete", args=[project.pk, saved.pk])
    assert client_for("coder").post(url).status_code == 403
    assert client_for("lead").post(url).status_code == 302
    assert not SavedQuery.objects.exists()


def test_a_saved_name_is_unique_with_a_clear_message(project, users, fixture, client_for):
    f = fixture
    data = {"operator": "or", "code_a": f["finance"].pk, "code_b": f["support"].pk, "name": "Q"}
    client = client_for("coder")
    client.post(reverse("coding:query", args=[project.pk]), data)
    response = client.post(reverse("coding:query", args=[project.pk]), data)
    assert "A saved query is already called “Q”." in response.content.decode()
    assert SavedQuery.objects.count() == 1


def test_query_results_export_as_csv_and_xlsx(project, fixture, client_for):
    import csv
    import io

    from openpyxl import load_workbook

    f = fixture
    params = {"operator": "not", "code_a": f["finance"].pk, "code_b": f["support"].pk}
    url = reverse("coding:query", args=[project.pk])
    response = client_for("viewer").get(url, {**params, "export": "csv"})
    provenance, body = response.content.decode("utf-8-sig").split("\n", 1)
    assert provenance.startswith(f"# Project “{project.name}” · coding query (NOT) · 2 passages")
    assert "text as coders read it" in provenance
    rows = list(csv.reader(io.StringIO(body)))
    funding = TEXT_ONE.index("Funding")
    state = TEXT_ONE.index("the state helped")
    assert rows == [
        ["source", "start", "end", "passage"],
        ["One", str(funding), str(state), TEXT_ONE[funding:state]],
        ["Two", "10", "40", "x" * 30],
    ]
    response = client_for("viewer").get(url, {**params, "export": "xlsx"})
    assert load_workbook(io.BytesIO(response.content)).active.max_row == 3


def test_a_coder_is_offered_delete_only_for_their_own_saved_queries(
    project, users, fixture, client_for
):
    f = fixture
    definition = QuerySpec("and", f["finance"].pk, f["support"].pk).as_json()
    leads = SavedQuery.objects.create(
        project=project, name="Lead's", created_by=users["lead"], definition=definition
    )
    own = SavedQuery.objects.create(
        project=project, name="Coder's", created_by=users["coder"], definition=definition
    )
    page = client_for("coder").get(reverse("coding:query", args=[project.pk])).content.decode()
    assert reverse("coding:saved_query_delete", args=[project.pk, own.pk]) in page
    assert reverse("coding:saved_query_delete", args=[project.pk, leads.pk]) not in page
    lead_page = client_for("lead").get(reverse("coding:query", args=[project.pk]))
    assert reverse("coding:saved_query_delete", args=[project.pk, own.pk]) in (
        lead_page.content.decode()
    )
