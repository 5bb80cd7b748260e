"""Auto-coding rules: lemma and exact matching, scopes, restrictions, code by speaker."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from coding.models import Code, Coding
from coding.suggestion_models import AutocodeRule, Suggestion, SuggestionStatus
from coding.suggestion_services import rule_run, rule_save, suggestion_accept
from interviews.models import Attribute, AttributeValue, Interviewee
from interviews.services import source_create

ENGLISH = (
    "Interviewer: How do the studios work together?\n\n"
    "BY-02: We co-produced two films last year. Co-productions with China are new.\n\n"
    "Interviewer: And the money?\n\n"
    "BY-02: The co-production fund pays half. Money is always short.\n"
)


@pytest.fixture
def belarusian(project) -> Interviewee:
    country = Attribute.objects.create(project=project, name="Country")
    person = Interviewee.objects.create(project=project, pseudonym="BY-02", country="Belarus")
    AttributeValue.objects.create(attribute=country, interviewee=person, value="Belarus")
    return person


@pytest.fixture
def english(project, belarusian):
    return source_create(
        project=project,
        title="Studio talk",
        text=ENGLISH,
        interviewees=[belarusian],
        speaker_map={"Interviewer": "interviewer", "BY-02": belarusian},
    )


@pytest.fixture
def cooperation(project) -> Code:
    return Code.objects.create(project=project, name="Co-production")


def make_rule(project, code, user, **fields) -> AutocodeRule:
    fields.setdefault("name", "rule")
    return rule_save(project=project, user=user, code=code, **fields)


def quotes(run) -> list[str]:
    return [hit["text"] for hit in run.hits]


def test_english_keywords_match_every_form_of_their_lemma(english, cooperation, users, project):
    rule = make_rule(
        project, cooperation, users["lead"], keywords="co-produce\nco-production", scope="match"
    )
    run = rule_run(rule=rule, dry_run=True)
    assert quotes(run) == ["co-produced", "Co-productions", "co-production"]
    assert run.lemmas == {"en": True}
    assert Suggestion.objects.count() == 0  # a dry run stores nothing


def test_one_keyword_finds_its_plural_and_its_inflections(english, cooperation, users, project):
    rule = make_rule(project, cooperation, users["lead"], keywords="co-production", scope="match")
    assert quotes(rule_run(rule=rule, dry_run=True)) == ["Co-productions", "co-production"]
    rule = make_rule(
        project, cooperation, users["lead"], name="verb", keywords="co-produce", scope="match"
    )
    assert quotes(rule_run(rule=rule, dry_run=True)) == ["co-produced"]


def test_sentence_scope_codes_the_stored_sentence(english, cooperation, users, project):
    rule = make_rule(project, cooperation, users["lead"], keywords="co-production fund")
    run = rule_run(rule=rule, dry_run=True)
    assert quotes(run) == ["The co-production fund pays half."]
    assert run.per_source == [{"source": english.pk, "title": "Studio talk", "hits": 1}]
    assert run.sample[0]["text"] == "co-production fund"
    assert run.sample[0]["after"].startswith(" pays half.")


def test_turn_scope_leaves_the_speaker_label_out(english, cooperation, users, project):
    rule = make_rule(project, cooperation, users["lead"], keywords="money", scope="turn")
    assert quotes(rule_run(rule=rule, dry_run=True)) == [
        "And the money?",
        "The co-production fund pays half. Money is always short.",
    ]


def test_paragraph_scope_codes_the_paragraph_of_a_text_without_turns(cooperation, users, project):
    text = "Notes from the visit. The money ran out early.\n\nThe crew went home. Nothing else.\n"
    source_create(project=project, title="Notes", text=text)
    for scope in ("paragraph", "turn"):  # a text without turns: its paragraph
        rule = make_rule(
            project, cooperation, users["lead"], name=scope, keywords="money", scope=scope
        )
        assert quotes(rule_run(rule=rule, dry_run=True)) == [
            "Notes from the visit. The money ran out early."
        ]


def test_regular_expressions_and_speaker_restriction(english, cooperation, users, project):
    rule = make_rule(
        project,
        cooperation,
        users["lead"],
        patterns=r"\bmoney\b",
        scope="sentence",
        speakers=["BY-02"],
    )
    assert quotes(rule_run(rule=rule, dry_run=True)) == ["Money is always short."]


def test_a_bad_regular_expression_is_refused_with_its_reason(cooperation, users, project):
    with pytest.raises(ValidationError) as error:
        make_rule(project, cooperation, users["lead"], patterns="(unclosed")
    assert "not a valid regular expression" in str(error.value)
    with pytest.raises(ValidationError):
        make_rule(project, cooperation, users["lead"], patterns="x*")
    assert AutocodeRule.objects.count() == 0


def test_russian_matches_exactly_what_was_typed(project, cooperation, users):
    source_create(
        project=project,
        title="Интервью",
        text="Культура важна. Мы говорим о культуре каждый день. КУЛЬТУРА везде.",
        language="ru",
    )
    rule = make_rule(project, cooperation, users["lead"], keywords="культура", scope="match")
    run = rule_run(rule=rule, dry_run=True)
    assert quotes(run) == ["Культура", "КУЛЬТУРА"]  # not the inflected “культуре”
    assert run.lemmas == {"ru": False}


def test_chinese_matches_a_phrase_of_characters(project, cooperation, users):
    source_create(
        project=project,
        title="访谈",
        text="中国电影在白俄罗斯很受欢迎。电视和影院不同。我们合作拍电影。",
        language="zh",
    )
    rule = make_rule(project, cooperation, users["lead"], keywords="电影", scope="sentence")
    assert quotes(rule_run(rule=rule, dry_run=True)) == [
        "中国电影在白俄罗斯很受欢迎。",
        "我们合作拍电影。",
    ]


def test_code_by_attribute_codes_every_turn_without_its_label(english, cooperation, users, project):
    rule = make_rule(
        project, cooperation, users["lead"], scope="turn", attribute_values={"Country": ["belarus"]}
    )
    run = rule_run(rule=rule, dry_run=False)
    assert quotes(run) == [
        "We co-produced two films last year. Co-productions with China are new.",
        "The co-production fund pays half. Money is always short.",
    ]
    assert all(not hit["text"].startswith("BY-02") for hit in run.hits)
    assert Suggestion.objects.filter(status=SuggestionStatus.PENDING).count() == 2


def test_code_by_speaker_interviewer(english, cooperation, users, project):
    rule = make_rule(project, cooperation, users["lead"], speakers=["interviewer"])
    assert quotes(rule_run(rule=rule, dry_run=True)) == [
        "How do the studios work together?",
        "And the money?",
    ]


def test_a_rule_without_words_or_speakers_is_refused(cooperation, users, project):
    with pytest.raises(ValidationError, match="Give keywords"):
        make_rule(project, cooperation, users["lead"])


def test_running_a_rule_again_adds_nothing_and_rejections_stay(
    english, cooperation, users, project
):
    rule = make_rule(project, cooperation, users["lead"], keywords="co-production")
    first = rule_run(rule=rule, dry_run=False)
    assert first.created == 2
    suggestion, other = Suggestion.objects.order_by("start")
    suggestion.status = SuggestionStatus.REJECTED
    suggestion.save()
    suggestion_accept(suggestion=other, user=users["coder"])
    again = rule_run(rule=rule, dry_run=False)
    assert (again.created, again.known) == (0, 2)
    assert Suggestion.objects.count() == 2
    assert Suggestion.objects.get(pk=suggestion.pk).status == SuggestionStatus.REJECTED
    assert Coding.objects.count() == 1


def test_a_changed_rule_drops_its_pending_suggestions_it_no_longer_finds(
    english, cooperation, users, project
):
    rule = make_rule(project, cooperation, users["lead"], keywords="co-production\nmoney")
    rule_run(rule=rule, dry_run=False)
    money = Suggestion.objects.get(start=ENGLISH.index("And the money?"))
    suggestion_accept(suggestion=money, user=users["coder"])
    rule = rule_save(project=project, rule=rule, user=users["lead"], keywords="co-production")
    run = rule_run(rule=rule, dry_run=False)
    assert run.dropped == 1  # “Money is always short.” is no longer found
    assert sorted(
        ENGLISH[s.start : s.end] for s in Suggestion.objects.filter(status="pending")
    ) == ["Co-productions with China are new.", "The co-production fund pays half."]
    assert Suggestion.objects.get(pk=money.pk).status == SuggestionStatus.ACCEPTED


def test_a_rule_given_another_code_withdraws_its_pending_suggestions_of_the_old_one(
    english, cooperation, users, project
):
    rule = make_rule(project, cooperation, users["lead"], keywords="co-production")
    rule_run(rule=rule, dry_run=False)
    money = Code.objects.create(project=project, name="Money")
    rule = rule_save(project=project, rule=rule, user=users["lead"], code=money)
    run = rule_run(rule=rule, dry_run=False)
    assert (run.created, run.dropped) == (2, 2)
    pending = Suggestion.objects.filter(status=SuggestionStatus.PENDING)
    assert sorted((s.code.name, ENGLISH[s.start : s.end]) for s in pending) == [
        ("Money", "Co-productions with China are new."),
        ("Money", "The co-production fund pays half."),
    ]
