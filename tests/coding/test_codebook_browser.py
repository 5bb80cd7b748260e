"""In the browser: a lead merges one code into another and then finds the passages."""

from __future__ import annotations

import pytest

from coding.models import Code, Coding


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_lead_merges_codes_and_retrieves_the_passages(live_server, page, project, users, source):
    funding = Code.objects.create(project=project, name="Funding")
    money = Code.objects.create(project=project, name="Money")
    start = source.text.index("Money was always short")
    Coding.objects.create(
        source=source, code=funding, coder=users["coder"], start=start, end=start + 22
    )
    Coding.objects.create(
        source=source, code=money, coder=users["coder"], start=start, end=start + 22
    )
    Coding.objects.create(source=source, code=funding, coder=users["lead"], start=0, end=11)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "lead")
    page.fill("input[name=password]", "pw-for-tests-123")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/projects/{project.pk}/codebook/")
    page.click("a.code-name:text('Funding')")
    page.select_option("select[name=into]", label="Money")
    page.click("button:text('Merge')")
    # A confirmation first, saying what will move; nothing has moved yet.
    assert "2 codings by 2 coders move to “Money”; 1 of them is an exact duplicate" in (
        page.inner_text("[data-testid=merge-impact]")
    )
    assert Code.objects.filter(name="Funding").exists()
    page.click("button:text('Merge')")
    assert (
        "Merged “Funding” into “Money”: 1 coding moved, 1 exact duplicate joined."
        in page.inner_text("main")
    )
    assert Coding.objects.filter(code=money).count() == 2
    assert not Code.objects.filter(name="Funding").exists()

    page.click("a:text('Retrieve its 2 codings')")
    assert "2 passages" in page.inner_text("[data-testid=count]")
    assert page.locator("article.passage mark").first.inner_text() == "Interviewer"
