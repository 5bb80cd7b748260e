"""axe-core on every main page: no violation of impact "serious" or "critical".

axe-core comes inside the `axe-playwright-python` package (its axe.min.js), so nothing is
downloaded when the tests run.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Coding

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEVERE = {"serious", "critical"}


def _violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in SEVERE
    ]


def _pages(project, source, code, users) -> dict[str, str]:
    pk = project.pk
    agreement = (
        f"?sources={source.pk}&coders={users['coder'].pk}&coders={users['lead'].pk}"
        f"&codes={code.pk}&unit=turn&min_overlap=90&seen=coded"
    )
    pages = {
        "dashboard": reverse("interviews:project_detail", args=[pk]),
        "sources": reverse("interviews:source_list", args=[pk]),
        "source": reverse("interviews:source_detail", args=[pk, source.pk]),
        "coding page": reverse("coding:workspace", args=[pk, source.pk]),
        "codebook": reverse("coding:codebook", args=[pk]),
        "code": reverse("coding:code_detail", args=[pk, code.pk]),  # where merging starts
        "code delete": reverse("coding:code_delete", args=[pk, code.pk]),
        "retrieval": reverse("coding:retrieval", args=[pk]) + f"?code={code.pk}",
        "reports": reverse("reports:index", args=[pk]),
        "agreement": reverse("agreement:figures", args=[pk]) + agreement,
        "disagreements": reverse("agreement:review", args=[pk]) + agreement,
        "import": reverse("interviews:source_import", args=[pk]),
        "members": reverse("interviews:member_list", args=[pk]),
        "attributes": reverse("interviews:attribute_list", args=[pk]),
        "interviewees": reverse("interviews:interviewee_list", args=[pk]),
        "search": reverse("coding:search", args=[pk]) + "?q=money",
        "history": reverse("coding:history", args=[pk]),
        "memos": reverse("coding:memo_list", args=[pk]),
        "coding help": reverse("coding:coding_help", args=[pk]),
        "background work": reverse("interviews:job_list", args=[pk]),
        "revisions": reverse("deid:revisions", args=[pk, source.pk]),
        "profile": reverse("api:profile"),
    }
    for kind in ("swot", "framework", "frequencies", "cooccurrence", "theme"):
        pages[f"report {kind}"] = reverse("reports:report", args=[pk, kind])
    pages["report frequencies by country"] = (
        reverse("reports:report", args=[pk, "frequencies"]) + "?by=country"
    )
    pages["passages"] = reverse("reports:passages", args=[pk]) + f"?d_code={code.pk}"
    return pages


@pytest.fixture
def coded(source, code, users):
    text = source.text
    money = text.index("Money was always short")
    for who in ("coder", "lead"):
        Coding.objects.create(
            source=source, code=code, coder=users[who], start=money, end=money + 22
        )
    harbin = text.index("Audiences in Harbin")
    Coding.objects.create(
        source=source, code=code.parent, coder=users["coder"], start=harbin, end=harbin + 19
    )
    return source


@pytest.mark.parametrize("width", [1400, 390])
def test_no_serious_or_critical_violation_on_any_main_page(page_for, users, coded, code, width):
    page = page_for(users["admin"])
    page.set_viewport_size({"width": width, "height": 900})
    found = {}
    for name, url in _pages(coded.project, coded, code, users).items():
        response = page.goto(url)
        assert response.status == 200, name
        if name == "coding page":
            page.wait_for_selector("#workspace[data-ready=true]")
        if name == "source":  # its text drawn, turns and all
            page.wait_for_selector("[data-reading][data-ready=true] .ws-block")
        problems = _violations(page)
        if problems:
            found[name] = problems
    assert found == {}
    assert page.errors == []


@pytest.mark.parametrize("width", [1400, 390])
def test_the_coding_page_with_its_editor_and_tools_open(page_for, users, coded, width):
    page = page_for(users["coder"])
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(reverse("coding:workspace", args=[coded.project_id, coded.pk]))
    page.wait_for_selector("#workspace[data-ready=true]")
    page.get_by_text("Keyboard", exact=True).click()
    assert _violations(page) == []
    # The editor opens in the tools (on a phone, the panel over the text).
    page.locator(".ws-chip").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'ws-edit-code'")
    assert _violations(page) == []
    for tab in ("codings", "codebook"):
        page.locator(f"#ws-tab-{tab}").click()
        assert _violations(page) == [], tab


def test_a_framework_matrix_of_several_pages(page_for, users, coded, monkeypatch):
    from interviews.models import Source

    monkeypatch.setattr("reports.views.MATRIX_ROWS", 1)
    for title in ("Second interview", "Third interview"):
        other = Source.objects.create(project=coded.project, title=title, text=coded.text)
        Coding.objects.create(
            source=other, code=coded.codings.first().code, coder=users["coder"], start=0, end=10
        )
    page = page_for(users["lead"])
    page.goto(
        reverse("reports:report", args=[coded.project_id, "framework"]) + "?rows=source&page=2"
    )
    nav = page.get_by_role("navigation", name="Pages of the matrix").first
    assert nav.inner_text().split()[:5] == ["Rows", "2–2", "of", "3;", "the"]
    assert _violations(page) == []
