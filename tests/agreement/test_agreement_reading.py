"""The agreement page without surprises: viewers read it, a negative kappa beside a high
percent agreement is explained."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from agreement.models import AgreementResolution
from coding.models import Coding
from interviews.models import SegmentKind
from tests.agreement import test_agreement_views
from tests.agreement.test_agreement_views import _settings

pair = test_agreement_views.pair  # two coders, anna and boris: the same fixture


@pytest.fixture
def paradox(source, code, pair):
    """Five sentences someone coded: both coders on three, each alone on one. On these coded
    units they agree on 3 of 5 (60 %), yet each applied the code to 4 of 5, so chance
    agreement is 0.8 × 0.8 + 0.2 × 0.2 = 0.68 and kappa = (0.6 − 0.68) / 0.32 = −0.25."""
    anna, boris = pair
    sentences = list(
        source.segments.filter(kind=SegmentKind.SENTENCE)
        .order_by("start")
        .values_list("start", "end")
    )
    assert len(sentences) >= 5
    who = [(anna, boris), (anna, boris), (anna, boris), (anna,), (boris,)]
    for (start, end), coders in zip(sentences, who, strict=False):
        for coder in coders:
            Coding.objects.create(source=source, code=code, coder=coder, start=start, end=end)
    return source


def _row(html: str, label: str) -> list[str]:
    row = re.search(rf'<tr data-code="{label}">(.*?)</tr>', html, re.S).group(1)
    return re.findall(r'<td class="text-end">(.*?)</td>', row, re.S)


def test_a_negative_kappa_beside_high_agreement_is_explained(
    client_for, project, paradox, code, pair
):
    response = client_for("lead").get(
        reverse("agreement:figures", args=[project.pk]),
        _settings(paradox, code, pair, unit="sentence"),
    )
    html = response.content.decode()
    cells = _row(html, "Weaknesses/Financing")
    assert cells[4:7] == ["5", "60.0 %", "-0.250"]
    note = re.search(
        r'<tr class="kappa-note" data-note-for="Weaknesses/Financing"><td></td><td[^>]*>(.*?)</td></tr>',
        html,
        re.S,
    ).group(1)
    assert note.startswith("κ is below zero although the coders agree on 60.0 % of these units:")
    assert "κ counts only agreement beyond chance" in note


def test_no_explanation_where_kappa_is_not_negative(client_for, project, source, code, pair):
    anna, boris = pair
    start = source.text.index("Money was always short")
    for coder in pair:
        Coding.objects.create(source=source, code=code, coder=coder, start=start, end=start + 22)
    html = (
        client_for("lead")
        .get(reverse("agreement:figures", args=[project.pk]), _settings(source, code, pair))
        .content.decode()
    )
    assert "kappa-note" not in html


def test_a_viewer_reads_the_agreement_page_and_the_review_without_changing_anything(
    client_for, project, paradox, code, pair
):
    viewer = client_for("viewer")
    query = _settings(paradox, code, pair, unit="sentence")
    page = viewer.get(reverse("agreement:figures", args=[project.pk]), query)
    assert page.status_code == 200
    assert _row(page.content.decode(), "Weaknesses/Financing")[5] == "60.0 %"
    export = viewer.get(reverse("agreement:export", args=[project.pk, "csv"]), query)
    assert export.status_code == 200
    review = viewer.get(reverse("agreement:review", args=[project.pk]), query)
    assert review.status_code == 200
    body = review.content.decode()
    assert "Keep both" not in body and "Store consensus" not in body
    assert "agreement_resolve" not in body and "/agreement/resolve/" not in body
    refused = viewer.post(
        reverse("agreement:resolve", args=[project.pk]),
        {"source": paradox.pk, "start": 0, "end": 10, "decision": "both"},
    )
    assert refused.status_code == 403
    assert not AgreementResolution.objects.exists()
    # The lead still gets the forms.
    lead = client_for("lead").get(reverse("agreement:review", args=[project.pk]), query)
    assert "Keep both" in lead.content.decode()


def test_in_a_blinded_project_viewers_and_coders_do_not_see_agreement(client_for, project):
    project.blinded_coding = True
    project.save()
    for role in ("viewer", "coder"):
        response = client_for(role).get(reverse("agreement:figures", args=[project.pk]))
        assert response.status_code == 403
    assert (
        client_for("lead").get(reverse("agreement:figures", args=[project.pk])).status_code == 200
    )
