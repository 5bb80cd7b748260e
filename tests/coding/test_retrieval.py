"""Code retrieval: passages with context, people, coder and memo, filtered and exported."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from coding.models import Code, Coding, Memo
from coding.retrieval import context_around, retrieval_codings, retrieval_passages
from interviews.access import access_for
from interviews.models import Attribute, AttributeValue, Interviewee, Source

TEXT_BY = "Funding was short in Minsk. The ministry helped a little. Partners from Harbin came."
TEXT_CN = "In Harbin the state fund paid for everything. Nobody complained about money."


@pytest.fixture
def study(project, users):
    kind = Attribute.objects.create(project=project, name="Organisation type")
    by = Interviewee.objects.create(
        project=project,
        pseudonym="BY-01",
        real_name="Secret Person",
        country="Belarus",
        sector="Film",
    )
    cn = Interviewee.objects.create(
        project=project, pseudonym="CN-01", country="China", sector="TV"
    )
    AttributeValue.objects.create(attribute=kind, interviewee=by, value="State")
    AttributeValue.objects.create(attribute=kind, interviewee=cn, value="Private")
    s_by = Source.objects.create(project=project, title="Interview BY", text=TEXT_BY)
    s_by.interviewees.add(by)
    s_cn = Source.objects.create(project=project, title="Interview CN", text=TEXT_CN)
    s_cn.interviewees.add(cn)
    finance = Code.objects.create(project=project, name="Finance")
    state = Code.objects.create(project=project, name="State support", parent=finance)
    other = Code.objects.create(project=project, name="Partners")

    def code(source, code, phrase, who):
        start = source.text.index(phrase)
        return Coding.objects.create(
            source=source, code=code, coder=who, start=start, end=start + len(phrase)
        )

    c1 = code(s_by, finance, "Funding was short", users["coder"])
    c2 = code(s_by, state, "The ministry helped a little", users["lead"])
    c3 = code(s_cn, state, "the state fund paid for everything", users["coder"])
    code(s_by, other, "Partners from Harbin", users["coder"])
    Memo.objects.create(project=project, author=users["coder"], coding=c1, text="Typical complaint")
    return {
        "kind": kind,
        "finance": finance,
        "state": state,
        "s_by": s_by,
        "s_cn": s_cn,
        "c1": c1,
        "c2": c2,
        "c3": c3,
    }


def _retrieve(project, user, code, **kwargs):
    access = access_for(user, project)
    codings = retrieval_codings(access=access, code=code, **kwargs)
    return retrieval_passages(codings, project=project)


def test_a_code_alone(project, users, study):
    passages = _retrieve(project, users["lead"], study["finance"])
    assert [(p.source_title, p.text, p.coder) for p in passages] == [
        ("Interview BY", "Funding was short", "coder")
    ]
    p = passages[0]
    assert (p.before, p.after) == (
        "",
        " in Minsk. The ministry helped a little. Partners from Harbin came.",
    )
    assert p.interviewees == "BY-01"
    assert p.attributes == {
        "country": "Belarus",
        "sector": "Film",
        "organisation": "",
        "role": "",
        f"attr:{study['kind'].pk}": "State",
    }
    assert p.memo == "Typical complaint"
    assert p.code_path == "Finance"
    assert p.link == reverse("coding:workspace", args=[project.pk, study["s_by"].pk]) + "#pos=0-17"


def test_a_code_with_its_sub_codes(project, users, study):
    passages = _retrieve(project, users["lead"], study["finance"], include_subcodes=True)
    assert [(p.source_title, p.start, p.end, p.code_path) for p in passages] == [
        ("Interview BY", 0, 17, "Finance"),
        ("Interview BY", 28, 56, "Finance/State support"),
        ("Interview CN", 10, 44, "Finance/State support"),
    ]


def test_each_passage_links_to_its_own_source_and_shows_its_own_people(project, users, study):
    passages = _retrieve(project, users["lead"], study["finance"], include_subcodes=True)
    by = reverse("coding:workspace", args=[project.pk, study["s_by"].pk])
    cn = reverse("coding:workspace", args=[project.pk, study["s_cn"].pk])
    assert [(p.link, p.interviewees, p.attribute_text, p.time) for p in passages] == [
        (
            f"{by}#pos=0-17",
            "BY-01",
            "Country: Belarus; Sector: Film; Organisation type: State",
            None,
        ),
        (
            f"{by}#pos=28-56",
            "BY-01",
            "Country: Belarus; Sector: Film; Organisation type: State",
            None,
        ),
        (
            f"{cn}#pos=10-44",
            "CN-01",
            "Country: China; Sector: TV; Organisation type: Private",
            None,
        ),
    ]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"attributes": {"country": "belarus"}}, [0, 28]),
        ({"attributes": {"country": "China"}}, [10]),
        ({"attributes": {"sector": "Film", "country": "China"}}, []),
        ({"attributes": {"attr:KIND": "private"}}, [10]),
        ({"coders": ["LEAD"]}, [28]),
        ({"sources": ["CN"]}, [10]),
    ],
)
def test_filters(project, users, study, filters, expected):
    filters = dict(filters)
    if "attributes" in filters:
        filters["attributes"] = {
            k.replace("KIND", str(study["kind"].pk)): v for k, v in filters["attributes"].items()
        }
    if filters.get("coders"):
        filters["coders"] = [users["lead"].pk]
    if filters.get("sources"):
        filters["sources"] = [study["s_cn"].pk]
    passages = _retrieve(
        project, users["lead"], study["finance"], include_subcodes=True, filters=filters
    )
    assert [p.start for p in passages] == expected


def test_date_filter_uses_the_day_of_coding(project, users, study):
    Coding.objects.filter(pk=study["c3"].pk).update(
        created_at=timezone.make_aware(datetime.datetime(2024, 5, 1, 12))
    )
    filters = {"date_to": "2024-12-31"}
    passages = _retrieve(project, users["lead"], study["state"], filters=filters)
    assert [p.start for p in passages] == [10]
    passages = _retrieve(
        project, users["lead"], study["state"], filters={"date_from": "2025-01-01"}
    )
    assert [p.start for p in passages] == [28]


def test_blinded_coders_retrieve_only_their_own(project, users, study):
    project.blinded_coding = True
    project.save()
    passages = _retrieve(project, users["coder"], study["state"])
    assert [p.coder for p in passages] == ["coder"]
    assert len(_retrieve(project, users["lead"], study["state"])) == 2


def test_context_is_cut_at_word_boundaries():
    text = "alpha beta gamma delta epsilon zeta"
    start = text.index("delta")
    assert context_around(text, start, start + 5, 8) == ("…gamma ", " epsilon…")


def test_the_page_shows_pseudonyms_never_real_names(project, study, client_for):
    response = client_for("admin").get(
        reverse("coding:retrieval", args=[project.pk]),
        {
            "code": study["finance"].pk,
            "subcodes": "1",
            "attr_key": "country",
            "attr_value": "Belarus",
        },
    )
    body = response.content.decode()
    assert "2 passages" in body
    assert "BY-01" in body and "Secret Person" not in body
    assert "Typical complaint" in body


def test_csv_export(project, study, client_for):
    response = client_for("viewer").get(
        reverse("coding:retrieval", args=[project.pk]),
        {"code": study["finance"].pk, "subcodes": "1", "export": "csv"},
    )
    provenance, body = response.content.decode("utf-8-sig").split("\n", 1)
    assert provenance.startswith(f"# Project “{project.name}” · retrieval of “")
    assert " with its sub-codes · 3 passages · text as coders read it · generated " in provenance
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["source"], r["passage"], r["interviewees"], r["Country"]) for r in rows] == [
        ("Interview BY", "Funding was short", "BY-01", "Belarus"),
        ("Interview BY", "The ministry helped a little", "BY-01", "Belarus"),
        ("Interview CN", "the state fund paid for everything", "CN-01", "China"),
    ]
    assert rows[0]["memo"] == "Typical complaint"
    assert rows[0]["Organisation type"] == "State"


def test_xlsx_export(project, study, client_for):
    response = client_for("viewer").get(
        reverse("coding:retrieval", args=[project.pk]),
        {"code": study["state"].pk, "export": "xlsx"},
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert len(rows) == 3
    assert rows[1][header.index("passage")] == "The ministry helped a little"
    assert rows[2][header.index("coder")] == "coder"


def test_xlsx_export_keeps_text_that_looks_like_a_formula_as_that_text(project, users, client_for):
    """The passage a user reads in the cell is the passage: no apostrophe, no formula."""
    text = '=HYPERLINK("http://x","y") she typed. -5 % came. @all left. 观众 и 🎬.'
    source = Source.objects.create(project=project, title="-Interview @CN", text=text)
    code = Code.objects.create(project=project, name='=HYPERLINK("x","y")')
    quotes = ['=HYPERLINK("http://x","y")', "-5 % came.", "@all left.", "观众 и 🎬."]
    for quote in quotes:
        start = text.index(quote)
        Coding.objects.create(
            source=source, code=code, coder=users["coder"], start=start, end=start + len(quote)
        )
    response = client_for("viewer").get(
        reverse("coding:retrieval", args=[project.pk]), {"code": code.pk, "export": "xlsx"}
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Passages", "About"]
    assert book["About"]["B1"].value.startswith(f"Project “{project.name}” · retrieval of")
    sheet = book["Passages"]
    header = [c.value for c in sheet[1]]
    assert all(c.font.b for c in sheet[1]) and sheet.freeze_panes == "A2"
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert [(r["passage"].value, r["passage"].data_type) for r in rows] == [
        (quote, "s") for quote in quotes
    ]
    assert [(r["start"].value, r["start"].data_type) for r in rows] == [
        (text.index(quote), "n") for quote in quotes
    ]
    assert {(r["code"].value, r["code"].data_type) for r in rows} == {('=HYPERLINK("x","y")', "s")}
    assert {(r["source"].value, r["source"].data_type) for r in rows} == {("-Interview @CN", "s")}
    assert rows[0]["context before"].value is None


def test_a_code_of_another_project_is_not_retrieved(project, study, client_for, other_project):
    foreign = Code.objects.get(project=other_project)
    response = client_for("lead").get(
        reverse("coding:retrieval", args=[project.pk]), {"code": foreign.pk}
    )
    assert "Choose a code of this project." in response.content.decode()


def test_a_bad_date_filter_is_explained(project, study, client_for):
    response = client_for("lead").get(
        reverse("coding:retrieval", args=[project.pk]),
        {"code": study["state"].pk, "date_from": "yesterday"},
    )
    assert "From: “yesterday” is not a date" in response.content.decode()


def test_outsiders_cannot_retrieve(project, study, client_for):
    response = client_for("outsider").get(
        reverse("coding:retrieval", args=[project.pk]), {"code": study["state"].pk}
    )
    assert response.status_code == 404


def test_the_page_queries_do_not_grow_with_the_passages(project, users, study, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("lead")
    url = reverse("coding:retrieval", args=[project.pk])
    params = {"code": study["finance"].pk, "subcodes": "1"}
    with CaptureQueriesContext(connection) as few:
        client.get(url, params)
    for i in range(10):
        source = Source.objects.create(project=project, title=f"More {i}", text="word " * 30)
        Coding.objects.create(
            source=source, code=study["state"], coder=users["coder"], start=0, end=4
        )
        Memo.objects.create(project=project, author=users["coder"], source=source, text="x")
    with CaptureQueriesContext(connection) as many:
        body = client.get(url, params).content.decode()
    assert "13 passages" in body
    assert len(many.captured_queries) == len(few.captured_queries)


def test_export_of_a_code_with_a_non_latin_name_is_still_a_named_download(
    project, study, client_for
):
    """The header must stay a plain 'attachment' with an RFC 6266 filename*, not MIME-encoded."""
    study["finance"].name = "Финансы 资金"
    study["finance"].save()
    response = client_for("viewer").get(
        reverse("coding:retrieval", args=[project.pk]),
        {"code": study["finance"].pk, "export": "csv"},
    )
    header = response["Content-Disposition"]
    assert header.startswith("attachment; ")
    assert "filename*=utf-8''retrieval-%D0%A4%D0%B8%D0%BD%D0%B0%D0%BD%D1%81%D1%8B" in header


def test_export_of_a_code_whose_name_holds_a_line_break_downloads(project, study, client_for):
    """An imported code name may hold control characters; the download header must not."""
    Code.objects.filter(pk=study["finance"].pk).update(name="Money\r\nmatters\t")
    response = client_for("viewer").get(
        reverse("coding:retrieval", args=[project.pk]),
        {"code": study["finance"].pk, "export": "csv"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="retrieval-Money matters.csv"'


def test_a_withdrawn_interviewees_words_leave_retrieval_and_queries(client_for, project, users):
    """Consent withdrawn: the person's passages disappear from analysis until an admin decides."""
    from coding.queries import QuerySpec, query_run
    from interviews.access import Access
    from interviews.models import Interviewee
    from interviews.services import source_create

    code = Code.objects.create(project=project, name="Money")
    other = Code.objects.create(project=project, name="Trust")
    person = Interviewee.objects.create(project=project, pseudonym="BY-09")
    source = source_create(
        project=project, title="Withdrawn", text="Money and trust.", interviewees=[person]
    )
    Coding.objects.create(source=source, code=code, coder=users["coder"], start=0, end=5)
    Coding.objects.create(source=source, code=other, coder=users["coder"], start=0, end=16)
    access = Access(project=project, role="lead", user=users["lead"])
    spec = QuerySpec(operator="and", code_a=code.pk, code_b=other.pk)
    assert retrieval_codings(access=access, code=code).count() == 1
    assert query_run(access=access, spec=spec).total == 1

    person.consent_status = "withdrawn"
    person.save()
    assert retrieval_codings(access=access, code=code).count() == 0
    assert query_run(access=access, spec=spec).total == 0
    assert Coding.objects.filter(source=source).count() == 2  # nothing is deleted
