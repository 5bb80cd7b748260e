"""Finding what identifies someone in a text: Presidio on Parley's own pipelines, plus what
the project knows (its interviewees' names, organisations and contact details, the speaker
labels mapped to them, and its own terms).

Presidio's analyzer is configured here explicitly: its NLP engine is given the pipelines
that `interviews.nlp` has already loaded (the trained `PARLEY_SPACY_MODEL` for English, blank
pipelines elsewhere), so it never loads or downloads a model of its own, and the e-mail
recognizer checks domains against tldextract's bundled suffix list, offline.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from interviews import nlp
from interviews.deid.models import EntityKind, SpanOrigin

# Presidio's entity names → Parley's kinds (anything else is left out).
PRESIDIO_KINDS = {
    "PERSON": EntityKind.PERSON,
    "ORGANIZATION": EntityKind.ORG,
    "LOCATION": EntityKind.PLACE,
    "EMAIL_ADDRESS": EntityKind.EMAIL,
    "PHONE_NUMBER": EntityKind.PHONE,
    "URL": EntityKind.URL,
    "DATE_TIME": EntityKind.DATE,
    "IP_ADDRESS": EntityKind.ID,
    "IBAN_CODE": EntityKind.ID,
    "ID_NUMBER": EntityKind.ID,
}
PATTERN_ENTITIES = {"EMAIL_ADDRESS", "PHONE_NUMBER", "URL", "IP_ADDRESS", "IBAN_CODE", "ID_NUMBER"}
CYRILLIC_NAMES = "CyrillicNameRecognizer"
# spaCy's labels → Presidio's; the rest (NORP, CARDINAL, MONEY …) identify nobody.
SPACY_TO_PRESIDIO = {
    "PERSON": "PERSON",
    "PER": "PERSON",
    "ORG": "ORGANIZATION",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "DATE": "DATE_TIME",
}
MIN_SCORE = 0.4
# A date identifies someone only as a date of birth: it must stand near one of these.
_BIRTH = re.compile(
    r"\b(?:born|birth|d\.?o\.?b|birthday)\b|родил|рожд|нарадзі|出生|生日", re.IGNORECASE
)
_BIRTH_WINDOW = 40
GENERIC_SPEAKERS = {
    "interviewer", "q", "i", "int", "moderator", "question", "researcher", "respondent", "a",
    "r", "interviewee", "answer", "participant", "speaker", "s", "p", "voice", "guest",
    "интервьюер", "вопрос", "в", "спикер", "участник", "участница", "发言人", "嘉宾",
    "респондент", "ответ", "о", "відповідь", "адказ", "受访者", "答", "采访者", "主持人", "问",
}  # fmt: skip
_TITLES = re.compile(r"^(?:mr|mrs|ms|miss|dr|prof|professor|sir|madam)\.?\s+", re.IGNORECASE)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_CHINESE_HONORIFICS = ("先生", "女士", "老师", "总", "教授", "博士", "小姐", "经理", "主任")
# In Russian, Belarusian and Ukrainian only names take capitals inside a sentence: two
# capitalised words in a row are almost always a first name and a surname.
_CYRILLIC_NAME = (
    r"(?<![\w-])[А-ЯЁІЎЄЇҐ][а-яёіўєїґ'’]+(?:-[А-ЯЁІЎЄЇҐ][а-яёіўєїґ'’]+)?"
    r"[ \t]+[А-ЯЁІЎЄЇҐ][а-яёіўєїґ'’]+(?:-[А-ЯЁІЎЄЇҐ][а-яёіўєїґ'’]+)?(?![\w-])"
)
_CYRILLIC_LANGUAGES = ("ru", "be", "uk")
# Passport, national ID and similar numbers: letters and at least six digits together.
_ID_PATTERN = r"\b(?=[A-Z0-9-]*\d{6})[A-Z]{1,3}-?\d{6,12}\b|\b\d{3}-\d{2}-\d{4}\b"


@dataclass(frozen=True)
class Term:
    """A word or phrase the project knows: from its interviewee records or its own list."""

    text: str
    kind: str
    origin: str
    interviewee_id: int | None = None


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    text: str
    kind: str
    origin: str
    score: float
    interviewee_id: int | None = None


def entity_key(kind: str, text: str) -> str:
    """The normalised form under which the same entity is recognised wherever it occurs."""
    key = unicodedata.normalize("NFKC", text).casefold()
    key = re.sub(r"\s+", " ", key).strip(" .,;:'\"“”‘’«»()[]")
    key = re.sub(r"['’]s$", "", key)
    if kind == EntityKind.PERSON:
        key = _TITLES.sub("", key)
    if kind == EntityKind.ORG and key.startswith("the "):
        key = key[4:]
    return key


# The roster -----------------------------------------------------------------------------


def _forms(real_name: str) -> list[str]:
    """The written forms of a real name: 'Hanna Karpovich / Ганна Карпович / 卡尔波维奇'."""
    return [form.strip() for form in re.split(r"[/;|\n]", real_name) if form.strip()]


def _name_parts(form: str) -> list[str]:
    if _HAN.search(form) and " " not in form.strip():
        # A Chinese name: the whole, the given name (after a one-character surname), and
        # the surname with an honorific.
        parts = [form]
        if len(form) >= 3:
            parts.append(form[1:])
        parts.extend(form[0] + title for title in _CHINESE_HONORIFICS)
        return parts
    words = [w.strip(".,") for w in re.split(r"\s+", form) if w.strip(".,")]
    parts = [form]
    for word in words:
        if len(word) < 2:
            continue
        if word.casefold() in _common_words():
            # A name that is also a common word (He, So, May) counts only after a title.
            parts.extend(f"{title} {word}" for title in _LATIN_TITLES)
        else:
            parts.append(word)
    return parts


_LATIN_TITLES = ("Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Miss", "Dr", "Dr.", "Prof.", "Professor")


@functools.cache
def _common_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def _generic_speaker(label: str) -> bool:
    """A label that names nobody: Respondent, A, Speaker 2, Участник 1, 发言人2."""
    words = re.sub(r"[\s\d_.#-]+", " ", label.casefold()).split()
    return not words or all(w in GENERIC_SPEAKERS for w in words)


def roster_terms(interviewees: Iterable, speaker_labels: dict[int, set[str]]) -> list[Term]:
    """What identifies each interviewee: every form and part of their real name, the speaker
    labels mapped to them, their organisation and their contact details."""
    terms: list[Term] = []
    for person in interviewees:
        names = set()
        for form in _forms(person.real_name):
            names.update(_name_parts(form))
        for label in speaker_labels.get(person.pk, ()):
            if not _generic_speaker(label) and label.strip() != person.pseudonym:
                names.add(label.strip())
        terms.extend(
            Term(n, EntityKind.PERSON, SpanOrigin.ROSTER, person.pk) for n in sorted(names)
        )
        if person.organisation.strip():
            for form in _forms(person.organisation):
                terms.append(Term(form, EntityKind.ORG, SpanOrigin.ROSTER))
        for line in re.split(r"[\n;,]", person.contact):
            line = line.strip()
            if len(line) >= 5:
                kind = EntityKind.EMAIL if "@" in line else EntityKind.PHONE
                if not re.search(r"\d{3}", line) and "@" not in line:
                    kind = EntityKind.PLACE  # an address
                terms.append(Term(line, kind, SpanOrigin.ROSTER))
    return terms


# A word character that is not a Chinese one: Latin words stand between Han characters with
# no space (在Lanka Pictures工作).
_LETTER_NOT_HAN = r"[^\W\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"


def term_pattern(text: str) -> str:
    """A regular expression for a term as it may occur in running text.

    Latin and other spaced scripts: the exact words (any white space between them), not
    inside a longer word (Chinese characters around them are no part of it). Cyrillic: the same, with up to three letters of an inflected
    ending (Ганна → Ганны, Ганне, Ганной; Карпович → Карповича). Chinese: the exact
    characters, wherever they stand (there are no spaces to stand between).
    """
    text = text.strip()
    if _HAN.search(text) and not re.search(r"[^\W\d_]", _HAN.sub("", text)):
        return re.escape(text)
    words = r"\s+".join(_word_pattern(w) for w in text.split())
    return rf"(?<!{_LETTER_NOT_HAN}){words}(?!{_LETTER_NOT_HAN})"


def _word_pattern(word: str) -> str:
    if _CYRILLIC.search(word) and len(word) >= 4 and word[-1].isalpha():
        stem = word[:-1] if word[-1].lower() in "аяоеёыийьуюэ" else word
        return re.escape(stem) + r"[^\W\d_]{0,3}"
    return re.escape(word)


def _term_finds(text: str, terms: list[Term]) -> list[Found]:
    found: list[Found] = []
    for term in terms:
        flags = 0
        if term.kind != EntityKind.PERSON or len(term.text) > 12:
            flags = re.IGNORECASE  # a single short name keeps its case: Will, not will
        for match in re.finditer(term_pattern(term.text), text, flags):
            found.append(
                Found(
                    match.start(),
                    match.end(),
                    match.group(),
                    term.kind,
                    term.origin,
                    1.0,
                    term.interviewee_id,
                )
            )
    return found


# Presidio -------------------------------------------------------------------------------


@functools.cache
def _offline_extractor():
    import tldextract

    # No suffix-list URLs and no cache directory: the list bundled with tldextract only.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


class _Pipelines(dict):
    """Each language's pipeline, loaded (once, by `interviews.nlp`) when first needed."""

    def __getitem__(self, language: str):
        pipeline = super().__getitem__(language)  # KeyError for a language not offered
        if pipeline is None:
            pipeline = self[language] = nlp.full_pipeline(language).nlp
        return pipeline


@functools.cache
def analyzer():
    """Presidio's analyzer on Parley's pipelines, one per process."""
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
        UrlRecognizer,
    )

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return _offline_extractor()(pattern_text).fqdn != ""

    class ParleyNlpEngine(SpacyNlpEngine):
        """Presidio's spaCy engine over the pipelines Parley has loaded (never downloads)."""

        def load(self) -> None:
            self.nlp = _Pipelines.fromkeys(nlp.LANGUAGES)

    configuration = NerModelConfiguration(
        model_to_presidio_entity_mapping=SPACY_TO_PRESIDIO,
        labels_to_ignore=["NORP", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY",
                          "TIME", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "PRODUCT", "MISC"],
    )  # fmt: skip
    engine = ParleyNlpEngine(
        models=[{"lang_code": lang, "model_name": "parley"} for lang in nlp.LANGUAGES],
        ner_model_configuration=configuration,
    )
    engine.load()
    registry = RecognizerRegistry(supported_languages=list(nlp.LANGUAGES))
    for lang in nlp.LANGUAGES:
        registry.add_recognizer(
            SpacyRecognizer(
                supported_language=lang,
                supported_entities=["PERSON", "ORGANIZATION", "LOCATION", "DATE_TIME"],
            )
        )
        registry.add_recognizer(OfflineEmailRecognizer(supported_language=lang))
        registry.add_recognizer(UrlRecognizer(supported_language=lang))
        registry.add_recognizer(PhoneRecognizer(supported_language=lang))
        registry.add_recognizer(IpRecognizer(supported_language=lang))
        registry.add_recognizer(IbanRecognizer(supported_language=lang))
        registry.add_recognizer(
            PatternRecognizer(
                supported_entity="ID_NUMBER",
                supported_language=lang,
                patterns=[Pattern("ID number", _ID_PATTERN, 0.5)],
                context=["passport", "id", "number", "паспорт", "номер", "身份证", "护照"],
            )
        )
    for lang in _CYRILLIC_LANGUAGES:
        registry.add_recognizer(
            PatternRecognizer(
                supported_entity="PERSON",
                supported_language=lang,
                name=CYRILLIC_NAMES,
                patterns=[Pattern("first name and surname", _CYRILLIC_NAME, 0.5)],
                global_regex_flags=re.MULTILINE,  # capitals matter
            )
        )
    return AnalyzerEngine(
        nlp_engine=engine, registry=registry, supported_languages=list(nlp.LANGUAGES)
    )


def analyzer_language(language: str) -> str:
    return language if language in nlp.LANGUAGES else "en"


def nlp_artifacts(text: str, language: str, entities: Iterable[tuple[int, int, str]] | None):
    """Presidio's view of a text. With `entities` (start, end, spaCy label: the named
    entities already stored for the source), only the tokenizer runs; without, the full
    pipeline does."""
    from spacy.tokens import Span

    engine = analyzer().nlp_engine
    language = analyzer_language(language)
    pipeline = engine.nlp[language]
    if entities is None:
        doc = pipeline(text)
    else:
        doc = pipeline.make_doc(text)
        spans = []
        last_end = -1
        for start, end, label in sorted(entities):
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is not None and span.start >= last_end:
                spans.append(Span(doc, span.start, span.end, label=label))
                last_end = span.end
        doc.ents = spans
    return engine._doc_to_nlp_artifact(doc, language)


def detect(
    text: str,
    language: str,
    *,
    terms: list[Term] = (),
    never: Iterable[str] = (),
    entities: Iterable[tuple[int, int, str]] | None = None,
) -> list[Found]:
    """Every span of the text that identifies someone, none overlapping another.

    The project's terms (interviewees and its own list) win over Presidio's patterns, which
    win over the language model; `never` terms are left out wherever they occur.
    """
    language = analyzer_language(language)
    results = analyzer().analyze(
        text=text,
        language=language,
        entities=list(PRESIDIO_KINDS),
        score_threshold=MIN_SCORE,
        nlp_artifacts=nlp_artifacts(text, language, entities),
    )
    found = _term_finds(text, list(terms))
    for result in results:
        kind = PRESIDIO_KINDS[result.entity_type]
        if kind == EntityKind.DATE and not _near_birth(text, result.start, result.end):
            continue
        recognizer = (result.recognition_metadata or {}).get("recognizer_name")
        origin = SpanOrigin.MODEL
        if result.entity_type in PATTERN_ENTITIES or recognizer == CYRILLIC_NAMES:
            origin = SpanOrigin.PATTERN
        start, end = _trimmed(text, result.start, result.end)
        if recognizer == CYRILLIC_NAMES:
            start = _after_sentence_word(text, start, end)
        if start < end:
            found.append(Found(start, end, text[start:end], kind, origin, float(result.score)))
    return _without_never(_non_overlapping(found), text, never)


def _after_sentence_word(text: str, start: int, end: int) -> int:
    """Where a capitalised pair begins its name: a common word that only starts the
    sentence (Без Ольги, Потом Дмитрий) is left out."""
    first = text[start:end].split()[0]
    if first.casefold() in _cyrillic_common_words():
        return (
            start
            + len(first)
            + (len(text[start + len(first) : end]) - len(text[start + len(first) : end].lstrip()))
        )
    return start


@functools.cache
def _cyrillic_common_words() -> frozenset[str]:
    from spacy.lang.ru.stop_words import STOP_WORDS as RUSSIAN
    from spacy.lang.uk.stop_words import STOP_WORDS as UKRAINIAN

    return frozenset(RUSSIAN | UKRAINIAN)


def _near_birth(text: str, start: int, end: int) -> bool:
    window = text[max(0, start - _BIRTH_WINDOW) : end + _BIRTH_WINDOW]
    return bool(_BIRTH.search(window))


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Without a possessive ending or surrounding punctuation (Hanna's → Hanna)."""
    while start < end and not (text[start].isalnum() or text[start] in "+@["):
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    if text[end - 2 : end] in ("'s", "’s") and end - 2 > start:
        end -= 2
    return start, end


_PRIORITY = {
    SpanOrigin.TERM: 0,
    SpanOrigin.ROSTER: 0,
    SpanOrigin.PATTERN: 1,
    SpanOrigin.MODEL: 2,
    SpanOrigin.ADMIN: 0,
}


def _non_overlapping(found: list[Found]) -> list[Found]:
    chosen: list[Found] = []
    taken: list[tuple[int, int]] = []
    for item in sorted(found, key=lambda f: (_PRIORITY[f.origin], f.start - f.end, f.start)):
        if any(item.start < end and start < item.end for start, end in taken):
            continue
        chosen.append(item)
        taken.append((item.start, item.end))
    return sorted(chosen, key=lambda f: f.start)


def _without_never(found: list[Found], text: str, never: Iterable[str]) -> list[Found]:
    never = [n for n in never if n.strip()]
    if not never:
        return found
    blocked: list[tuple[int, int]] = []
    keys = {n.strip().casefold() for n in never}
    for term in never:
        for match in re.finditer(term_pattern(term), text, re.IGNORECASE):
            blocked.append(match.span())
    return [
        f
        for f in found
        if f.text.strip().casefold() not in keys
        and not any(s <= f.start and f.end <= e for s, e in blocked)
    ]
