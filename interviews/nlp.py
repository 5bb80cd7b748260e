"""Language processing: the one module that imports spaCy.

Two pipelines per language, each loaded once per process and cached:

- the *sentence* pipeline, `spacy.blank(lang)` with a rule-based sentencizer: fast, needs
  no model, used at import so that a source is codable at once;
- the *full* pipeline: the trained one named by `PARLEY_SPACY_MODEL` for English, or the
  blank one for any other language (the source page then says so). It finds named entities,
  in the background, through `nlp.pipe` in batches.
"""

from __future__ import annotations

import functools
import gc
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings

# Languages offered at import (spaCy has a blank pipeline for each but Belarusian, which
# falls back to the multi-language one).
LANGUAGES = {
    "en": "English",
    "ru": "Russian",
    "be": "Belarusian",
    "uk": "Ukrainian",
    "zh": "Chinese",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
}
TRAINED_LANGUAGE = "en"
MAX_LENGTH = 5_000_000


@dataclass(frozen=True)
class Pipeline:
    nlp: object
    name: str
    language: str
    trained: bool

    @property
    def has_entities(self) -> bool:
        return "ner" in self.nlp.pipe_names


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    label: str
    text: str


def _blank(language: str):
    import spacy

    try:
        nlp = spacy.blank(language)
    except ImportError:
        nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    nlp.max_length = MAX_LENGTH
    return nlp


def _settle() -> None:
    """Take what is alive now (chiefly a pipeline just loaded and cached for the life of the
    process) out of the garbage collector's sight: its full passes otherwise walk the
    pipeline's many objects again and again, about 100 ms each with the trained English
    pipeline loaded, in the middle of whatever request or import runs at that moment."""
    gc.collect()
    gc.freeze()


@functools.cache
def sentence_pipeline(language: str) -> Pipeline:
    """The cheap pipeline that splits sentences (no model needed)."""
    nlp = _blank(language)
    _settle()
    return Pipeline(nlp, f"blank:{nlp.lang}+sentencizer", language, trained=False)


@functools.cache
def _full_pipeline(language: str, model: str) -> Pipeline:
    if language == TRAINED_LANGUAGE and model:
        import spacy

        try:
            nlp = spacy.load(model)
        except OSError:
            pass  # the package is not installed: fall back to the blank pipeline
        else:
            nlp.max_length = MAX_LENGTH
            _settle()
            meta = nlp.meta
            return Pipeline(
                nlp, f"{meta.get('lang', 'en')}_{meta['name']}-{meta['version']}", language, True
            )
    return sentence_pipeline(language)


def full_pipeline(language: str) -> Pipeline:
    """The best pipeline for a language: trained for English, else blank."""
    return _full_pipeline(language, settings.PARLEY_SPACY_MODEL)


def has_trained_pipeline(language: str) -> bool:
    return full_pipeline(language).trained


# Segmentation -------------------------------------------------------------------------

_BREAK = re.compile(r"\n[ \t]*\n")


@functools.cache
def _sentence_marks(language: str):
    """The hashes of the sentencizer's sentence-final characters, as a sorted array."""
    import numpy

    nlp = sentence_pipeline(language).nlp
    punct_chars = nlp.get_pipe("sentencizer").punct_chars
    return numpy.array(sorted(nlp.vocab.strings.add(c) for c in punct_chars), dtype=numpy.uint64)


# Pieces that are not all letters and digits; tried only where a piece starts, so that a long
# word without punctuation is scanned once, not once from each of its characters.
_PUNCTUATED = re.compile(r"(?<!\S)(?=\S*?(?:[^\w\s]|_))\S+")
_SPACE = re.compile(r"\s*")


def sentence_starts(text: str, language: str) -> list[int]:
    """Character offsets where the sentence pipeline's sentencizer starts a sentence.

    The same rule as spaCy's Sentencizer: after a token that is one of its `punct_chars`,
    the next token that is neither punctuation nor one of them starts a sentence. spaCy's
    rule-based tokenizer splits the text at white space and tokenizes each piece on its own,
    so only the distinct pieces with punctuation need the tokenizer (once each, in one
    call); a piece of letters and digits is one or more plain tokens. No Python object is
    made per token: this is most of the cost of making a source codable.
    """
    pipeline = sentence_pipeline(language).nlp
    if not _splits_at_spaces(language):
        starts: list[int] = []
        for offset, chunk in _doc_chunks(text):
            starts.extend(
                offset + s for s in _sentence_starts_of(pipeline.make_doc(chunk), language)
            )
        return starts
    pieces = list(_PUNCTUATED.finditer(text))
    tokens = _piece_tokens(list(dict.fromkeys(m.group() for m in pieces)), language)
    starts = [0] if text else []
    pending = False  # a sentence-final token was seen and no sentence has started since
    for index, match in enumerate(pieces):
        base = match.start()
        for offset, ordinary, mark in tokens[match.group()]:
            if pending and ordinary:
                starts.append(base + offset)
                pending = False
            elif mark:
                pending = True
        if not pending:
            continue
        # The next token: white space (a token of its own unless it is the one space the
        # previous token carries), a plain piece, or the next piece with punctuation.
        end = match.end()
        after = _SPACE.match(text, end).end()
        blank = text[end:after]
        if blank and blank != " ":
            starts.append(end + 1 if blank[0] == " " else end)
            pending = False
        elif after < len(text) and (index + 1 == len(pieces) or pieces[index + 1].start() != after):
            starts.append(after)
            pending = False
    return starts


@functools.cache
def _splits_at_spaces(language: str) -> bool:
    """Whether the language uses spaCy's rule-based tokenizer (pieces between white space
    tokenized on their own) and no sentence-final character is a letter or digit."""
    from spacy.tokenizer import Tokenizer

    nlp = sentence_pipeline(language).nlp
    punct_chars = nlp.get_pipe("sentencizer").punct_chars
    return isinstance(nlp.tokenizer, Tokenizer) and not any(c.isalnum() for c in punct_chars)


# The tokens of short pieces already seen, per language: a study's transcripts share most
# of their words, so a process's later imports rarely need the tokenizer. A piece is
# tokenized on its own, so its tokens do not depend on the text it came from. Bounded: the
# memo starts afresh when full.
_PIECE_MEMO: dict[str, dict[str, list[tuple[int, bool, bool]]]] = {}
PIECE_MEMO_SIZE = 20_000
_MEMO_PIECE = 40  # longest piece kept


def _piece_tokens(pieces: list[str], language: str) -> dict[str, list[tuple[int, bool, bool]]]:
    """Each piece's tokens as (offset in the piece, ordinary, sentence-final): ordinary
    tokens are neither punctuation nor sentence-final."""
    memo = _PIECE_MEMO.setdefault(language, {})
    known = {piece: memo[piece] for piece in pieces if piece in memo}
    fresh = _tokenize_pieces([piece for piece in pieces if piece not in known], language)
    if len(memo) + len(fresh) > PIECE_MEMO_SIZE:
        memo.clear()
    memo.update((piece, tokens) for piece, tokens in fresh.items() if len(piece) <= _MEMO_PIECE)
    return known | fresh


def _tokenize_pieces(pieces: list[str], language: str) -> dict[str, list[tuple[int, bool, bool]]]:
    if not pieces:
        return {}
    result: dict[str, list[tuple[int, bool, bool]]] = {}
    # A piece longer than any word is one token: it is junk (a run of brackets, a URL of
    # megabytes), and spaCy's tokenizer strips prefixes one copy of the string at a time.
    batch: list[str] = []
    size = 0
    for piece in pieces:
        if len(piece) > MAX_PIECE:
            result[piece] = [(0, True, False)]
            continue
        if size + len(piece) + 1 > MAX_DOC and batch:
            result.update(_batch_tokens(batch, language))
            batch, size = [], 0
        batch.append(piece)
        size += len(piece) + 1
    if batch:
        result.update(_batch_tokens(batch, language))
    return result


# spaCy refuses a doc over its max_length (1,000,000 characters by default); texts and the
# pieces of one are tokenized in parts under MAX_DOC.
MAX_DOC = 500_000
MAX_PIECE = 1_000


def _doc_chunks(text: str) -> list[tuple[int, str]]:
    """(offset, chunk) parts of a text under MAX_DOC, cut after a line break where there is
    one in the chunk's second half."""
    chunks = []
    start = 0
    while len(text) - start > MAX_DOC:
        cut = text.rfind("\n", start + MAX_DOC // 2, start + MAX_DOC)
        end = cut + 1 if cut >= 0 else start + MAX_DOC
        chunks.append((start, text[start:end]))
        start = end
    chunks.append((start, text[start:]))
    return chunks


def _batch_tokens(pieces: list[str], language: str) -> dict[str, list[tuple[int, bool, bool]]]:
    import numpy
    from spacy.attrs import IDX, IS_PUNCT, ORTH

    doc = sentence_pipeline(language).nlp.make_doc(" ".join(pieces))
    columns = doc.to_array([ORTH, IS_PUNCT, IDX])
    marks = numpy.isin(columns[:, 0], _sentence_marks(language))
    ordinary = ~(marks | columns[:, 1].astype(bool))
    offsets = numpy.cumsum([0] + [len(p) + 1 for p in pieces[:-1]])
    owner = numpy.searchsorted(offsets, columns[:, 2], side="right") - 1
    result: dict[str, list[tuple[int, bool, bool]]] = {p: [] for p in pieces}
    for index, start, is_ordinary, is_mark in zip(
        owner.tolist(), columns[:, 2].tolist(), ordinary.tolist(), marks.tolist(), strict=True
    ):
        piece = pieces[index]
        result[piece].append((start - int(offsets[index]), is_ordinary, is_mark))
    return result


def _sentence_starts_of(doc, language: str) -> list[int]:
    import numpy
    from spacy.attrs import IDX, IS_PUNCT, ORTH

    if not len(doc):
        return []
    columns = doc.to_array([ORTH, IS_PUNCT, IDX])
    marks = numpy.isin(columns[:, 0], _sentence_marks(language))
    plain = numpy.flatnonzero(~(marks | columns[:, 1].astype(bool)))
    after = numpy.searchsorted(plain, numpy.flatnonzero(marks), side="right")
    starts = numpy.unique(plain[after[after < len(plain)]])
    return [0, *columns[starts, 2].tolist()]


def sentence_spans(
    text: str,
    language: str,
    boundaries: Iterable[int] = (),
    labels: Iterable[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """[start, end) of each sentence, never crossing a paragraph break or a boundary
    (e.g. a turn start); `labels` (speaker labels such as “Q:”) are left out of every sentence.

    The text is tokenised once by the blank pipeline; its sentence starts, the paragraph
    breaks and the boundaries cut the text, and each piece is trimmed of white space.
    """
    labels = sorted((s, e) for s, e in labels if e > s)
    cuts = {0, len(text)}
    for match in _BREAK.finditer(text):
        cuts.update((match.start(), match.end()))
    cuts.update(b for b in boundaries if 0 < b < len(text))
    cuts.update(p for span in labels for p in span if 0 < p < len(text))
    cuts.update(sentence_starts(text, language))
    points = sorted(cuts)
    spans: list[tuple[int, int]] = []
    label_index = 0
    for start, end in zip(points, points[1:], strict=False):
        while label_index < len(labels) and labels[label_index][1] <= start:
            label_index += 1
        if label_index < len(labels) and labels[label_index][0] <= start < labels[label_index][1]:
            continue  # inside a speaker label
        chunk = text[start:end]
        stripped = chunk.strip()
        if stripped:
            s = start + len(chunk) - len(chunk.lstrip())
            spans.append((s, s + len(stripped)))
    return spans


# Entities -----------------------------------------------------------------------------


def entities_pipe(
    texts: Iterable[str], language: str, *, batch_size: int = 8, n_process: int = 1
) -> Iterator[list[Entity]]:
    """Named entities of each text (in order), through the full pipeline in batches.

    Yields [] for each text when the language has no trained pipeline.
    """
    pipeline = full_pipeline(language)
    if not pipeline.has_entities:
        for _ in texts:
            yield []
        return
    for doc in pipeline.nlp.pipe(texts, batch_size=batch_size, n_process=n_process):
        yield [Entity(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents]


# Language detection -------------------------------------------------------------------

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CYRILLIC_WORD = re.compile(r"\b[\u0400-\u04ff]+\b")
_LATIN_WORD = re.compile(r"\b[a-zA-ZÀ-ÿ]+\b")
_STOPWORDS = {
    "en": {"the", "and", "of", "to", "is", "in", "that", "it", "was", "we", "with", "for"},
    "de": {"der", "die", "und", "das", "ist", "nicht", "ich", "wir", "mit", "ein", "zu", "den"},
    "fr": {"le", "la", "les", "et", "est", "des", "une", "que", "nous", "pas", "du", "dans"},
    "es": {"el", "la", "los", "y", "es", "que", "de", "una", "por", "con", "las", "del"},
}


def _cyrillic_language(text: str) -> str:
    lower = text.lower()
    if "ў" in lower:
        return "be"
    if any(ch in lower for ch in "їєґ"):
        return "uk"
    has_i = "і" in lower
    has_ru = any(ch in lower for ch in "ыэъ")
    if has_i and has_ru:
        return "be"  # Belarusian has both і and ы, э
    if has_i:
        return "uk"
    return "ru"


DETECT_SAMPLE = 20_000


def detect_language(text: str, default: str = "en") -> str:
    """The main language of a text, among LANGUAGES (script first, then common words).

    The first DETECT_SAMPLE characters (some 3,000 words) decide: reading a whole long
    transcript costs time and tells nothing more."""
    sample = text[:DETECT_SAMPLE]
    han = len(_HAN.findall(sample))
    cyrillic = _CYRILLIC_WORD.findall(sample)
    latin = _LATIN_WORD.findall(sample)
    counts = {"zh": han, "cyrillic": len(cyrillic), "latin": len(latin)}
    script = max(counts, key=counts.get)
    if counts[script] == 0:
        return default
    if script == "zh":
        return "zh"
    if script == "cyrillic":
        return _cyrillic_language(" ".join(cyrillic))
    words = [w.lower() for w in latin]
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=scores.get)
    return best if scores[best] > 0 else default
