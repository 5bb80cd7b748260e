"""Suggestions learned from the team: labelling, held-out figures, blinded coding, review."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from coding.models import Change, Code, Coding
from coding.services import coding_create
from coding.suggestion_models import (
    ModelStatus,
    Suggestion,
    SuggestionModel,
    SuggestionOrigin,
    SuggestionStatus,
)
from coding.suggestion_services import suggestion_accept, suggestion_reject
from coding.suggestions import (
    evaluate,
    model_start,
    model_train,
    sentence_labels,
    split_sources,
    training_corpus,
)
from interviews.access import access_for
from interviews.models import Membership, Role
from interviews.services import source_create

FUNDING = "The state film fund pays for our films."
TRAVEL = "We travel to festivals abroad every spring."
OTHER = "The weather was fine that day."


def test_a_sentence_carries_the_codes_covering_half_of_it():
    sentences = [(0, 10), (10, 20), (20, 30)]
    codings = [(1, 0, 6), (2, 10, 14), (2, 14, 16), (3, 25, 40)]
    assert sentence_labels(sentences, codings) == [
        frozenset({1}),
        frozenset({2}),
        frozenset({3}),
    ]
    assert sentence_labels([(0, 10)], [(1, 0, 4)]) == [frozenset()]


def test_precision_recall_and_f1_per_code():
    gold = [frozenset({1}), frozenset({1}), frozenset(), frozenset({2})]
    scores = [{1: 0.9, 2: 0.1}, {1: 0.2}, {1: 0.7}, {2: 0.8}]
    figures = evaluate(gold, scores, [1, 2, 3])
    assert figures[1]["precision"] == 0.5 and figures[1]["recall"] == 0.5
    assert figures[1]["f1"] == 0.5
    assert (figures[2]["precision"], figures[2]["recall"], figures[2]["f1"]) == (1.0, 1.0, 1.0)
    assert figures[3]["f1"] is None  # never present, never predicted


def test_the_held_out_sources_depend_only_on_the_seed():
    assert split_sources([5, 1, 3, 2, 4], 7) == split_sources([1, 2, 3, 4, 5], 7)
    training, held = split_sources(list(range(1, 11)), 7)
    assert len(held) == 2 and not set(training) & set(held)
    with pytest.raises(ValidationError, match="at least two coded sources"):
        split_sources([1], 7)


@pytest.fixture
def codes(project):
    return {
        "funding": Code.objects.create(project=project, name="Funding"),
        "travel": Code.objects.create(project=project, name="Travel"),
    }


@pytest.fixture
def second_coder(project, make_user):
    user = make_user("coder2")
    Membership.objects.create(project=project, user=user, role=Role.CODER)
    return user


def _corpus(project, codes, coder, *, sources: int = 6, coded: int = 5):
    """Sources of repeated planted sentences; the first `coded` are coded by `coder`."""
    made = []
    for index in range(sources):
        sentences = [FUNDING, TRAVEL, OTHER, f"Interview number {index} ended."] * 3
        text = " ".join(sentences)
        source = source_create(project=project, title=f"S{index}", text=text)
        made.append(source)
        if index >= coded:
            continue
        for sentence, code in ((FUNDING, codes["funding"]), (TRAVEL, codes["travel"])):
            at = -1
            while (at := text.find(sentence, at + 1)) >= 0:
                coding_create(
                    source=source, code=code, coder=coder, start=at, end=at + len(sentence)
                )
    return made


def _train(project, user, **settings):
    settings = {"label_source": "all", "min_f1": 0.5, "min_examples": 3, "seed": 1, **settings}
    model = model_start(project=project, user=user, **settings)
    return model_train(model, epochs=6)


def test_training_measures_each_code_on_held_out_sources_and_suggests(project, codes, users):
    made = _corpus(project, codes, users["coder"])
    model = _train(project, users["lead"])
    assert model.status == ModelStatus.READY
    funding = model.metrics[str(codes["funding"].pk)]
    assert funding["examples"] == 3 * 4  # three a source, four training sources
    assert funding["held_out"] == 3
    assert model.summary["held_out_sources"] and len(model.summary["training_sources"]) == 4
    assert model.trained_on == [users["coder"].pk]
    # The uncoded source gets the planted sentences suggested, nothing else.
    suggested = Suggestion.objects.filter(source=made[-1], origin=SuggestionOrigin.MODEL)
    quotes = {made[-1].text[s.start : s.end] for s in suggested}
    assert quotes == {FUNDING, TRAVEL}
    assert all(s.origin_label == "model v1" and 0.5 <= s.score <= 1 for s in suggested)
    # Sentences already coded are not proposed again.
    assert not Suggestion.objects.filter(source=made[0]).exists()


def test_the_lead_reads_each_codes_figures_before_anything_is_suggested(
    project, codes, users, client_for
):
    from django.urls import reverse
    from lxml import html as lxml_html

    _corpus(project, codes, users["coder"])
    model = _train(project, users["lead"], min_examples=13)  # funding has 12: not suggested
    page = client_for("lead").get(reverse("coding:coding_help", args=[project.pk]))
    rows = lxml_html.fromstring(page.content).xpath("//table[@id='model-figures']/tbody/tr")
    table = {
        row.xpath("td")[0].text_content(): [td.text_content() for td in row.xpath("td")[1:]]
        for row in rows
    }
    funding = model.metrics[str(codes["funding"].pk)]
    assert table["Funding"] == [
        "12",
        "3",
        f"{funding['precision']:.2f}",
        f"{funding['recall']:.2f}",
        f"{funding['f1']:.2f}",
        "no",
    ]
    assert table["Travel"][:2] == ["12", "3"]
    assert "(seed 1)" in page.content.decode()


@pytest.mark.parametrize(
    ("language", "planted", "other"),
    [
        ("ru", "Государство платит за наши фильмы.", "Погода была хорошая."),
        ("zh", "国家资助我们的电影。", "那天天气很好。"),
    ],
)
def test_a_classifier_learns_in_other_languages_from_a_blank_pipeline(
    project, codes, users, language, planted, other
):
    made = []
    for index in range(6):
        text = " ".join([planted, other, f"{index}."] * 3)
        source = source_create(project=project, title=f"S{index}", text=text, language=language)
        made.append(source)
        if index == 5:
            continue
        at = -1
        while (at := text.find(planted, at + 1)) >= 0:
            coding_create(
                source=source,
                code=codes["funding"],
                coder=users["coder"],
                start=at,
                end=at + len(planted),
            )
    model = _train(project, users["lead"])
    assert model.status == ModelStatus.READY, model.error
    assert model.summary["language"] == language
    assert model.metrics[str(codes["funding"].pk)]["examples"] == 12
    suggested = Suggestion.objects.filter(source=made[-1])
    assert {made[-1].text[s.start : s.end] for s in suggested} == {planted}


def test_training_is_deterministic_under_its_seed(project, codes, users):
    _corpus(project, codes, users["coder"], sources=4, coded=4)
    first = _train(project, users["lead"], seed=3)
    second = _train(project, users["lead"], seed=3)
    assert second.version == first.version + 1
    assert first.metrics == second.metrics
    assert first.summary["held_out_sources"] == second.summary["held_out_sources"]


def test_retraining_replaces_pending_model_suggestions_and_keeps_rejections(project, codes, users):
    made = _corpus(project, codes, users["coder"])
    _train(project, users["lead"])
    pending = Suggestion.objects.filter(origin=SuggestionOrigin.MODEL)
    count = pending.count()
    assert count == 6
    rejected = pending.order_by("pk").first()
    suggestion_reject(suggestion=rejected, user=users["lead"])
    model = _train(project, users["lead"])
    assert model.version == 2
    assert Suggestion.objects.filter(source=made[-1]).count() == count  # no duplicates
    assert Suggestion.objects.get(pk=rejected.pk).status == SuggestionStatus.REJECTED
    assert Suggestion.objects.filter(status="pending", model__version=1).count() == 0


def test_too_few_coded_sources_fails_with_a_reason(project, codes, users):
    _corpus(project, codes, users["coder"], sources=2, coded=1)
    model = _train(project, users["lead"])
    assert model.status == ModelStatus.FAILED
    assert "at least two coded sources" in model.error
    assert not Suggestion.objects.exists()


def test_codes_below_the_thresholds_are_never_suggested(project, codes, users):
    _corpus(project, codes, users["coder"])
    model = _train(project, users["lead"], min_examples=100)
    assert model.suggested_code_ids() == []
    assert not Suggestion.objects.visible_to(access_for(users["lead"], project)).exists()


def test_consensus_codings_label_a_source_that_has_them(project, codes, users, make_user):
    made = _corpus(project, codes, users["coder"], sources=2, coded=2)
    consensus = make_user("consensus", is_active=False)
    start = made[0].text.index(OTHER)
    Coding.objects.create(
        source=made[0], code=codes["travel"], coder=consensus, start=start, end=start + len(OTHER)
    )
    corpus = training_corpus(project, "consensus")
    labelled = {u.start: u.labels for u in corpus.units[made[0].pk]}
    assert labelled[start] == {codes["travel"].pk}
    assert labelled[made[0].text.index(FUNDING)] == frozenset()  # the coders' are ignored
    assert {u.text: u.labels for u in corpus.units[made[1].pk]}[FUNDING] == {codes["funding"].pk}
    every = training_corpus(project, "all")
    assert {u.text: u.labels for u in every.units[made[0].pk]}[FUNDING] == {codes["funding"].pk}


def test_blinded_coder_sees_no_suggestion_learned_from_another_coder(
    project, codes, users, second_coder
):
    project.blinded_coding = True
    project.save()
    _corpus(project, codes, users["coder"])
    _train(project, users["lead"])
    assert Suggestion.objects.filter(origin=SuggestionOrigin.MODEL).count() == 6
    other = access_for(second_coder, project)
    assert not Suggestion.objects.visible_to(other).filter(origin="model").exists()
    # The coder whose codings taught it, and the lead, see them.
    assert Suggestion.objects.visible_to(access_for(users["coder"], project)).count() == 6
    assert Suggestion.objects.visible_to(access_for(users["lead"], project)).count() == 6
    project.blinded_coding = False
    project.save()
    assert Suggestion.objects.visible_to(access_for(second_coder, project)).count() == 6


def test_accepting_creates_an_ordinary_coding_with_its_origin(project, codes, users):
    made = _corpus(project, codes, users["coder"])
    _train(project, users["lead"])
    suggestion = Suggestion.objects.filter(source=made[-1]).order_by("start").first()
    coding = suggestion_accept(suggestion=suggestion, user=users["coder"])
    assert (coding.coder, coding.code_id, coding.start, coding.end) == (
        users["coder"],
        suggestion.code_id,
        suggestion.start,
        suggestion.end,
    )
    assert coding.origin == "model v1"
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.coding, suggestion.decided_by) == (
        SuggestionStatus.ACCEPTED,
        coding,
        users["coder"],
    )
    history = Change.objects.get(object_guid=coding.guid)
    assert history.after["origin"] == "model v1"
    with pytest.raises(ValidationError, match="already accepted"):
        suggestion_accept(suggestion=suggestion, user=users["coder"])
    assert Coding.objects.filter(source=made[-1]).count() == 1


def test_rejected_suggestions_are_not_shown_again(project, codes, users):
    made = _corpus(project, codes, users["coder"])
    _train(project, users["lead"])
    access = access_for(users["coder"], project)
    suggestion = Suggestion.objects.visible_to(access).filter(source=made[-1]).first()
    suggestion_reject(suggestion=suggestion, user=users["coder"])
    assert not Suggestion.objects.visible_to(access).filter(pk=suggestion.pk).exists()
    assert SuggestionModel.objects.count() == 1


def test_blinded_coder_gets_no_learned_suggestion_from_the_page(
    project, codes, users, second_coder, client
):
    from django.urls import reverse

    project.blinded_coding = True
    project.save()
    made = _corpus(project, codes, users["coder"])
    _train(project, users["lead"])
    hidden = Suggestion.objects.filter(source=made[-1]).first()
    client.force_login(second_coder)
    listed = client.get(reverse("api:source_suggestions", args=[project.pk, made[-1].pk]))
    assert listed.json() == []
    answer = client.post(reverse("api:suggestion_accept", args=[project.pk, hidden.pk]))
    assert answer.status_code == 404
    assert answer.json() == {"error": "This suggestion is no longer pending."}
    assert not Coding.objects.filter(coder=second_coder).exists()
    client.force_login(users["coder"])
    listed = client.get(reverse("api:source_suggestions", args=[project.pk, made[-1].pk]))
    assert len(listed.json()) == 6


def test_the_stored_model_suggests_for_sources_added_since(project, codes, users, client_for):
    from django.urls import reverse

    _corpus(project, codes, users["coder"], sources=5, coded=5)
    model = _train(project, users["lead"])
    assert not Suggestion.objects.exists()  # every source was coded
    added = source_create(project=project, title="New", text=f"{OTHER} {FUNDING} {TRAVEL}")
    page = client_for("lead").get(reverse("coding:coding_help", args=[project.pk]))
    assert "Suggest for the 1 source added since" in page.content.decode()
    response = client_for("lead").post(reverse("coding:suggestions_suggest_new", args=[project.pk]))
    assert response.status_code == 302
    found = {
        (added.text[s.start : s.end], s.code_id, s.origin_label)
        for s in Suggestion.objects.filter(source=added)
    }
    assert found == {
        (FUNDING, codes["funding"].pk, model.origin_label),
        (TRAVEL, codes["travel"].pk, model.origin_label),
    }


def test_suggestions_follow_their_words_when_the_source_is_revised(
    project, source, code, users, client_for
):
    from interviews.deid.revisions import source_correct

    def suggest(words: str, *, within: str | None = None, status=SuggestionStatus.PENDING):
        start = source.text.index(within or words) + (within or words).index(words)
        return Suggestion.objects.create(
            project=project,
            source=source,
            code=code,
            start=start,
            end=start + len(words),
            origin=SuggestionOrigin.RULE,
            origin_label="rule “Money”",
            status=status,
        )

    money = suggest("Money was always short")
    place = suggest("Minsk", within="festival in Minsk")
    wider = suggest("festival in Minsk")
    rejected = suggest("festival", status=SuggestionStatus.REJECTED)
    corrected = source.text.replace("a festival in Minsk.", "a festival.")
    revision = source_correct(source=source, text=corrected, user=users["lead"])
    source.refresh_from_db()
    assert revision.codings_moved == 0
    money.refresh_from_db()
    assert source.text[money.start : money.end] == "Money was always short"
    # Its words were removed: it goes. The wider one now covers exactly the rejected one's
    # words: the rejection is kept, the pending one goes.
    assert not Suggestion.objects.filter(pk__in=[place.pk, wider.pk]).exists()
    rejected.refresh_from_db()
    assert rejected.status == SuggestionStatus.REJECTED
    assert source.text[rejected.start : rejected.end] == "festival"
    listed = client_for("coder").get(
        f"/api/v1/projects/{project.pk}/sources/{source.pk}/suggestions/"
    )
    assert [source.text[s["start"] : s["end"]] for s in listed.json()] == ["Money was always short"]


def test_withdrawing_consent_makes_coding_help_forget_the_person_and_granting_it_relearns(
    project, interviewee, users, django_capture_on_commit_callbacks
):
    from coding.suggestions import FORGOTTEN_WITHDRAWN

    code = Code.objects.create(project=project, name="Funding")
    for index in range(4):
        # She speaks in a turn mapped to her, with a word no other source has.
        said = "Guest: We speak of Zhyvitsa." if index == 0 else f"Host: Session {index} ended."
        text = "\n\n".join([f"Host: {FUNDING}", said, f"Host: {OTHER}"] * 3)
        source = source_create(
            project=project,
            title=f"S{index}",
            text=text,
            speaker_map={"Guest": interviewee} if index == 0 else {},
        )
        at = -1
        while (at := text.find(FUNDING, at + 1)) >= 0:
            coding_create(
                source=source, code=code, coder=users["coder"], start=at, end=at + len(FUNDING)
            )
    settings = {"label_source": "all", "min_f1": 0.5, "min_examples": 3, "seed": 1}
    model = model_train(model_start(project=project, user=users["lead"], **settings), epochs=2)
    assert model.status == ModelStatus.READY and b"Zhyvitsa" in bytes(model.data)

    with django_capture_on_commit_callbacks(execute=True):
        interviewee.consent_status = "withdrawn"
        interviewee.save()
    model.refresh_from_db()
    assert (model.data, model.status, model.error) == (
        None,
        ModelStatus.FAILED,
        FORGOTTEN_WITHDRAWN,
    )
    assert not model.suggestions.filter(status="pending").exists()
    # The version in use is trained again at once, without her words.
    again = SuggestionModel.objects.get(project=project, version=2)
    assert again.status == ModelStatus.READY and again.min_examples == 3
    assert b"Zhyvitsa" not in bytes(again.data) and b"weather" in bytes(again.data)

    with django_capture_on_commit_callbacks(execute=True):
        interviewee.consent_status = "given"
        interviewee.save()
    relearned = SuggestionModel.objects.get(project=project, version=3)
    assert relearned.status == ModelStatus.READY and b"Zhyvitsa" in bytes(relearned.data)
    again.refresh_from_db()
    assert again.status == ModelStatus.READY  # kept: it never read her words
