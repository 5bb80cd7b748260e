"""Report pages: roles, drill-down, saved reports, matrix summaries, exemplars, bad input."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from lxml import html as lxml_html

from coding.models import Coding
from reports.models import Exemplar, MatrixSummary, SavedReport

KINDS = ["swot", "framework", "frequencies", "cooccurrence", "theme"]


def _url(study, name, *args):
    return reverse(f"reports:{name}", args=[study.project.pk, *args])


@pytest.mark.parametrize("role", ["admin", "lead", "coder", "viewer"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_member_reads_every_report(client_for, study, role, kind):
    response = client_for(role).get(_url(study, "report", kind))
    assert response.status_code == 200
    assert b"Real Name" not in response.content
    assert b"No money at all" not in response.content


def test_outsiders_get_not_found(client_for, study):
    client = client_for("outsider")
    assert client.get(_url(study, "index")).status_code == 404
    assert client.get(_url(study, "report", "swot")).status_code == 404
    assert client.get(_url(study, "export", "swot", "csv")).status_code == 404
    assert client.get(_url(study, "passages")).status_code == 404


def test_unknown_report_or_format_is_not_found(client_for, study):
    client = client_for("lead")
    assert client.get(_url(study, "report", "nonsense")).status_code == 404
    assert client.get(_url(study, "export", "swot", "pdf")).status_code == 404


def test_bad_parameters_give_a_message_not_an_error(client_for, study):
    response = client_for("lead").get(
        _url(study, "report", "frequencies") + "?by=Shoe+size&code=abc&code=99999&quotes=x&f_zzz=1"
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is no attribute called “Shoe size”." in text
    assert "“abc” is not a code." in text
    assert "There is no code 99999 in this project." in text


def test_the_page_links_each_number_to_its_passages(client_for, study):
    client = client_for("lead")
    response = client.get(_url(study, "report", "swot") + "?by=country")
    page = lxml_html.fromstring(response.content)
    heritage = page.xpath('//table[@data-table="swot"]//tr[td[2]="Heritage"]')[0]
    link = heritage.xpath("td[3]/a")[0]
    assert link.text_content() == "1"  # Belarus · passages: g and h are one
    query = parse_qs(urlsplit(link.get("href")).query)
    assert query["d_code"] == [str(study.codes["Heritage"].pk)]
    assert query["d_dim"] == ["country"] and query["d_val"] == ["Belarus"]
    passages = client.get(link.get("href"))
    items = lxml_html.fromstring(passages.content).xpath("//li[@data-coding]")
    assert len(items) == 1
    g = study.codings["g"]
    workspace = reverse("coding:workspace", args=[study.project.pk, g.source_id])
    assert f'href="{workspace}#pos={g.start}-{g.end}"' in passages.content.decode()


def test_viewers_passages_link_to_the_read_only_coding_page(client_for, study):
    client = client_for("viewer")
    response = client.get(_url(study, "passages") + f"?d_code={study.codes['Threats'].pk}")
    e = study.codings["e"]
    place = reverse("coding:workspace", args=[study.project.pk, e.source_id])
    assert f'href="{place}#pos={e.start}-{e.end}"' in response.content.decode()
    assert client.get(place).status_code == 200
    assert b"Mark as exemplar" not in response.content


def test_a_blinded_coder_sees_only_their_own_codings(client_for, study):
    study.project.blinded_coding = True
    study.project.save()
    response = client_for("coder").get(_url(study, "report", "frequencies"))
    rows = {row[0]: row[1:] for row in response.context["report"].tables[0].rows}
    assert rows["All codes"][0] == 9  # without the lead's f and h
    assert "only those of coder" in response.context["report"].provenance
    lead = client_for("lead").get(_url(study, "report", "frequencies"))
    assert {r[0]: r[1:] for r in lead.context["report"].tables[0].rows}["All codes"][0] == 10
    per_coder = client_for("lead").get(_url(study, "report", "frequencies") + "?count=coder")
    assert {r[0]: r[1:] for r in per_coder.context["report"].tables[0].rows}["All codes"][0] == 11


def test_the_coder_filter_offers_consensus_only_when_it_exists(client_for, study):
    client = client_for("lead")
    before = client.get(_url(study, "report", "frequencies")).content.decode()
    assert "Consensus only (none yet)" in before
    consensus = get_user_model().objects.create_user(username="consensus")
    a = study.codings["a"]
    Coding.objects.create(source=a.source, code=a.code, coder=consensus, start=a.start, end=a.end)
    response = client.get(_url(study, "report", "frequencies"))
    assert b"Consensus only (none yet)" not in response.content
    only = client.get(_url(study, "report", "frequencies") + "?coder=consensus")
    rows = {r[0]: r[1:] for r in only.context["report"].tables[0].rows}
    assert rows["All codes"][0] == 1
    assert rows["Strengths/Heritage"][0] == 1


def test_attribute_filters_on_the_page(client_for, study):
    response = client_for("lead").get(_url(study, "report", "frequencies") + "?f_country=China")
    rows = {r[0]: r[1:] for r in response.context["report"].tables[0].rows}
    assert rows["All codes"][:3] == [5, 100.0, 1]
    assert "Country = China" in response.context["report"].provenance


def test_a_lead_saves_a_report_and_a_viewer_reruns_it(client_for, study, users):
    query = "?by=country&f_country=China&f_country=Belarus"
    response = client_for("lead").post(
        _url(study, "saved_save") + query, {"kind": "swot", "name": "China vs Belarus"}
    )
    saved = SavedReport.objects.get(project=study.project)
    assert response.status_code == 302
    assert saved.kind == "swot" and saved.created_by == users["lead"]
    assert saved.params["by"] == ["country"]
    assert saved.params["f_country"] == ["China", "Belarus"]
    viewer = client_for("viewer")
    assert saved.name.encode() in viewer.get(_url(study, "index")).content
    page = viewer.get(saved.get_absolute_url(), follow=True)
    rows = {tuple(r[:2]): r[2:] for r in page.context["report"].table("swot").rows}
    assert rows[("Strengths", "Heritage")] == [1, 1, 1, 1, 1, 1]


def test_viewers_and_coders_cannot_save_or_delete_reports(client_for, study):
    for role in ("viewer", "coder"):
        response = client_for(role).post(_url(study, "saved_save"), {"kind": "swot", "name": "X"})
        assert response.status_code == 403
    assert not SavedReport.objects.exists()
    saved = SavedReport.objects.create(project=study.project, name="Keep", kind="theme")
    assert client_for("viewer").post(_url(study, "saved_delete", saved.pk)).status_code == 403
    assert SavedReport.objects.filter(pk=saved.pk).exists()
    assert client_for("lead").post(_url(study, "saved_delete", saved.pk)).status_code == 302
    assert not SavedReport.objects.filter(pk=saved.pk).exists()


def test_saving_without_a_name_stores_nothing(client_for, study):
    response = client_for("lead").post(
        _url(study, "saved_save"), {"kind": "swot", "name": "  "}, follow=True
    )
    assert "Give the report a name." in response.content.decode()
    assert not SavedReport.objects.exists()


def test_a_lead_writes_a_matrix_summary_that_every_format_shows(client_for, study):
    key = f"attr{study.case_study.pk}"
    strengths = study.codes["Strengths"].pk
    response = client_for("lead").post(
        _url(study, "summary_save"),
        {"rows": key, "row_key": "Going Out", "code": strengths, "text": "The state pays."},
    )
    assert response.status_code == 302
    summary = MatrixSummary.objects.get()
    assert (summary.rows, summary.row_key, summary.code_id, summary.text) == (
        key,
        "Going Out",
        strengths,
        "The state pays.",
    )
    query = f"?rows={key}&code={strengths}"
    page = client_for("viewer").get(_url(study, "report", "framework") + query)
    assert b"The state pays." in page.content
    csv_body = client_for("viewer").get(
        _url(study, "export", "framework", "csv") + query + "&table=summaries"
    )
    assert "Going Out,The state pays." in csv_body.content.decode()


def test_the_matrix_opens_one_summary_form_on_demand(client_for, study):
    key = f"attr{study.case_study.pk}"
    strengths, weaknesses = study.codes["Strengths"].pk, study.codes["Weaknesses"].pk
    client = client_for("lead")
    url = _url(study, "report", "framework") + f"?rows={key}&code={strengths}&code={weaknesses}"
    page = lxml_html.fromstring(client.get(url).content)
    cells = page.xpath("//table[contains(@class, 'framework')]/tbody/tr/td")
    links = page.xpath("//a[contains(@class, 'summary-edit')]")
    assert len(cells) > 2 and len(links) == len(cells)
    assert not page.xpath("//form[@id='summary-form']")
    going_out = next(
        a
        for a in links
        if "edit_row=Going%20Out" in a.get("href") and f"={weaknesses}#" in a.get("href")
    )
    opened = lxml_html.fromstring(client.get(going_out.get("href")).content)
    forms = opened.xpath("//form[@id='summary-form']")
    assert len(forms) == 1
    fields = {i.get("name"): i.get("value") for i in forms[0].xpath(".//input")}
    assert (fields["rows"], fields["row_key"], fields["code"]) == (
        key,
        "Going Out",
        str(weaknesses),
    )
    fields["text"] = "Loans are scarce."
    response = client.post(forms[0].get("action"), fields)
    assert response.status_code == 302 and "edit_row" not in response["Location"]
    assert MatrixSummary.objects.get(row_key="Going Out", code_id=weaknesses).text == (
        "Loans are scarce."
    )
    after = lxml_html.fromstring(client.get(response["Location"]).content)
    assert "Loans are scarce." in after.text_content()
    assert "Edit summary" in [
        a.text_content() for a in after.xpath("//a[contains(@class, 'summary-edit')]")
    ]
    viewer = client_for("viewer").get(going_out.get("href")).content
    assert b"summary-edit" not in viewer and b'id="summary-form"' not in viewer


def test_viewers_cannot_write_summaries_or_mark_exemplars(client_for, study):
    strengths = study.codes["Strengths"].pk
    response = client_for("viewer").post(
        _url(study, "summary_save"),
        {"rows": "interviewee", "row_key": "1", "code": strengths, "text": "x"},
    )
    assert response.status_code == 403
    assert not MatrixSummary.objects.exists()
    a = study.codings["a"]
    assert client_for("viewer").post(_url(study, "exemplar_toggle", a.pk)).status_code == 403
    assert client_for("coder").post(_url(study, "exemplar_toggle", a.pk)).status_code == 403
    assert not Exemplar.objects.exists()


def test_a_lead_marks_exemplars_for_the_theme_report(client_for, study):
    client = client_for("lead")
    a = study.codings["a"]
    assert client.post(_url(study, "exemplar_toggle", a.pk)).status_code == 302
    assert Exemplar.objects.filter(coding=a).exists()
    heritage = study.codes["Heritage"].pk
    page = client.get(_url(study, "report", "theme") + f"?code={heritage}&exemplars=1")
    quotes = page.context["report"].table("quotes").rows
    assert [q[1] for q in quotes] == ["Our crafts are old."]
    client.post(_url(study, "exemplar_toggle", a.pk))
    assert not Exemplar.objects.exists()


def test_exemplars_of_another_project_cannot_be_marked(client_for, study, other_project):
    from coding.models import Code

    source = other_project.sources.get()
    code = Code.objects.get(project=other_project)
    stranger = get_user_model().objects.get(username="stranger")
    theirs = Coding.objects.create(source=source, code=code, coder=stranger, start=0, end=5)
    assert client_for("lead").post(_url(study, "exemplar_toggle", theirs.pk)).status_code == 404


def test_the_report_page_needs_the_same_queries_however_many_codings(
    client_for, study, users, django_assert_num_queries
):
    client = client_for("lead")
    url = _url(study, "report", "swot") + "?by=country"
    client.get(url)  # warm caches (session, content types)
    # 26: one counts the interviewees left out for withdrawn consent, one reads the
    # recordings of the quoted sources; the session and its member are one.
    with django_assert_num_queries(26) as captured:
        client.get(url)
    s2 = study.sources["S2"]
    for offset in range(0, 30, 3):
        Coding.objects.create(
            source=s2,
            code=study.codes["Market"],
            coder=users["admin"],
            start=offset,
            end=offset + 2,
        )
    with django_assert_num_queries(len(captured)):
        client.get(url)


def test_long_tables_are_cut_on_the_page_but_not_in_exports(client_for, study, monkeypatch):
    from reports import views

    monkeypatch.setattr(views, "PAGE_ROWS", 2)
    client = client_for("lead")
    page = client.get(_url(study, "report", "cooccurrence"))
    total = len(page.context["report"].table("pairs").rows)
    assert total > 2
    assert f"The page shows the first 2 of {total} rows" in page.content.decode()
    body = client.get(_url(study, "export", "cooccurrence", "csv") + "?table=pairs").content
    assert len(body.decode().strip().splitlines()) == total + 2  # provenance, header, rows


def _by_class(tree, name: str) -> list:
    return tree.xpath(f'.//*[contains(concat(" ", normalize-space(@class), " "), " {name} ")]')


def test_the_theme_page_shows_the_first_quotes_of_each_code_and_links_to_all(client_for, study):
    client = client_for("lead")
    heritage = study.codes["Heritage"]
    assert client.post(_url(study, "exemplar_toggle", study.codings["a"].pk)).status_code == 302
    page = client.get(_url(study, "report", "theme") + f"?code={heritage.pk}&quotes=1")
    tree = lxml_html.fromstring(page.content)
    section = tree.xpath(f'//section[@data-code="{heritage.full_path}"]')[0]
    counts = _by_class(section, "theme-counts")[0].text_content()
    assert "Passages: 2" in counts and "Sources: 2" in counts and "Interviewees: 2" in counts
    quotes = [q.text_content() for q in _by_class(section, "theme-quote")]
    # the exemplar comes first, though "Embroidery is alive." comes first in reading order
    assert quotes == ["“Our crafts are old.” exemplar"]
    more = _by_class(section, "theme-more")[0]
    assert "Showing 1 of 2 quotes." in more.text_content()
    link = more.xpath(".//a")[0]
    assert link.text_content() == "Show all 2 passages"
    listed = client.get(link.get("href"))
    assert len(lxml_html.fromstring(listed.content).xpath("//li[@data-coding]")) == 2
    note = _by_class(tree, "theme-note")[0].text_content()
    assert "Up to 1 quote per code" in note
    # the data exports list every quote; the counts are the same
    body = client.get(
        _url(study, "export", "theme", "csv") + f"?code={heritage.pk}&quotes=1&table=quotes"
    ).content.decode()
    assert len(body.strip().splitlines()) == 2 + 2


def test_the_passages_behind_a_number_come_a_page_at_a_time(client_for, study, monkeypatch):
    from reports import views

    monkeypatch.setattr(views, "PASSAGES_PER_PAGE", 2)
    client = client_for("lead")
    url = _url(study, "passages") + f"?d_code={study.codes['Heritage'].pk}&count=coder"
    first = lxml_html.fromstring(client.get(url).content)
    assert "3 codings · showing 1–2" in first.text_content()
    ids = [li.get("data-coding") for li in first.xpath("//li[@data-coding]")]
    assert len(ids) == 2
    assert "Page 1 of 2" in first.text_content()
    following = _by_class(first, "pagination")[0].xpath(".//a")[0]
    assert following.text_content() == "Next"
    second = lxml_html.fromstring(client.get(following.get("href")).content)
    more = [li.get("data-coding") for li in second.xpath("//li[@data-coding]")]
    assert len(more) == 1 and more[0] not in ids
    assert client.get(url + "&page=abc").status_code == 200  # a bad page number shows page 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_project_without_codings_gives_empty_reports_not_errors(client_for, project, kind):
    client = client_for("lead")
    page = client.get(reverse("reports:report", args=[project.pk, kind]))
    assert page.status_code == 200
    for fmt in ("csv", "xlsx", "docx", "html"):
        response = client.get(reverse("reports:export", args=[project.pk, kind, fmt]))
        assert response.status_code == 200
    passages = client.get(reverse("reports:passages", args=[project.pk]) + "?d_code=abc&d_dim=zz")
    assert passages.status_code == 200
    assert b"No passages." in passages.content


@pytest.mark.parametrize("kind", KINDS)
def test_a_codebook_without_codings_gives_zero_counts(client_for, project, code, source, kind):
    client = client_for("lead")
    page = client.get(reverse("reports:report", args=[project.pk, kind]) + "?by=country")
    assert page.status_code == 200
    for fmt in ("csv", "xlsx", "docx", "html"):
        response = client.get(reverse("reports:export", args=[project.pk, kind, fmt]))
        assert response.status_code == 200


def _many_sources(study, count: int) -> None:
    """`count` sources more, "Doc 000" on, each with one coding of Strengths by the coder."""
    from interviews.models import Source

    sources = Source.objects.bulk_create(
        Source(project=study.project, title=f"Doc {i:03d}", text="Strong ties.", word_count=2)
        for i in range(count)
    )
    coder = get_user_model().objects.get(username="coder")
    Coding.objects.bulk_create(
        Coding(source=s, code=study.codes["Strengths"], coder=coder, start=0, end=6)
        for s in sources
    )


def _matrix(client, url):
    page = lxml_html.fromstring(client.get(url).content)
    table = page.xpath("//table[contains(@class, 'framework')]")[0]
    rows = [tr.xpath("string(th)") for tr in table.xpath("tbody/tr")]
    pages = page.xpath("//nav[contains(@class, 'matrix-pages')]")
    return page, rows, pages


def test_a_large_framework_matrix_is_shown_a_page_of_rows_at_a_time(client_for, study):
    _many_sources(study, 120)
    client = client_for("lead")
    base = _url(study, "report", "framework") + "?rows=source"
    everything = client.get(_url(study, "export", "framework", "csv") + "?rows=source").content
    lines = everything.decode().splitlines()
    header = lines.index(next(line for line in lines if line.startswith("Source,")))
    titles = [line.split(",")[0] for line in lines[header + 1 :]]
    assert len(titles) == 123 and titles[:2] == ["Doc 000", "Doc 001"]

    page, rows, pages = _matrix(client, base)
    assert rows == titles[:50]
    # Above and below the table, each its own landmark's name.
    assert [nav.get("aria-label") for nav in pages] == [
        "Pages of the matrix",
        "Pages of the matrix, below it",
    ]
    assert " ".join(pages[0].xpath("string(span)").split()) == (
        "Rows 1–50 of 123; the exports carry them all."
    )
    numbers = [li.text_content() for li in pages[0].xpath(".//li")]
    assert numbers == ["1", "2", "3"]
    assert pages[0].xpath(".//li[@aria-current='page']")[0].text_content() == "1"
    third = pages[0].xpath(".//a[text()='3']")[0].get("href")
    assert parse_qs(urlsplit(third).query) == {"rows": ["source"], "page": ["3"]}

    page, rows, pages = _matrix(client, third)
    assert rows == titles[100:]
    assert "Rows 101–123 of 123" in pages[0].text_content()
    # Not a page, or beyond the last: the nearest page, never an error.
    assert _matrix(client, base + "&page=abc")[1] == titles[:50]
    assert _matrix(client, base + "&page=0")[1] == titles[:50]
    assert _matrix(client, base + "&page=99999999999999999999")[1] == titles[100:]
    assert _matrix(client, base + "&page=%D9%A3")[1] == titles[:50]  # an Arabic-Indic 3


def test_a_matrix_cell_without_codings_links_to_no_passages(client_for, study):
    _many_sources(study, 1)
    page, rows, _ = _matrix(client_for("lead"), _url(study, "report", "framework") + "?rows=source")
    doc = page.xpath("//table[contains(@class, 'framework')]/tbody/tr[th='Doc 000']")[0]
    strengths, weaknesses = doc.xpath("td")[:2]
    link = strengths.xpath("div/a")[0]
    assert link.text_content() == "1"
    drill = parse_qs(urlsplit(link.get("href")).query)
    assert drill["d_code"] == [str(study.codes["Strengths"].pk)] and drill["d_dim"] == ["source"]
    assert weaknesses.xpath("string(div)") == "0" and not weaknesses.xpath("div/a")


def test_a_summary_written_on_a_later_page_of_the_matrix_goes_back_to_that_page(client_for, study):
    _many_sources(study, 60)
    client = client_for("lead")
    second = _url(study, "report", "framework") + "?rows=source&page=2"
    page, rows, _ = _matrix(client, second)
    assert rows[0] == "Doc 050"
    edit = page.xpath("//tbody/tr[th='Doc 050']/td[1]/a[contains(@class, 'summary-edit')]")[0]
    assert parse_qs(urlsplit(edit.get("href")).query)["page"] == ["2"]
    opened = lxml_html.fromstring(client.get(edit.get("href")).content)
    form = opened.xpath("//form[@id='summary-form']")[0]
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    fields["text"] = "Ties are strong."
    response = client.post(form.get("action"), fields)
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query) == {"rows": ["source"], "page": ["2"]}
    summary = MatrixSummary.objects.get()
    assert (summary.rows, summary.row_key, summary.text) == (
        "source",
        fields["row_key"],
        "Ties are strong.",
    )
    assert summary.code_id == study.codes["Strengths"].pk
    after = client.get(response["Location"]).content.decode()
    assert "Ties are strong." in after


def test_a_framework_matrix_of_more_rows_than_a_table_shows_opens(client_for, study):
    from reports.views import PAGE_ROWS

    _many_sources(study, PAGE_ROWS + 10)
    url = _url(study, "report", "framework") + "?rows=source&page=11"
    _, rows, pages = _matrix(client_for("lead"), url)
    assert rows[:2] == ["Doc 500", "Doc 501"]
    assert "Rows 501–513 of 513" in pages[0].text_content()


def test_page_numbers_name_the_first_the_last_and_those_near():
    from reports.views import _page_numbers

    assert _page_numbers(1, 1) == [1]
    assert _page_numbers(1, 3) == [1, 2, 3]
    assert _page_numbers(8, 20) == [1, 0, 6, 7, 8, 9, 10, 0, 20]
    assert _page_numbers(4, 7) == [1, 2, 3, 4, 5, 6, 7]
    assert _page_numbers(20, 20) == [1, 0, 18, 19, 20]


def test_a_swot_page_says_when_its_quadrants_show_part_of_the_table(client_for, study, monkeypatch):
    client = client_for("lead")
    url = _url(study, "report", "swot")
    whole = lxml_html.fromstring(client.get(url).content)
    rows = len(whole.xpath("//div[contains(@class, 'swot')]//tbody/tr"))
    assert rows > 3 and not whole.xpath("//p[contains(@class, 'alert-secondary')]")
    monkeypatch.setattr("reports.views.PAGE_ROWS", 3)
    part = lxml_html.fromstring(client.get(url).content)
    assert len(part.xpath("//div[contains(@class, 'swot')]//tbody/tr")) == 3
    notes = [p.text_content() for p in part.xpath("//p[contains(@class, 'alert-secondary')]")]
    assert notes[0] == (
        f"The quadrants show the first 3 of the SWOT table's {rows} rows; the exports carry them all."
    )


def test_matrix_rows_of_one_title_show_each_its_own_quotes(client_for, study):
    from interviews.models import Source

    coder = get_user_model().objects.get(username="coder")
    twins = {}
    for text in ("Ties are strong.", "Loans are cheap."):
        twin = Source.objects.create(project=study.project, title="Twin", text=text, word_count=3)
        Coding.objects.create(
            source=twin, code=study.codes["Strengths"], coder=coder, start=0, end=len(text)
        )
        twins[f"Twin (source {twin.pk})"] = text
    client = client_for("lead")
    page, rows, _ = _matrix(client, _url(study, "report", "framework") + "?rows=source")
    assert [row for row in rows if row.startswith("Twin")] == sorted(twins)
    for label, text in twins.items():
        tr = page.xpath(f"//table[contains(@class, 'framework')]/tbody/tr[th='{label}']")[0]
        quotes = [q.text_content().split("”")[0] for q in tr.xpath("td[1]//blockquote")]
        assert quotes == [f"“{text}"]
    exported = client.get(
        _url(study, "export", "framework", "csv") + "?rows=source&table=quotes"
    ).content.decode()
    for label, text in twins.items():
        assert f"{label},Strengths,{text}," in exported
