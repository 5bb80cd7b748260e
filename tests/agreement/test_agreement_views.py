"""The agreement page, its exports and the disagreement review, as leads and others see them."""

from __future__ import annotations

import csv
import io
import re
import warnings

import krippendorff
import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook
from sklearn.metrics import cohen_kappa_score

from agreement.exports import HEADER, OVERLAP_HEADER
from agreement.models import AgreementResolution
from agreement.services import CONSENSUS_USERNAME
from coding.models import Code, Coding
from interviews.models import Membership, Project, Role, Segment, Source


@pytest.fixture
def pair(project, make_user):
    """Two coders with codings on the fixture source: they agree on one passage, not another."""
    anna, boris = make_user("anna"), make_user("boris")
    for user in (anna, boris):
        Membership.objects.create(project=project, user=user, role=Role.CODER)
    return anna, boris


@pytest.fixture
def coded(source, code, pair):
    anna, boris = pair
    start = source.text.index("Money was always short")
    Coding.objects.create(source=source, code=code, coder=anna, start=start, end=start + 22)
    Coding.objects.create(source=source, code=code, coder=boris, start=start, end=start + 22)
    harbin = source.text.index("Audiences in Harbin")
    Coding.objects.create(source=source, code=code, coder=anna, start=harbin, end=harbin + 19)
    return source


def _url(project, name="figures", **query):
    base = reverse(f"agreement:{name}", args=[project.pk])
    return base


def _settings(source, code, coders, unit="turn", **extra):
    return {
        "sources": [source.pk],
        "coders": [c.pk for c in coders],
        "codes": [code.pk],
        "unit": unit,
        "min_overlap": 90,
        "seen": "coded",
        **extra,
    }


@pytest.mark.parametrize(("role", "status"), [("coder", 403), ("outsider", 404)])
def test_only_leads_and_admins_see_agreement(client_for, project, role, status):
    for name in ("figures", "review"):
        assert client_for(role).get(
            reverse(f"agreement:{name}", args=[project.pk])
        ).status_code == (status)
    assert client_for(role).post(reverse("agreement:resolve", args=[project.pk])).status_code == (
        status
    )


def test_the_nav_links_to_agreement_for_leads_only(client_for, project):
    link = reverse("agreement:figures", args=[project.pk])
    assert link in client_for("lead").get(project.get_absolute_url()).content.decode()
    assert link in client_for("admin").get(project.get_absolute_url()).content.decode()
    assert link not in client_for("coder").get(project.get_absolute_url()).content.decode()
    assert link in client_for("viewer").get(project.get_absolute_url()).content.decode()


def test_the_page_shows_figures_and_the_rules(client_for, project, coded, code, pair):
    response = client_for("lead").get(_url(project), _settings(coded, code, pair, unit="turn"))
    html = response.content.decode()
    assert response.status_code == 200
    # Four speaker turns: both coded the first answer, only anna the second.
    row = re.search(r'<tr data-code="Weaknesses/Financing">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="text-end">(.*?)</td>', row, re.S)
    assert cells[0] == "4"  # four speaker turns
    assert cells[1] == "75.0 %"  # they disagree on one of four turns
    assert cells[4] == "2" and cells[5] == "50.0 %"  # coded turns only
    assert (
        "any</em> of that coder&#x27;s codings" in html
        or "any</em> of that coder's codings" in html
    )
    assert "Units no coder coded" in html
    link = re.search(
        r'href="([^"]*/agreement/review/\?[^"]*)" aria-label="Disagreements on Weaknesses/Financing"',
        html,
    )
    assert link and f"codes={code.pk}" in link.group(1)
    assert "Method" in html


def test_a_source_without_sentences_says_it_falls_back(client_for, project, coded, code, pair):
    coded.segments.filter(kind="sentence").delete()
    html = client_for("lead").get(_url(project), _settings(coded, code, pair, unit="sentence"))
    text = html.content.decode()
    assert "1 source has no sentence segments, so its paragraphs are the units" in text
    Segment.objects.create(source=coded, kind="sentence", start=0, end=10)
    text = client_for("lead").get(_url(project), _settings(coded, code, pair, unit="sentence"))
    assert "no sentence segments" not in text.content.decode()


def test_a_single_coder_is_refused_with_a_message(client_for, project, coded, code, pair):
    response = client_for("lead").get(_url(project), _settings(coded, code, pair[:1]))
    assert response.status_code == 400
    assert "Choose at least two coders" in response.content.decode()
    # As a word: the page's random CSRF token may hold the letters "nan".
    assert not re.search(r"\bnan\b", response.content.decode(), re.IGNORECASE)


def test_a_project_nobody_has_coded_asks_for_two_coders(client_for, project, source):
    response = client_for("lead").get(_url(project))
    assert response.status_code == 200
    assert "Choose at least two coders" in response.content.decode()


def test_the_page_makes_as_many_queries_for_many_sources_as_for_one(
    client_for, project, coded, code, pair
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from interviews.services import source_create

    client = client_for("lead")
    settings = _settings(coded, code, pair)
    with CaptureQueriesContext(connection) as one:
        client.get(_url(project), settings)
    extra = [source_create(project=project, title=f"More {n}", text=coded.text) for n in range(4)]
    for source in extra:
        for user in pair:
            Coding.objects.create(source=source, code=code, coder=user, start=0, end=5)
    settings["sources"] = [coded.pk, *(s.pk for s in extra)]
    with CaptureQueriesContext(connection) as five:
        response = client.get(_url(project), settings)
    assert response.status_code == 200
    assert len(five.captured_queries) == len(one.captured_queries)
    # Nor do they read the texts: the measures need the texts' lengths and units.
    texts = [q["sql"] for q in five.captured_queries if '"interviews_source"."text"' in q["sql"]]
    assert texts == []


def test_all_sources_keeps_the_address_short(client_for, project, coded, code, pair):
    extra = Source.objects.create(project=project, title="Second source", text="Words here.")
    settings = _settings(coded, code, pair)
    settings.update(source_scope="all", sources=[])
    response = client_for("lead").get(_url(project), settings)
    html = response.content.decode()
    assert response.status_code == 200
    fallbacks = re.search(r'data-testid="fallbacks">(.*?)</div>', html, re.S).group(1)
    assert extra.title in fallbacks  # it was included, and it has no speaker turns
    export = re.search(r'href="([^"]*export\.csv[^"]*)"', html).group(1)
    assert "source_scope=all" in export and "sources=" not in export.replace("source_scope", "")
    rows = client_for("lead").get(export.replace("&amp;", "&")).content.decode()
    assert "Sources,2: " in rows
    settings.update(source_scope="chosen")
    response = client_for("lead").get(_url(project), settings)
    assert response.status_code == 400
    assert "Tick at least one source, or choose all sources." in response.content.decode()


def test_garbage_settings_are_a_message_not_a_crash(client_for, project):
    response = client_for("lead").get(
        _url(project), {"unit": "word", "min_overlap": "x", "coders": ["abc"], "sources": ["9"]}
    )
    assert response.status_code == 400
    assert "Fix the settings above" in response.content.decode()


def test_undefined_statistics_show_a_reason(client_for, project, coded, code, pair):
    unused = Code.objects.create(project=project, name="Unused")
    settings = _settings(coded, code, pair)
    settings["codes"] = [code.pk, unused.pk]
    html = client_for("lead").get(_url(project), settings).content.decode()
    assert "Every value given is the same category" in html
    # Whole words only: a random CSRF token may contain the letters "NaN".
    assert not re.search(r"\b(NaN|nan)\b", html)


def test_exports_carry_the_method_and_the_same_figures(client_for, project, coded, code, pair):
    settings = _settings(coded, code, pair)
    client = client_for("lead")
    response = client.get(reverse("agreement:export", args=[project.pk, "csv"]), settings)
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # so that Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Parley inter-coder agreement"]
    assert ["Unit of analysis", "Speaker turn"] in rows
    assert any(row[0] == "Method" and "overlaps the unit" in row[1] for row in rows if row)
    table = next(row for row in rows if row and row[0] == "Weaknesses/Financing")
    assert table[1:4] == ["4", "4", "75.0"]
    response = client.get(reverse("agreement:export", args=[project.pk, "xlsx"]), settings)
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Agreement", "Segment overlap", "Method and settings"]
    sheet = book["Agreement"]
    assert sheet["A2"].value == "Weaknesses/Financing" and sheet["D2"].value == 75.0
    assert (
        client.get(reverse("agreement:export", args=[project.pk, "pdf"]), settings).status_code
        == 404
    )


def test_the_xlsx_keeps_code_names_as_text_numbers_as_numbers_and_its_layout(
    client_for, project, coded, code, pair
):
    """A code named like a formula is that text in every sheet, never a live formula."""
    code.parent.name = '=HYPERLINK("x","y")'  # a code name cannot hold "/"
    code.parent.save()
    code.name = "@Финансы 资金"
    code.save()
    path = '=HYPERLINK("x","y")/@Финансы 资金'
    response = client_for("lead").get(
        reverse("agreement:export", args=[project.pk, "xlsx"]),
        _settings(coded, code, pair),
    )
    book = load_workbook(io.BytesIO(response.content))
    table, overlap, method = (book[name] for name in book.sheetnames)
    assert (table["A2"].value, table["A2"].data_type) == (path, "s")
    assert [(c.value, c.data_type) for c in table[2][1:4]] == [(4, "n"), (4, "n"), (75.0, "n")]
    assert [c.value for c in table[1]] == HEADER
    rows = list(overlap.iter_rows(min_row=2, values_only=True))
    assert [row[:3] for row in rows] == [
        ("anna", "boris", path),
        ("anna", "boris", "All selected codes"),
    ]
    assert (overlap["C2"].value, overlap["C2"].data_type) == (path, "s")
    assert [c.value for c in overlap[1]] == OVERLAP_HEADER
    for sheet in (table, overlap):
        assert sheet.freeze_panes == "A2" and sheet.column_dimensions["A"].width == 40
        assert all(c.font.b for c in sheet[1]) and not sheet["A2"].font.b
    assert method["A1"].value == "Parley inter-coder agreement" and method["A1"].font.b
    assert method.freeze_panes is None and method.column_dimensions["B"].width == 120


def test_the_review_shows_each_coders_codes_side_by_side(client_for, project, coded, code, pair):
    response = client_for("lead").get(
        reverse("agreement:review", args=[project.pk]), _settings(coded, code, pair)
    )
    html = response.content.decode()
    assert html.count('data-testid="disagreement"') == 1
    assert "Audiences in Harbin" in html
    assert html.count('<span class="badge text-bg-warning">differs</span>') == 2  # legend + anna
    assert "Accept anna's version" in html and "Keep both" in html


def test_the_lead_settles_a_disagreement_into_consensus(client_for, project, coded, code, pair):
    anna, _boris = pair
    settings = _settings(coded, code, pair)
    query = "&".join(
        f"{key}={v}"
        for key, value in settings.items()
        for v in (value if isinstance(value, list) else [value])
    )
    harbin = coded.text.index("Audiences in Harbin")
    turn = Segment.objects.get(source=coded, kind="turn", start__lte=harbin, end__gt=harbin)
    url = reverse("agreement:resolve", args=[project.pk]) + "?" + query
    client = client_for("lead")
    response = client.post(
        url,
        {
            "source": coded.pk,
            "start": turn.start,
            "end": turn.end,
            "decision": "accept",
            "accepted_coder": anna.pk,
        },
    )
    assert response.status_code == 302
    consensus = Coding.objects.get(coder__username=CONSENSUS_USERNAME)
    assert (consensus.start, consensus.end, consensus.code) == (harbin, harbin + 19, code)
    page = client.get(response["Location"]).content.decode()
    assert "1 consensus coding stored" in page
    assert "Accepted one coder&#x27;s version (anna)" in page
    open_only = client.get(response["Location"] + "&open=1").content.decode()
    assert 'data-testid="disagreement"' not in open_only


def test_a_bad_decision_stores_nothing(client_for, project, coded, code, pair, other_project):
    settings = _settings(coded, code, pair)
    query = "&".join(
        f"{key}={v}"
        for key, value in settings.items()
        for v in (value if isinstance(value, list) else [value])
    )
    url = reverse("agreement:resolve", args=[project.pk]) + "?" + query
    foreign = Source.objects.get(project=other_project)
    client = client_for("lead")
    for data in (
        {"source": foreign.pk, "start": 0, "end": 5, "decision": "both"},
        {"source": coded.pk, "start": 5, "end": 2, "decision": "both"},
        {"source": coded.pk, "start": 0, "end": 5, "decision": "consensus"},
        {"source": coded.pk, "start": 0, "end": 5, "decision": "accept"},
        {"source": "x", "decision": "maybe"},
        {"source": coded.pk, "start": 0, "end": 5, "decision": "consensus"}
        | {"consensus_codes": ["9" * 30]},
        {"source": coded.pk, "start": 0, "end": 5, "decision": "consensus"}
        | {"consensus_codes": ["²"]},
    ):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert "nothing was stored" in response.content.decode().lower()
    assert not AgreementResolution.objects.exists()
    assert not Coding.objects.filter(coder__username=CONSENSUS_USERNAME).exists()


def _expected(project, code, coders, unit="paragraph"):
    """Percent agreement, kappa and alpha computed here by brute force over paragraphs."""
    rows = [[], []]
    for source in project.sources.all():
        codings = list(source.codings.filter(coder__in=coders))
        for segment in source.segments.filter(kind=unit):
            for index, coder in enumerate(coders):
                seen = any(c.coder_id == coder.pk for c in codings)
                hit = any(
                    c.coder_id == coder.pk
                    and c.code_id == code.pk
                    and c.start < segment.end
                    and segment.start < c.end
                    for c in codings
                )
                rows[index].append((1 if hit else 0) if seen else None)
    both = [(a, b) for a, b in zip(*rows, strict=True) if a is not None and b is not None]
    percent = sum(a == b for a, b in both) / len(both)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kappa = cohen_kappa_score([a for a, _ in both], [b for _, b in both])
    data = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    alpha = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    return percent, kappa, alpha, len(rows[0])


@pytest.mark.django_db
def test_the_demo_coders_agreement_is_shown_per_code_with_all_three_statistics(client):
    call_command("load_demo", stdout=io.StringIO())
    project = Project.objects.get()
    users = get_user_model().objects
    client.force_login(users.get(username="lina"))
    artem, dasha = users.get(username="artem"), users.get(username="dasha")
    html = client.get(reverse("agreement:figures", args=[project.pk])).content.decode()
    assert 'id="agreement-table"' in html
    assert "artem" in html and "dasha" in html
    codes = [c for c in Code.objects.filter(project=project).tree_order() if c.codings.exists()]
    settings = {
        "sources": list(project.sources.values_list("pk", flat=True)),
        "coders": [artem.pk, dasha.pk],
        "codes": [c.pk for c in codes],
        "unit": "paragraph",
        "min_overlap": 90,
        "seen": "coded",
    }
    html = client.get(reverse("agreement:figures", args=[project.pk]), settings).content.decode()
    checked = 0
    for code in codes:
        percent, kappa, alpha, units = _expected(project, code, [artem, dasha])
        row = re.search(rf'<tr data-code="{re.escape(code.path)}">(.*?)</tr>', html, re.S).group(1)
        cells = re.findall(r'<td class="text-end">(.*?)</td>', row, re.S)
        assert cells[0] == str(units)
        assert cells[1] == f"{100 * percent:.1f} %"
        if not np.isnan(kappa):
            assert cells[2] == f"{kappa:.3f}"
            assert cells[3] == f"{alpha:.3f}"
            checked += 1
    assert checked >= len(codes) // 2


def test_accepting_a_version_without_codes_says_so(client_for, project, coded, code, pair):
    """Boris did not code the Harbin turn: accepting his version stores nothing, and the
    message says why instead of a bare '0 consensus codings stored'."""
    _anna, boris = pair
    settings = _settings(coded, code, pair)
    query = "&".join(
        f"{key}={v}"
        for key, value in settings.items()
        for v in (value if isinstance(value, list) else [value])
    )
    harbin = coded.text.index("Audiences in Harbin")
    turn = Segment.objects.get(source=coded, kind="turn", start__lte=harbin, end__gt=harbin)
    url = reverse("agreement:resolve", args=[project.pk]) + "?" + query
    response = client_for("lead").post(
        url,
        {
            "source": coded.pk,
            "start": turn.start,
            "end": turn.end,
            "decision": "accept",
            "accepted_coder": boris.pk,
        },
        follow=True,
    )
    body = response.content.decode()
    assert "accepted boris&#x27;s version" in body
    assert "it applies none of the chosen codes here, so no consensus coding was stored" in body
    assert AgreementResolution.objects.count() == 1
    assert not Coding.objects.filter(coder__username=CONSENSUS_USERNAME).exists()
