"""Auto-coding rules: finding a rule's passages in a project's sources.

Keywords and phrases match on lemmas where the language's pipeline has a lemmatizer
(English with the trained pipeline: “co-production” also finds “co-productions”, and
“co-produce” finds “co-produced”), and on lower-cased forms otherwise (Russian, Chinese …
match exactly what was typed, whatever its case). Regular expressions match the text itself.
A hit then grows to the rule's scope: the matched words, or the stored sentence, speaker
turn (without its speaker label) or paragraph around them.

Only the sentences that can hold a keyword go through the tagger: a regular expression made
from each keyword (its words in order, each as typed, as the stem of its lemma or as one of the
lemmatizer's irregular forms of it) finds them first, so a rule over a large corpus costs
little more than reading it.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from interviews import nlp as language_processing

REGEX_FLAGS = re.IGNORECASE | re.MULTILINE
MAX_PATTERN = 500


def pattern_errors(patterns: Iterable[str]) -> list[str]:
    """What is wrong with each regular expression, as a user should read it."""
    errors = []
    for pattern in patterns:
        if len(pattern) > MAX_PATTERN:
            errors.append(f"“{pattern[:40]}…” is longer than {MAX_PATTERN} characters.")
            continue
        try:
            compiled = re.compile(pattern, REGEX_FLAGS)
        except re.error as error:
            errors.append(f"“{pattern}” is not a valid regular expression: {error}.")
            continue
        if compiled.match(""):
            errors.append(f"“{pattern}” matches empty text; it would code every position.")
    return errors


# Matching one language ---------------------------------------------------------------


@dataclass
class _Keywords:
    """Keyword matchers for one language, built once per rule run."""

    nlp: object
    lemmas: bool
    matchers: list = field(default_factory=list)
    probe: re.Pattern | None = None  # finds every place a keyword may match


@functools.cache
def _irregular_forms(language: str) -> dict[str, frozenset[str]]:
    """lemma → its irregular forms, from the lemmatizer's exception tables (went → go)."""
    pipeline = language_processing.full_pipeline(language)
    if "lemmatizer" not in pipeline.nlp.pipe_names:
        return {}
    lookups = pipeline.nlp.get_pipe("lemmatizer").lookups
    if not lookups.has_table("lemma_exc"):
        return {}
    forms: dict[str, set[str]] = {}
    for table in lookups.get_table("lemma_exc").values():
        for form, lemmas in table.items():
            for lemma in lemmas:
                forms.setdefault(lemma.lower(), set()).add(form.lower())
    return {lemma: frozenset(found) for lemma, found in forms.items()}


def _uses_lemmas(language: str) -> bool:
    pipeline = language_processing.full_pipeline(language)
    return pipeline.trained and "lemmatizer" in pipeline.nlp.pipe_names


_WITHOUT_LEMMAS = ("parser", "ner")  # the lemmatizer needs the tagger, not these


def _docs(nlp, texts: list[str], lemmas: bool) -> Iterator:
    if not lemmas:
        yield from (nlp.make_doc(text) for text in texts)
        return
    disable = [name for name in _WITHOUT_LEMMAS if name in nlp.pipe_names]
    for doc in nlp.pipe(texts, disable=disable, batch_size=64):
        for token in doc:  # a keyword matches whatever the case of the text
            token.lemma_ = token.lemma_.lower()
        yield doc


def _keywords(keywords: list[str], language: str) -> _Keywords:
    from spacy.matcher import PhraseMatcher

    lemmas = _uses_lemmas(language)
    pipeline = (
        language_processing.full_pipeline(language)
        if lemmas
        else language_processing.sentence_pipeline(language)
    )
    found = _Keywords(nlp=pipeline.nlp, lemmas=lemmas)
    if not keywords:
        return found
    lower = PhraseMatcher(pipeline.nlp.vocab, attr="LOWER")
    lower.add("keyword", [pipeline.nlp.make_doc(k) for k in keywords])
    found.matchers.append(lower)
    irregular = _irregular_forms(language) if lemmas else {}
    docs = list(_docs(pipeline.nlp, keywords, lemmas))
    if lemmas:
        by_lemma = PhraseMatcher(pipeline.nlp.vocab, attr="LEMMA")
        by_lemma.add("keyword", docs)
        found.matchers.append(by_lemma)
    found.probe = re.compile(
        "|".join(_probe(doc, irregular if lemmas else None) for doc in docs), re.IGNORECASE
    )
    return found


def _probe(doc, irregular: dict[str, frozenset[str]] | None) -> str:
    """A regular expression that every occurrence of the keyword `doc` matches (and a
    little more): its tokens in order, each as typed or, with lemmas, as the stem of its
    lemma (the rule lemmatizer changes at most a word's last letters) or one of its
    irregular forms. Only the sentences it finds go through the tagger."""
    parts = []
    for token in doc:
        forms = {re.escape(token.lower_)}
        if irregular is not None and not token.is_punct:
            lemma = token.lemma_.lower()
            forms.add(re.escape(lemma[: max(2, len(lemma) - 2)]) + r"\w*")
            forms.add(re.escape(token.lower_[: max(2, len(token.lower_) - 2)]) + r"\w*")
            forms.update(re.escape(form) for form in irregular.get(lemma, ()))
        parts.append("(?:" + "|".join(sorted(forms)) + ")")
    return r"\s*".join(parts)


class RuleMatcher:
    """A rule's keywords and regular expressions, ready to search texts of one language."""

    def __init__(self, keywords: list[str], patterns: list[str], language: str) -> None:
        self.keywords = _keywords(keywords, language)
        self.patterns = [re.compile(p, REGEX_FLAGS) for p in patterns]
        self.language = language

    @property
    def uses_lemmas(self) -> bool:
        return self.keywords.lemmas

    def _candidates(self, text: str, units: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The units where the keyword probe finds something."""
        starts = [s for s, _ in units]
        chosen: dict[int, None] = {}
        for match in self.keywords.probe.finditer(text):
            index = bisect.bisect_right(starts, match.start()) - 1
            if index >= 0 and units[index][1] > match.start():
                chosen[index] = None
        return [units[i] for i in sorted(chosen)]

    def find(self, text: str, units: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """[start, end) of every match in `text`, sorted; keywords are sought within the
        `units` (sentences), expressions in the whole text."""
        return self.find_many([(text, units)])[0]

    def find_many(
        self, items: list[tuple[str, list[tuple[int, int]]]]
    ) -> list[list[tuple[int, int]]]:
        """`find` for many texts at once: their candidate sentences go through the
        pipeline together, in large batches."""
        found: list[set[tuple[int, int]]] = [set() for _ in items]
        for pattern in self.patterns:
            for hits, (text, _) in zip(found, items, strict=True):
                for match in pattern.finditer(text):
                    if match.end() > match.start():
                        hits.add((match.start(), match.end()))
        if self.keywords.matchers:
            chosen: list[tuple[int, int, str]] = []  # (item, offset, sentence)
            for index, (text, units) in enumerate(items):
                if not units and text:
                    units = [(0, len(text))]
                chosen += [(index, s, text[s:e]) for s, e in self._candidates(text, units)]
            docs = _docs(self.keywords.nlp, [c[2] for c in chosen], self.keywords.lemmas)
            for (index, offset, _), doc in zip(chosen, docs, strict=True):
                for matcher in self.keywords.matchers:
                    for _, first, last in matcher(doc):
                        span = doc[first:last]
                        found[index].add((offset + span.start_char, offset + span.end_char))
        return [sorted(hits) for hits in found]


# Scope and speakers ------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    start: int
    end: int
    body: int  # where the speech starts, after the speaker label
    speaker_names: frozenset[str]  # lower-cased: label, pseudonym, "interviewer"
    interviewee_id: int | None


def _containing(starts: list[int], spans: list, point: int) -> int | None:
    """The index of the span (sorted, not overlapping) holding `point`, if any."""
    index = bisect.bisect_right(starts, point) - 1
    if index >= 0 and spans[index][1] > point:
        return index
    return None


@dataclass
class SourceUnits:
    """The stored segments of one source, each kind sorted by start."""

    text: str
    sentences: list[tuple[int, int]]
    paragraphs: list[tuple[int, int]]
    turns: list[Turn]

    def __post_init__(self) -> None:
        self._starts = {
            "sentence": [s for s, _ in self.sentences],
            "paragraph": [s for s, _ in self.paragraphs],
            "turn": [t.start for t in self.turns],
        }
        self._turn_spans = [(t.start, t.end) for t in self.turns]

    def turn_at(self, point: int) -> Turn | None:
        index = _containing(self._starts["turn"], self._turn_spans, point)
        return None if index is None else self.turns[index]

    def scope_span(self, start: int, end: int, scope: str) -> tuple[int, int]:
        """The span a match at [start, end) codes under `scope`."""
        if scope == "turn":
            turn = self.turn_at(start)
            if turn is not None:
                return min(turn.body, start), max(turn.end, end)
            scope = "paragraph"  # a text without turns: its paragraph
        if scope in {"sentence", "paragraph"}:
            spans = self.sentences if scope == "sentence" else self.paragraphs
            index = _containing(self._starts[scope], spans, start)
            if index is not None:
                return spans[index][0], max(spans[index][1], end)
        return start, end


def turn_body(turn_start: int, turn_end: int, sentences: list[tuple[int, int]], text: str) -> int:
    """Where a turn's speech begins: its first sentence (sentences leave the speaker label
    out), else after its first colon, else its start."""
    index = bisect.bisect_left(sentences, (turn_start, -1))
    if index < len(sentences) and sentences[index][0] < turn_end:
        return sentences[index][0]
    line = text[turn_start:turn_end]
    colon = line.find(":")
    if colon >= 0:
        rest = line[colon + 1 :]
        return turn_start + colon + 1 + len(rest) - len(rest.lstrip())
    return turn_start


@dataclass(frozen=True)
class Restriction:
    """Whose words a rule reads: speakers (lower-cased labels, pseudonyms or
    "interviewer") and interviewees (ids, e.g. those with an attribute value); None means
    anyone."""

    speakers: frozenset[str] | None = None
    interviewees: frozenset[int] | None = None

    def admits(self, turn: Turn | None, voices: SourceVoices) -> bool:
        if self.speakers is None and self.interviewees is None:
            return True
        if turn is None:  # a text without turns: its own interviewees speak
            names, people = voices.names, voices.interviewees
        else:
            names = turn.speaker_names
            people = frozenset([turn.interviewee_id]) if turn.interviewee_id else frozenset()
        if self.speakers is not None and not names & self.speakers:
            return False
        return self.interviewees is None or bool(people & self.interviewees)


@dataclass(frozen=True)
class SourceVoices:
    """Who speaks in a source without turns: its interviewees."""

    names: frozenset[str] = frozenset()
    interviewees: frozenset[int] = frozenset()


def rule_spans(
    matches: list[tuple[int, int]] | None,
    units: SourceUnits,
    *,
    scope: str,
    restriction: Restriction,
    voices: SourceVoices = SourceVoices(),
) -> list[tuple[int, int, int, int]]:
    """(span start, span end, match start, match end) of a rule's hits in one source, one
    per span, from its `matches` (RuleMatcher.find). Without matches (None: code by
    speaker) every admitted turn is a hit."""
    if matches is None:
        hits = [
            (t.body, t.end, t.body, t.end)
            for t in units.turns
            if t.end > t.body and restriction.admits(t, voices)
        ]
        if not units.turns and restriction.admits(None, voices) and units.text.strip():
            text = units.text
            start = len(text) - len(text.lstrip())
            hits = [(start, len(text.rstrip()), start, len(text.rstrip()))]
        return hits
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for start, end in matches:
        if not restriction.admits(units.turn_at(start), voices):
            continue
        span = units.scope_span(start, end, scope)
        spans.setdefault(span, (start, end))
    return [(s, e, ms, me) for (s, e), (ms, me) in sorted(spans.items())]


def context_of(text: str, start: int, end: int, width: int = 80) -> dict:
    """A hit with the text around it, for a dry run's sample."""
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    return {
        "before": ("…" if start > width else "") + before,
        "text": text[start:end],
        "after": after + ("…" if end + width < len(text) else ""),
    }
