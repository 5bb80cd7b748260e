"""The tokens of spaCy's blank pipelines, made without spaCy.

Phase one of an import splits a text into sentences by the rule of spaCy's sentencizer over
the tokens of its language's blank pipeline (`interviews.nlp`). Only the tokenizer matters
there, and it is rules: special cases, prefix, suffix and infix expressions, a token and a URL
match, then a pass that puts back the special cases the affixes split. This module applies the
same rules in the same order (spaCy's `Tokenizer._split_affixes`, `_attach_tokens` and
`_apply_special_cases`), so that the web processes, which make sources codable, need not load
spaCy. The rules are spaCy's own, written out by `manage.py tokenizer_rules` into
`tokenizer_rules/<language>.json.gz`; the tests hold the stored rules to those of the installed
spaCy and the tokens to its tokenizer's.

Chinese is tokenized a character at a time (spaCy's "char" segmenter: `interviews.nlp`), the
rest by the rules.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent / "tokenizer_rules"


def is_punct(text: str) -> bool:
    """spaCy's IS_PUNCT: every character is punctuation."""
    return all(unicodedata.category(char).startswith("P") for char in text)


def rules_path(language: str) -> Path:
    return RULES_DIR / f"{language}.json.gz"


def _compiled(entry: list | None) -> re.Pattern | None:
    return None if entry is None else re.compile(entry[0], entry[1])


@dataclass
class Rules:
    """One language's tokenizer rules, as spaCy's blank pipeline for it has them."""

    pipeline: str  # spaCy's language code of the pipeline ("xx" where it has none of its own)
    chars: bool  # a character a token (Chinese), no rules
    punct_chars: frozenset[str]
    specials: dict[str, tuple[str, ...]] = field(default_factory=dict)
    prefix: re.Pattern | None = None
    suffix: re.Pattern | None = None
    infix: re.Pattern | None = None
    token_match: re.Pattern | None = None
    url_match: re.Pattern | None = None
    faster_heuristics: bool = True
    # The special cases' strings as tokenized without special cases, by their first token:
    # where a text's tokens show one of them, the special case's tokens replace them.
    _patterns: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: dict) -> Rules:
        expressions = data.get("expressions", {})
        rules = cls(
            pipeline=data["pipeline"],
            chars=data["tokenizer"] == "chars",
            punct_chars=frozenset(data["punct_chars"]),
            specials={key: tuple(orths) for key, orths in data.get("specials", {}).items()},
            prefix=_compiled(expressions.get("prefix")),
            suffix=_compiled(expressions.get("suffix")),
            infix=_compiled(expressions.get("infix")),
            token_match=_compiled(expressions.get("token_match")),
            url_match=_compiled(expressions.get("url_match")),
            faster_heuristics=data.get("faster_heuristics", True),
        )
        for string in sorted(rules.specials):
            if (
                not rules.faster_heuristics
                or rules._prefix_length(string)
                or any(rules._infix_finditer(string))
                or rules._suffix_length(string)
                or " " in string
            ):
                pattern = rules._pattern(string)
                if pattern:
                    rules._patterns.setdefault(pattern[0], []).append(pattern)
        return rules

    def __post_init__(self) -> None:
        # Bound once: these are called for every piece.
        never = re.compile(r"(?!)")
        self._prefix_search = (self.prefix or never).search
        self._suffix_search = (self.suffix or never).search
        self._infix_finditer = (self.infix or never).finditer
        self._token_match = self.token_match.match if self.token_match else None
        self._url_match = self.url_match.match if self.url_match else None

    # spaCy's find_prefix and find_suffix.
    def _prefix_length(self, string: str) -> int:
        match = self._prefix_search(string)
        return match.end() - match.start() if match else 0

    def _suffix_length(self, string: str) -> int:
        match = self._suffix_search(string)
        return match.end() - match.start() if match else 0

    def _split_affixes(self, string: str, specials: bool) -> tuple[list[str], str, list[str]]:
        known = self.specials if specials else {}
        token_match = self._token_match
        prefixes: list[str] = []
        suffixes: list[str] = []
        last_size = 0
        while string and len(string) != last_size:
            if (token_match and token_match(string)) or string in known:
                break
            last_size = len(string)
            pre_len = self._prefix_length(string)
            if pre_len:
                prefix, minus_pre = string[:pre_len], string[pre_len:]
                if minus_pre and minus_pre in known:
                    prefixes.append(prefix)
                    string = minus_pre
                    break
            suf_len = self._suffix_length(string[pre_len:])
            if suf_len:
                suffix, minus_suf = string[-suf_len:], string[:-suf_len]
                if minus_suf and minus_suf in known:
                    suffixes.append(suffix)
                    string = minus_suf
                    break
            if pre_len and suf_len and pre_len + suf_len <= len(string):
                string = string[pre_len:-suf_len]
                prefixes.append(prefix)
                suffixes.append(suffix)
            elif pre_len:
                string = minus_pre
                prefixes.append(prefix)
            elif suf_len:
                string = minus_suf
                suffixes.append(suffix)
        return prefixes, string, suffixes

    def _affix_tokens(self, piece: str, specials: bool) -> list[str]:
        """The tokens of a piece without white space, before the special cases' pass."""
        known = self.specials if specials else {}
        if piece in known:
            return list(known[piece])
        tokens, string, suffixes = self._split_affixes(piece, specials)
        if string:
            if string in known:
                tokens.extend(known[string])
            elif (self._token_match and self._token_match(string)) or (
                self._url_match and self._url_match(string)
            ):
                tokens.append(string)
            else:
                start = 0
                for match in self._infix_finditer(string):
                    infix_start, infix_end = match.span()
                    if infix_start == 0:
                        continue
                    if infix_start != start:
                        tokens.append(string[start:infix_start])
                    if infix_start != infix_end:
                        tokens.append(string[infix_start:infix_end])
                    start = infix_end
                if string[start:]:
                    tokens.append(string[start:])
        tokens.extend(reversed(suffixes))
        return tokens

    def piece_tokens(self, piece: str) -> list[tuple[int, str]]:
        """(offset, token) of a piece without white space, as spaCy's tokenizer makes them
        when the piece is the whole text."""
        return self._special_pass(self._placed(self._affix_tokens(piece, True), 0), piece)

    @staticmethod
    def _placed(tokens: list[str], at: int) -> list[tuple[int, str]]:
        """The tokens with their offsets, the first at `at`."""
        placed = []
        for token in tokens:
            placed.append((at, token))
            at += len(token)
        return placed

    @functools.cached_property
    def splits_at_spaces(self) -> bool:
        """Whether the language uses spaCy's rule-based tokenizer (pieces between white space
        tokenized on their own) and no sentence-final character is a letter or digit."""
        return not self.chars and not any(c.isalnum() for c in self.punct_chars)

    @functools.cached_property
    def _spaced(self) -> re.Pattern | None:
        spaced = sorted((s for s in self.specials if " " in s.strip()), key=len, reverse=True)
        return re.compile(f"(?=({'|'.join(map(re.escape, spaced))}))") if spaced else None

    def spaced_specials(self, text: str) -> list[tuple[int, int]]:
        """[start, end) of each special case with a space inside (Spanish "EE. UU.", Russian
        abbreviations such as "в т.ч.") in the text, overlapping ones too: spaCy makes it
        one token across the white space, so its pieces are not tokenized alone."""
        if self._spaced is None:
            return []
        return [(m.start(), m.start() + len(m.group(1))) for m in self._spaced.finditer(text)]

    def text_tokens(self, text: str) -> list[tuple[int, str]]:
        """(offset, token) of a whole text, as spaCy's tokenizer makes them."""
        tokens = [
            placed
            for run, at in self._runs(text)
            for placed in self._placed(self._affix_tokens(run, True), at)
        ]
        return self._special_pass(tokens, text)

    @staticmethod
    def _runs(text: str):
        """spaCy's `_tokenize_affixes` cuts a text into runs of white space and of the rest,
        less the single space after each of the rest (the token before carries it)."""
        for match in re.finditer(r"\s+|\S+", text):
            run, at = match.group(), match.start()
            if run[0] == " " and at > 0:
                run, at = run[1:], at + 1
            if run:
                yield run, at

    def _pattern(self, string: str) -> tuple[str, ...]:
        """A special case's string tokenized without special cases."""
        return tuple(t for run, _ in self._runs(string) for t in self._affix_tokens(run, False))

    def _special_pass(self, tokens: list[tuple[int, str]], text: str) -> list[tuple[int, str]]:
        """spaCy's `_apply_special_cases`: where the tokens show a special case's string
        tokenized without special cases, the special case's own tokens replace them; of
        matches that share a first or a last token, the longest (then the first) wins."""
        patterns = self._patterns
        if not any(token in patterns for _, token in tokens):
            return tokens
        words = [token for _, token in tokens]
        matches = []
        for start, word in enumerate(words):
            for pattern in patterns.get(word, ()):
                end = start + len(pattern)
                if tuple(words[start:end]) == pattern:
                    matches.append((start, end))
        if not matches:
            return tokens
        matches.sort(key=lambda span: (-(span[1] - span[0]), span[0]))
        seen: set[int] = set()
        kept = []
        for start, end in matches:
            if start not in seen and end - 1 not in seen:
                kept.append((start, end))
            seen.update(range(start, end))
        kept.sort()
        result: list[tuple[int, str]] = []
        done = 0
        for start, end in kept:
            result.extend(tokens[done:start])
            first, (last, word) = tokens[start][0], tokens[end - 1]
            special = self.specials.get(text[first : last + len(word)])
            if special is None:
                result.extend(tokens[start:end])
            else:
                for token in special:
                    result.append((first, token))
                    first += len(token)
            done = end
        result.extend(tokens[done:])
        return result


# spaCy's multi-language pipeline: the rules of a language that has none stored (a source's
# language named by a REFI-QDA project, say), as spaCy falls back to it for a language it
# does not know. (spaCy has rules of its own for some such languages, Italian say: only those
# of the languages offered at import are stored.)
FALLBACK = "xx"
_CODE = re.compile(r"[a-z]{2,3}")


def stored(language: str) -> bool:
    return bool(_CODE.fullmatch(language)) and rules_path(language).exists()


@functools.cache
def rules(language: str) -> Rules:
    """A language's stored rules, or the multi-language ones where it has none."""
    return _rules(language if stored(language) else FALLBACK)


@functools.cache
def _rules(language: str) -> Rules:
    with gzip.open(rules_path(language), "rt", encoding="utf-8") as data:
        return Rules.from_data(json.load(data))
