"""Full-text search across a project's sources, shown as keyword-in-context (KWIC) lines.

The database's own engine finds the sources that hold every word of the query: SQLite
FTS5 (table `coding_source_fts`, kept in sync with `interviews_source` by triggers) or
PostgreSQL full-text search (a GIN index on the text's tsvector). Both see words the same
way — runs of letters and digits, case folded, ASCII punctuation as a separator — and the
exact hits (phrases, word boundaries) are then found in Python on those sources only, so the
same query gives the same hits on both databases.

Query syntax: words (all must occur), "quoted phrases", and `word*` for a prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from interviews.models import Source

FTS_TABLE = "coding_source_fts"
# Punctuation the PostgreSQL parser would otherwise read as part of a token (3.5, e-mails,
# URLs, hyphenated words); turned into spaces in the index expression. Keep in step with
# migration 0003.
PG_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
PG_VECTOR = (
    'to_tsvector(\'simple\'::regconfig, translate("interviews_source"."text", '
    "'!\"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~', '                                '))"
)
SQLITE_TRIGGERS = {
    f"{FTS_TABLE}_ai": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON interviews_source BEGIN
            INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text);
        END""",
    f"{FTS_TABLE}_ad": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON interviews_source BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text);
        END""",
    f"{FTS_TABLE}_au": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF text ON interviews_source
        BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text);
        END""",
}
MAX_TERMS = 10

WORD = re.compile(r"[^\W_]+")
TERM = re.compile(r'"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False

    @property
    def label(self) -> str:
        text = " ".join(self.words)
        if len(self.words) > 1:
            return f"“{text}”"
        return text + ("*" if self.prefix else "")

    def pattern(self) -> str:
        body = r"[\W_]+".join(re.escape(w) for w in self.words)
        tail = r"[^\W_]*" if self.prefix else r"(?![^\W_])"
        return rf"(?<![^\W_]){body}{tail}"


def parse_query(query: str) -> list[Term]:
    """Terms of a search query; ValidationError when nothing searchable is left."""
    terms: list[Term] = []
    for match in TERM.finditer(query or ""):
        phrase, bare = match.groups()
        raw = phrase if phrase is not None else bare
        words = tuple(w.casefold() for w in WORD.findall(raw))
        if not words:
            continue
        prefix = phrase is None and len(words) == 1 and raw.rstrip().endswith("*")
        term = Term(words=words, prefix=prefix)
        if term not in terms:
            terms.append(term)
    if not terms:
        raise ValidationError("Type one or more words to search for.")
    if len(terms) > MAX_TERMS:
        raise ValidationError(f"Search for at most {MAX_TERMS} words or phrases at a time.")
    return terms


def _fts5_expression(terms: list[Term]) -> str:
    parts = []
    for term in terms:
        for i, word in enumerate(term.words):
            star = "*" if term.prefix and i == len(term.words) - 1 else ""
            parts.append(f'"{word}"{star}')
    return " AND ".join(parts)


def _tsquery_expression(terms: list[Term]) -> str:
    parts = []
    for term in terms:
        for i, word in enumerate(term.words):
            star = ":*" if term.prefix and i == len(term.words) - 1 else ""
            parts.append(f"'{word}'{star}")
    return " & ".join(parts)


def sqlite_fts_ensure(cursor) -> None:
    """Create the FTS5 table and triggers if missing, rebuilding the index when it was.

    SQLite drops a table's triggers when a migration rebuilds the table, so this runs from
    the migration and again before a search finds them gone.
    """
    cursor.execute(
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
            text, content='interviews_source', content_rowid='id',
            tokenize='unicode61 remove_diacritics 0')"""
    )
    for sql in SQLITE_TRIGGERS.values():
        cursor.execute(sql)
    cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def _sqlite_fts_ready(cursor) -> bool:
    cursor.execute(
        "SELECT count(*) FROM sqlite_master WHERE name IN (%s, %s, %s, %s)",
        [FTS_TABLE, *SQLITE_TRIGGERS],
    )
    return cursor.fetchone()[0] == 1 + len(SQLITE_TRIGGERS)


def matching_source_ids(project_id: int, terms: list[Term], source_ids=None) -> list[int]:
    """Ids of the project's sources holding every word of the terms, by the database engine."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            if not _sqlite_fts_ready(cursor):
                sqlite_fts_ensure(cursor)
            cursor.execute(
                f"""SELECT s.id FROM {FTS_TABLE} f JOIN interviews_source s ON s.id = f.rowid
                    WHERE {FTS_TABLE} MATCH %s AND s.project_id = %s ORDER BY s.title, s.id""",
                [_fts5_expression(terms), project_id],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                f"""SELECT id FROM interviews_source
                    WHERE {PG_VECTOR.replace("%", "%%")} @@ to_tsquery('simple', %s) AND project_id = %s
                    ORDER BY title, id""",
                [_tsquery_expression(terms), project_id],
            )
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            raise NotImplementedError(connection.vendor)
        ids = [row[0] for row in cursor.fetchall()]
    if source_ids is not None:
        allowed = set(source_ids)
        ids = [i for i in ids if i in allowed]
    return ids


@dataclass
class Hit:
    source_id: int
    source_title: str
    start: int
    end: int
    left: str
    match: str
    right: str
    link: str


def kwic(text: str, terms: list[Term], width: int = 60) -> list[tuple[int, int, str, str, str]]:
    """Every occurrence of any term as (start, end, left context, match, right context)."""
    pattern = re.compile("|".join(f"(?:{t.pattern()})" for t in terms), re.IGNORECASE)
    lines = []
    for m in pattern.finditer(text):
        left = text[max(0, m.start() - width) : m.start()]
        right = text[m.end() : m.end() + width]
        lines.append(
            (
                m.start(),
                m.end(),
                " ".join(left.split()) + (" " if left[-1:].isspace() else ""),
                m.group(0),
                (" " if right[:1].isspace() else "") + " ".join(right.split()),
            )
        )
    return lines


def _holds_every_term(text: str, terms: list[Term]) -> bool:
    return all(re.search(t.pattern(), text, re.IGNORECASE) for t in terms)


@dataclass
class SearchResult:
    terms: list[Term]
    source_count: int
    hits: list[Hit]
    page_sources: int


def search_run(
    *, project, query: str, source_ids=None, offset: int = 0, limit: int | None = 20
) -> SearchResult:
    """Sources that hold every term, `limit` sources at a time from `offset`, with KWIC hits.

    The engine's candidates are checked against the exact terms (phrases, prefixes) in
    Python; the count is of sources that really hold every term.
    """
    terms = parse_query(query)
    candidates = matching_source_ids(project.pk, terms, source_ids)
    if all(len(t.words) == 1 for t in terms):
        # Single words and prefixes: the engine's answer is already exact.
        matched = candidates
    else:
        matched = []
        for i in range(0, len(candidates), 50):
            chunk = candidates[i : i + 50]
            texts = dict(Source.objects.filter(pk__in=chunk).values_list("pk", "text"))
            matched += [pk for pk in chunk if _holds_every_term(texts[pk], terms)]
    page = matched[offset : offset + limit] if limit is not None else matched[offset:]
    sources = {s.pk: s for s in Source.objects.filter(pk__in=page).only("pk", "title", "text")}
    hits: list[Hit] = []
    for source_id in page:
        source = sources[source_id]
        link = reverse("coding:workspace", args=[project.pk, source_id])
        hits += [
            Hit(source_id, source.title, s, e, left, m, right, f"{link}#pos={s}-{e}")
            for s, e, left, m, right in kwic(source.text, terms)
        ]
    return SearchResult(terms=terms, source_count=len(matched), hits=hits, page_sources=len(page))
