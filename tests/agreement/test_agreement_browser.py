"""Li Na's journey in a browser: the demo coders' agreement, then settling a disagreement."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from agreement.models import AgreementResolution
from agreement.services import CONSENSUS_USERNAME
from coding.models import Coding

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_the_lead_reads_agreement_and_settles_a_disagreement(live_server, page):
    call_command("load_demo", stdout=io.StringIO())
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "lina")
    page.fill("input[name=password]", "parley-demo")
    page.click("button[type=submit]")
    page.get_by_role("link", name="China–Belarus cultural industries (demo)").first.click()
    page.get_by_role("link", name="Agreement").click()

    table = page.locator("#agreement-table")
    header = table.locator("thead").inner_text()
    assert "Percent agreement" in header and "Cohen's κ" in header and "Krippendorff's α" in header
    financing = table.locator('tr[data-code="Weaknesses/Financing"] td')
    assert financing.count() == 8
    assert "%" in financing.nth(1).inner_text()
    assert financing.nth(2).inner_text().replace("-", "").replace(".", "").isdigit()

    page.get_by_role("link", name="Review disagreements").click()
    first = page.locator('[data-testid="disagreement"]').first
    first.get_by_role("button", name="Accept artem's version").click()
    assert "consensus coding" in page.locator(".alert-success").inner_text()
    page.wait_for_load_state("networkidle")
    assert AgreementResolution.objects.count() == 1
    resolution = AgreementResolution.objects.get()
    assert resolution.accepted_coder.username == "artem"
    artem = set(
        Coding.objects.filter(
            source=resolution.source,
            coder__username="artem",
            start__lt=resolution.end,
            end__gt=resolution.start,
        ).values_list("code_id", "start", "end")
    )
    consensus = set(
        Coding.objects.filter(coder__username=CONSENSUS_USERNAME).values_list(
            "code_id", "start", "end"
        )
    )
    assert consensus == artem
