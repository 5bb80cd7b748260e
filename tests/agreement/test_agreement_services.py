"""Agreement figures from the database, and settling disagreements into consensus codings."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from django.core.exceptions import ValidationError
from sklearn.metrics import cohen_kappa_score

from agreement.models import AgreementResolution
from agreement.services import (
    CONSENSUS_USERNAME,
    agreement_report,
    consensus_user,
    disagreement_resolve,
    disagreements,
)
from coding.models import Change, Code, Coding
from interviews.models import Membership, Role, Segment, Source

SENTENCES = ["Money was short.", "Banks said no.", "We borrowed abroad.", "It worked out."]
TEXT = " ".join(SENTENCES)


def _spans() -> list[tuple[int, int]]:
    spans, position = [], 0
    for sentence in SENTENCES:
        start = TEXT.index(sentence, position)
        spans.append((start, start + len(sentence)))
        position = start + len(sentence)
    return spans


@pytest.fixture
def coders(project, make_user):
    anna, boris = make_user("anna"), make_user("boris")
    for user in (anna, boris):
        Membership.objects.create(project=project, user=user, role=Role.CODER)
    return anna, boris


@pytest.fixture
def study(project, coders):
    """One source of four sentences; anna codes Financing on 1–2, boris on 2–3."""
    anna, boris = coders
    source = Source.objects.create(project=project, title="Four sentences", text=TEXT)
    spans = _spans()
    Segment.objects.bulk_create(
        Segment(source=source, kind="sentence", start=s, end=e) for s, e in spans
    )
    financing = Code.objects.create(project=project, name="Financing")
    other = Code.objects.create(project=project, name="Trust")
    for user, indices in ((anna, (0, 1)), (boris, (1, 2))):
        for index in indices:
            Coding.objects.create(
                source=source,
                code=financing,
                coder=user,
                start=spans[index][0],
                end=spans[index][1],
            )
    # A partial coding by anna of Trust inside sentence 4 only (boris never uses Trust).
    Coding.objects.create(
        source=source, code=other, coder=anna, start=spans[3][0], end=spans[3][0] + 2
    )
    return source, financing, other


def _report(project, study, coders, **settings):
    source, financing, other = study
    defaults = {"unit": "sentence", "min_overlap": 90, "seen": "coded"}
    defaults.update(settings)
    return agreement_report(
        project=project,
        sources=settings.pop("sources", [source]),
        coders=list(coders),
        codes=[financing, other],
        **{k: v for k, v in defaults.items() if k != "sources"},
    )


def _alpha(rows) -> float:
    data = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    return krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")


def test_figures_per_code_with_and_without_uncoded_units(project, study, coders):
    report = _report(project, study, coders)
    financing = report.rows[0]
    anna, boris = [1, 1, 0, 0], [0, 1, 1, 0]
    assert financing.all_units.units == 4
    assert financing.all_units.percent.value == pytest.approx(0.5)
    assert financing.all_units.kappa.value == pytest.approx(cohen_kappa_score(anna, boris))
    assert financing.all_units.alpha.value == pytest.approx(_alpha([anna, boris]))
    # Without the fourth sentence, which nobody coded with Financing.
    assert financing.coded_units.units == 3
    assert financing.coded_units.percent.value == pytest.approx(1 / 3)
    assert financing.coded_units.alpha.value == pytest.approx(_alpha([anna[:3], boris[:3]]))


def test_the_overall_row_pools_every_unit_and_code(project, study, coders):
    report = _report(project, study, coders)
    anna = [1, 1, 0, 0] + [0, 0, 0, 1]
    boris = [0, 1, 1, 0] + [0, 0, 0, 0]
    assert report.overall.all_units.units == 8
    assert report.overall.all_units.kappa.value == pytest.approx(cohen_kappa_score(anna, boris))
    assert report.overall.all_units.alpha.value == pytest.approx(_alpha([anna, boris]))
    assert report.overall.coded_units.units == 4


def test_an_undefined_figure_is_explained_not_shown_as_a_number(project, study, coders):
    source, financing, _other = study
    unused = Code.objects.create(project=project, name="Unused")
    report = agreement_report(
        project=project,
        sources=[source],
        coders=list(coders),
        codes=[financing, unused],
        unit="sentence",
    )
    row = report.rows[1]
    assert row.all_units.percent.value == 1.0
    assert row.all_units.kappa.value is None and row.all_units.alpha.value is None
    assert row.coded_units.units == 0 and row.coded_units.percent.value is None
    assert any(
        note.startswith("Every value given is the same category") and "Unused" in note
        for note in report.notes
    )
    assert any(
        note.startswith("No unit is left to compare") and "Unused" in note for note in report.notes
    )


def test_sources_without_sentences_fall_back_to_paragraphs(project, study, coders):
    source, financing, _other = study
    plain = Source.objects.create(project=project, title="No sentences", text="One.\n\nTwo.")
    Segment.objects.create(source=plain, kind="paragraph", start=0, end=4)
    Segment.objects.create(source=plain, kind="paragraph", start=6, end=10)
    for user in coders:
        Coding.objects.create(source=plain, code=financing, coder=user, start=0, end=2)
    report = _report(project, study, coders, sources=[source, plain])
    assert [(s.title, used) for s, used in report.fallbacks] == [("No sentences", "paragraph")]
    assert report.rows[0].all_units.units == 6


def test_a_source_one_coder_never_opened_is_missing_for_them(project, study, coders):
    _source, financing, _other = study
    anna, boris = coders
    extra = Source.objects.create(project=project, title="Only anna", text="Alpha. Beta.")
    Segment.objects.create(source=extra, kind="sentence", start=0, end=6)
    Segment.objects.create(source=extra, kind="sentence", start=7, end=12)
    Coding.objects.create(source=extra, code=financing, coder=anna, start=0, end=6)
    report = _report(project, study, coders, sources=[study[0], extra])
    assert [(s.title, c.username) for s, c in report.unseen] == [("Only anna", "boris")]
    assert report.rows[0].all_units.units == 6
    assert report.rows[0].all_units.pairable == 4
    everyone = _report(project, study, coders, sources=[study[0], extra], seen="all")
    assert everyone.unseen == [] and everyone.rows[0].all_units.pairable == 6


def test_character_units_count_characters(project, study, coders):
    report = _report(project, study, coders, unit="character")
    spans = _spans()
    financing = report.rows[0]
    assert financing.all_units.units == len(TEXT)
    both = spans[1][1] - spans[1][0]
    either = both + (spans[0][1] - spans[0][0]) + (spans[2][1] - spans[2][0])
    assert financing.coded_units.units == either
    assert financing.coded_units.percent.value == pytest.approx(both / either)


def test_segment_overlap_between_the_two_coders(project, study, coders):
    report = _report(project, study, coders)
    (pair,) = report.overlaps
    _code, tally = pair.rows[0]
    assert (tally.first_total, tally.first_matched, tally.second_total, tally.second_matched) == (
        2,
        1,
        2,
        1,
    )
    assert pair.total.total == 5  # plus anna's Trust coding, unmatched


def test_disagreements_list_units_where_code_sets_differ(project, study, coders):
    source, financing, other = study
    found = disagreements(
        project=project,
        sources=[source],
        coders=list(coders),
        codes=[financing, other],
        unit="sentence",
    )
    assert [(v.start, v.end) for _s, v in found] == [_spans()[0], _spans()[2], _spans()[3]]


def test_accepting_one_version_copies_it_to_the_consensus_coder(project, study, coders, users):
    source, financing, other = study
    anna, boris = coders
    start, end = _spans()[0]
    resolution = disagreement_resolve(
        project=project,
        source=source,
        unit="sentence",
        start=start,
        end=end,
        decision="accept",
        accepted_coder=anna,
        lead=users["lead"],
        coders=[anna, boris],
        codes=[financing, other],
    )
    consensus = consensus_user()
    assert consensus.username == CONSENSUS_USERNAME
    assert not consensus.is_active and not consensus.has_usable_password()
    stored = list(Coding.objects.filter(coder=consensus).values_list("code__name", "start", "end"))
    assert stored == [("Financing", start, end)]
    assert resolution.decision == "accept" and resolution.accepted_coder == anna
    change = Change.objects.get(object_guid=Coding.objects.get(coder=consensus).guid)
    assert change.user == users["lead"] and change.after["coder"] == CONSENSUS_USERNAME


def test_keeping_both_copies_every_coders_codings_of_the_unit(project, study, coders, users):
    source, financing, other = study
    start, end = _spans()[1]
    disagreement_resolve(
        project=project,
        source=source,
        unit="sentence",
        start=start,
        end=end,
        decision="both",
        lead=users["lead"],
        coders=list(coders),
        codes=[financing, other],
    )
    # Both coded sentence 2 with Financing on the same span: one consensus coding.
    assert Coding.objects.filter(coder__username=CONSENSUS_USERNAME).count() == 1


def test_a_written_consensus_codes_the_chosen_passage(project, study, coders, users):
    source, financing, other = study
    start, end = _spans()[2]
    disagree = disagreement_resolve(
        project=project,
        source=source,
        unit="sentence",
        start=start,
        end=end,
        decision="consensus",
        lead=users["lead"],
        coders=list(coders),
        codes=[financing],
        consensus_codes=[financing, other],
        passage="borrowed abroad",
    )
    offset = TEXT.index("borrowed abroad")
    assert sorted(disagree.codings.values_list("code__name", "start", "end")) == [
        ("Financing", offset, offset + 15),
        ("Trust", offset, offset + 15),
    ]


def test_deciding_again_replaces_the_earlier_consensus(project, study, coders, users):
    source, financing, other = study
    anna, boris = coders
    start, end = _spans()[0]
    common = {
        "project": project,
        "source": source,
        "unit": "sentence",
        "start": start,
        "end": end,
        "lead": users["lead"],
        "coders": [anna, boris],
        "codes": [financing, other],
    }
    disagreement_resolve(decision="accept", accepted_coder=anna, **common)
    disagreement_resolve(decision="accept", accepted_coder=boris, **common)
    assert AgreementResolution.objects.count() == 1
    assert not Coding.objects.filter(coder__username=CONSENSUS_USERNAME).exists()
    assert Change.objects.filter(action="delete", user=users["lead"]).count() == 1


def test_a_passage_not_in_the_unit_stores_nothing(project, study, coders, users):
    source, financing, _other = study
    start, end = _spans()[0]
    with pytest.raises(ValidationError, match="not found"):
        disagreement_resolve(
            project=project,
            source=source,
            unit="sentence",
            start=start,
            end=end,
            decision="consensus",
            lead=users["lead"],
            coders=list(coders),
            codes=[financing],
            consensus_codes=[financing],
            passage="Banks said no.",
        )
    assert not AgreementResolution.objects.exists()
    assert not Coding.objects.filter(coder__username=CONSENSUS_USERNAME).exists()


def test_a_real_account_called_consensus_is_not_taken_over(make_user):
    make_user(CONSENSUS_USERNAME)
    with pytest.raises(ValidationError, match="Rename that account"):
        consensus_user()


def test_three_coders_get_alpha_and_a_reason_for_no_kappa(project, study, coders, make_user):
    source, financing, other = study
    carl = make_user("carl")
    spans = _spans()
    Coding.objects.create(
        source=source, code=financing, coder=carl, start=spans[1][0], end=spans[1][1]
    )
    report = agreement_report(
        project=project,
        sources=[source],
        coders=[*coders, carl],
        codes=[financing, other],
        unit="sentence",
    )
    row = report.rows[0].all_units
    assert row.kappa.value is None and "exactly two coders; 3 are selected" in row.kappa.note
    expected = _alpha([[1, 1, 0, 0], [0, 1, 1, 0], [0, 1, 0, 0]])
    assert row.alpha.value == pytest.approx(expected)
    assert row.percent.value == pytest.approx(2 / 4)
    assert [(p.first.username, p.second.username) for p in report.overlaps] == [
        ("anna", "boris"),
        ("anna", "carl"),
        ("boris", "carl"),
    ]


def test_character_units_use_the_text_length_even_without_stored_code_points(
    project, source, code, users
):
    from agreement.services import _load
    from interviews.models import SourceCodePoints

    expected = _load([source], [users["coder"], users["lead"]], "character")[1]
    SourceCodePoints.objects.filter(source=source).delete()
    assert _load([source], [users["coder"], users["lead"]], "character")[1] == expected
    assert expected == {source.pk: len(source.text)}
