"""Language processing: spaCy's pipelines and the sentences of a text.

Two pipelines per language, each loaded once per process where it is needed, and cached:

- the *sentence* pipeline, `spacy.blank(lang)` with a rule-based sentencizer: fast, needs
  no model. At import its sentences are found without it being loaded (`sentence_starts`,
  over the tokens `interviews.tokenizing` makes by its tokenizer's rules), so that a source
  is codable at once and the web processes hold no spaCy;
- the *full* pipeline: the trained one named by `PARLEY_SPACY_MODEL` for English, or the
  blank one for any other language (the source page then says so). It finds named entities,
  in the background, through `nlp.pipe` in batches.
"""

from __future__ import annotations

import bisect
import functools
import gc
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings

from interviews import tokenizing

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


def tokenizer_rules(language: str) -> dict:
    """The rules of the sentence pipeline's tokenizer, as `interviews.tokenizing` stores them
    (`manage.py tokenizer_rules` writes them out)."""
    import spacy
    from spacy.attrs import ORTH
    from spacy.tokenizer import Tokenizer

    nlp = sentence_pipeline(language).nlp
    tokenizer = nlp.tokenizer
    data = {
        "spacy": spacy.__version__,
        "pipeline": nlp.lang,
        "punct_chars": sorted(nlp.get_pipe("sentencizer").punct_chars),
    }
    if not isinstance(tokenizer, Tokenizer):
        if str(getattr(tokenizer, "segmenter", "")) != "char":
            raise ValueError(f"{language}: a tokenizer of its own ({type(tokenizer).__name__})")
        return data | {"tokenizer": "chars"}
    expressions = {}
    for name, attribute, method in (
        ("prefix", "prefix_search", "search"),
        ("suffix", "suffix_search", "search"),
        ("infix", "infix_finditer", "finditer"),
        ("token_match", "token_match", "match"),
        ("url_match", "url_match", "match"),
    ):
        function = getattr(tokenizer, attribute)
        if function is None:
            continue
        pattern = getattr(function, "__self__", None)
        if not isinstance(pattern, re.Pattern) or function.__name__ != method:
            raise ValueError(f"{language}: {attribute} is not a regular expression's {method}")
        expressions[name] = [pattern.pattern, pattern.flags]
    specials = {
        string: [token.get(ORTH, token.get("ORTH")) for token in tokens]
        for string, tokens in tokenizer.rules.items()
    }
    return data | {
        "tokenizer": "rules",
        "faster_heuristics": tokenizer.faster_heuristics,
        "expressions": expressions,
        "specials": specials,
    }


# Segmentation -------------------------------------------------------------------------

_BREAK = re.compile(r"\n[ \t]*\n")


# Pieces that are not all letters and digits; tried only where a piece starts, so that a long
# word without punctuation is scanned once, not once from each of its characters.
_PUNCTUATED = re.compile(r"(?<!\S)(?=\S*?(?:[^\w\s]|_))\S+")
_SPACE = re.compile(r"\s*")
_RUN = re.compile(r"\S*")


def sentence_pipeline_name(language: str) -> str:
    """The name of the sentence pipeline, as `sentence_pipeline(language).name`, with no
    pipeline loaded."""
    return f"blank:{tokenizing.rules(language).pipeline}+sentencizer"


def sentence_starts(text: str, language: str) -> list[int]:
    """Character offsets where the sentence pipeline's sentencizer starts a sentence.

    The same rule as spaCy's Sentencizer: after a token that is one of its `punct_chars`,
    the next token that is neither punctuation nor one of them starts a sentence. The tokens
    are those of the blank pipeline's tokenizer, made by `interviews.tokenizing` without
    spaCy. The rule-based tokenizer splits the text at white space and tokenizes each piece
    on its own, so only the distinct pieces with punctuation need tokenizing (once each); a
    piece of letters and digits is one or more plain tokens. No Python object is made per
    token of the text: this is most of the cost of making a source codable.
    """
    rules = tokenizing.rules(language)
    if not rules.splits_at_spaces:
        return _character_sentence_starts(text, rules.punct_chars)
    pieces = list(_PUNCTUATED.finditer(text))
    tokens = _piece_tokens(list(dict.fromkeys(m.group() for m in pieces)), language)
    spaced = rules.spaced_specials(text)
    if spaced:
        pieces = _with_spaced_specials(text, pieces, tokens, spaced, rules)
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


@dataclass(frozen=True)
class _Stretch:
    """A stretch of text taken as one piece, as a match of `_PUNCTUATED` gives its piece."""

    at: int
    text: str

    def start(self) -> int:
        return self.at

    def end(self) -> int:
        return self.at + len(self.text)

    def group(self) -> str:
        return self.text


def _with_spaced_specials(text, pieces, tokens, spaced, rules) -> list:
    """The pieces, each stretch of text that a special case with a space inside touches
    (from the start of the piece it starts in to the end of the piece it ends in) made one
    piece; `tokens` gets the tokens spaCy gives each stretch."""
    stretches: list[list[int]] = []
    for start, end in spaced:
        floor = max(0, start - MAX_PIECE)
        while start > floor and not text[start - 1].isspace():
            start -= 1
        end = _RUN.match(text, end).end()
        if stretches and start <= stretches[-1][1]:
            stretches[-1][1] = max(stretches[-1][1], end)
        else:
            stretches.append([start, end])
    firsts = [start for start, _ in stretches]
    kept = []
    for piece in pieces:
        at = bisect.bisect_right(firsts, piece.start()) - 1
        if at < 0 or piece.start() >= stretches[at][1]:
            kept.append(piece)
    for start, end in stretches:
        stretch = _Stretch(start, text[start:end])
        tokens[stretch.text] = [
            (at, *_kind(token, rules.punct_chars)) for at, token in rules.text_tokens(stretch.text)
        ]
        kept.append(stretch)
    return sorted(kept, key=lambda piece: piece.start())


# The tokens of short pieces already seen, per language: a study's transcripts share most
# of their words, so a process's later imports rarely need the tokenizer. A piece is
# tokenized on its own, so its tokens do not depend on the text it came from. Bounded: kept
# in the order of their last use, and when full the half used longest ago is let go.
_PIECE_MEMO: dict[str, dict[str, list[tuple[int, bool, bool]]]] = {}
PIECE_MEMO_SIZE = 20_000
_MEMO_PIECE = 40  # longest piece kept
# A piece longer than any word is one token: it is junk (a run of brackets, a URL of
# megabytes), and the tokenizer strips prefixes one copy of the string at a time.
MAX_PIECE = 1_000


def _piece_tokens(pieces: list[str], language: str) -> dict[str, list[tuple[int, bool, bool]]]:
    """Each piece's tokens as (offset in the piece, ordinary, sentence-final): ordinary
    tokens are neither punctuation nor sentence-final."""
    memo = _PIECE_MEMO.setdefault(language, {})
    found = {}
    for piece in pieces:
        tokens = memo.pop(piece, None)
        if tokens is None:
            tokens = _tokens_of(piece, language)
            if len(piece) > _MEMO_PIECE:
                found[piece] = tokens
                continue
        found[piece] = memo[piece] = tokens  # (again) the memo's last
    if len(memo) > PIECE_MEMO_SIZE:
        for piece in list(itertools.islice(memo, len(memo) - PIECE_MEMO_SIZE // 2)):
            memo.pop(piece, None)  # (a thread of a development server may have taken it)
    return found


def _tokens_of(piece: str, language: str) -> list[tuple[int, bool, bool]]:
    if len(piece) > MAX_PIECE:
        return [(0, True, False)]
    rules = tokenizing.rules(language)
    return [(at, *_kind(token, rules.punct_chars)) for at, token in rules.piece_tokens(piece)]


def _kind(token: str, marks: frozenset[str]) -> tuple[bool, bool]:
    """(ordinary, sentence-final): ordinary tokens are neither punctuation nor final."""
    mark = token in marks
    return not mark and not tokenizing.is_punct(token), mark


def _character_sentence_starts(text: str, marks: frozenset[str]) -> list[int]:
    """The sentencizer's starts over the tokens of spaCy's "char" segmenter (Chinese): each
    character but white space a token; a run of white space a token, less the one space
    that follows a character. Only the marks and what follows them are looked at."""
    starts = [0] if text else []
    find_mark = re.compile("|".join(map(re.escape, sorted(marks)))).search
    at = 0
    while found := find_mark(text, at):
        at = found.end()
        while at < len(text):
            char = text[at]
            if char.isspace():
                if char == " ":  # the space the character before carries
                    at += 1
                    if at == len(text) or not text[at].isspace():
                        continue
                starts.append(at)  # white space is an ordinary token
                break
            if char not in marks and not tokenizing.is_punct(char):
                starts.append(at)
                break
            at += 1
    return starts


def sentence_spans(
    text: str,
    language: str,
    boundaries: Iterable[int] = (),
    labels: Iterable[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """[start, end) of each sentence, never crossing a paragraph break or a boundary
    (e.g. a turn start); `labels` (speaker labels such as “Q:”) are left out of every sentence.

    The text is tokenised once as the blank pipeline would; its sentence starts, the paragraph
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
