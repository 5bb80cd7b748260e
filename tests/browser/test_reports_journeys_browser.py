"""Reports and journeys in Chromium, at 1400 and 390 px: counts that say what they count,
built-in fields among the attributes, and agreement a viewer reads, negative kappa explained."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from interviews.models import Attribute, AttributeValue, Interviewee
from tests.agreement import test_agreement_reading, test_agreement_views
from tests.browser.test_accessibility import _violations
from tests.reports import conftest as reports_conftest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

study = reports_conftest.study  # a double-coded study: the same fixture
pair = test_agreement_views.pair
paradox = test_agreement_reading.paradox

WIDTHS = [1400, 390]


def sized(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    return page


def cells(page, table, first):
    row = page.locator(f"table[data-table={table}] tr", has=page.locator(f"td:text-is('{first}')"))
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def fits(page, width):
    return page.evaluate("() => document.scrollingElement.scrollWidth") <= width


# 6. Counts that mean one thing --------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_a_report_says_what_it_counts_and_offers_the_choice(page_for, users, study, width):
    page = sized(page_for(users["lead"]), width)
    page.goto(reverse("reports:report", args=[study.project.pk, "frequencies"]))
    provenance = page.get_by_test_id("provenance").inner_text()
    assert "counted: passages, each once" in provenance
    assert "(coders included: coder, lead)" in provenance
    counting = page.locator("form[data-field=counting] button")
    assert counting.all_inner_texts() == [
        "Passages (each counted once)",
        "Per coder (every coding)",
        "Consensus only (none yet)",
    ]
    assert counting.nth(2).is_disabled()  # no consensus coder yet
    assert cells(page, "frequencies", "All codes") == [
        "All codes",
        "10",
        "100.0",
        "3",
        "2",
        "100.0",
    ]
    assert fits(page, width)
    page.get_by_role("button", name="Per coder (every coding)").click()
    page.wait_for_url("**count=coder**")
    provenance = page.get_by_test_id("provenance").inner_text()
    assert "counted: every coding of every coder (coders included: coder, lead)" in provenance
    pressed = page.locator("form[data-field=counting] button[aria-pressed=true]")
    assert pressed.all_inner_texts() == ["Per coder (every coding)"]
    # The coding made twice counts twice; sources and interviewees stay as they were.
    assert cells(page, "frequencies", "All codes") == [
        "All codes",
        "11",
        "100.0",
        "3",
        "2",
        "100.0",
    ]
    assert fits(page, width)
    page.goto(reverse("reports:report", args=[study.project.pk, "framework"]))
    header = page.locator("table.framework thead th").all_inner_texts()
    assert [h.strip() for h in header] == [
        "Interviewee",
        "Strengths",
        "Weaknesses",
        "Opportunities",
        "Threats",
        "Film co-production",
    ]
    assert fits(page, width)
    assert page.errors == []


# 7. Built-in fields are attributes too ------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_the_built_in_fields_are_listed_and_a_duplicate_merges_into_its_field(
    page_for, users, project, width
):
    country = Attribute.objects.create(project=project, name="Country")
    person = Interviewee.objects.create(project=project, pseudonym="BY-01")
    AttributeValue.objects.create(attribute=country, interviewee=person, value="Belarus")
    page = sized(page_for(users["lead"]), width)
    page.goto(reverse("interviews:attribute_list", args=[project.pk]))
    built_in = page.locator("tr[data-builtin]")
    assert [
        n.strip().split("\n")[0] for n in built_in.locator("td:first-child").all_inner_texts()
    ] == [
        "Country",
        "Sector",
        "Organisation",
        "Role",
    ]
    assert built_in.get_by_role("button", name="Delete").count() == 0
    assert built_in.get_by_role("link", name="Edit").count() == 0
    assert fits(page, width)
    # A new attribute named like a built-in field is refused, with the reason.
    page.get_by_role("link", name="New attribute").click()
    page.get_by_label("Name").fill("sector")
    page.get_by_role("button", name="Save", exact=True).click()
    assert (
        "is built into every interviewee: use the"
        in page.locator("form:has(#id_name)").inner_text()
    )
    assert not Attribute.objects.filter(project=project, name__iexact="sector").exists()
    # The old duplicate is offered for merging, with what will happen shown first.
    page.goto(reverse("interviews:attribute_list", args=[project.pk]))
    page.get_by_role("link", name="merge it into Country…").click()
    plan = page.get_by_test_id("field-merge").inner_text()
    assert "1 value copied into Country, where it is empty: BY-01 → “Belarus”." in plan
    assert Attribute.objects.filter(pk=country.pk).exists()
    assert fits(page, width)
    assert _violations(page) == []
    page.get_by_role("button", name="Merge into Country").click()
    page.wait_for_url("**/attributes/")
    assert not Attribute.objects.filter(pk=country.pk).exists()
    person.refresh_from_db()
    assert person.country == "Belarus"
    assert page.errors == []


# 9. Agreement without surprises -------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_a_viewer_reads_agreement_with_a_negative_kappa_explained(
    page_for, users, project, paradox, code, pair, width
):
    query = urlencode(
        test_agreement_views._settings(paradox, code, pair, unit="sentence"), doseq=True
    )
    page = sized(page_for(users["viewer"]), width)
    page.goto(reverse("agreement:figures", args=[project.pk]) + "?" + query)
    row = page.locator('tr[data-code="Weaknesses/Financing"] td')
    assert row.nth(5).inner_text() == "60.0 %" and row.nth(6).inner_text() == "-0.250"
    note = page.locator('tr.kappa-note[data-note-for="Weaknesses/Financing"]')
    assert note.is_visible()
    assert (
        note.inner_text()
        .strip()
        .startswith("κ is below zero although the coders agree on 60.0 % of these units:")
    )
    # The note is the row under the figure it explains.
    assert note.bounding_box()["y"] >= row.nth(6).bounding_box()["y"]
    assert fits(page, width)
    page.get_by_role("link", name="Review disagreements").click()
    page.wait_for_selector("[data-testid=disagreement]")
    assert page.get_by_role("button", name="Keep both").count() == 0
    assert page.locator("form[method=post] button", has_text="consensus").count() == 0
    assert fits(page, width)
    assert page.errors == []
