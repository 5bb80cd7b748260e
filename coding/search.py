"""Full-text search across a project's sources, shown as keyword-in-context (KWIC) lines.

The database's own engine finds the sources that hold every word of the query: SQLite
FTS5 (table `coding_source_fts`, kept in sync with `interviews_source` by triggers) or
PostgreSQL full-text search (table `coding_source_tsv` of tsvectors with a GIN index,
kept in step by triggers). Both see words the same
way — runs of letters and digits, case folded, ASCII punctuation as a separator — and a
phrase as words in sequence, whatever lies between them; so the same query finds the same
sources on both databases. PostgreSQL keeps word positions only up to 16,383, so in longer
texts a phrase is checked in Python. The hits shown (keyword-in-context lines) are found in
Python in the sources of the page, with the same idea of a word.

Query syntax: words (all must occur), "quoted phrases", and `word*` for a prefix.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from interviews.models import Source

FTS_TABLE = "coding_source_fts"
# On PostgreSQL each source's tsvector is kept in its own table (computing it from a long
# text at query time costs tens of milliseconds per source). ASCII punctuation becomes a
# space first, so that 3.5, e-mails, URLs and hyphenated words split as FTS5 splits them.
PG_TABLE = "coding_source_tsv"
PG_PUNCTUATION = string.punctuation


def pg_vector_sql(column: str) -> str:
    """The SQL of a text column's tsvector (no parameters; quote doubled for SQL)."""
    punctuation = PG_PUNCTUATION.replace("'", "''")
    spaces = " " * len(PG_PUNCTUATION)
    return f"to_tsvector('simple'::regconfig, translate({column}, '{punctuation}', '{spaces}'))"


def pg_search_ensure(cursor) -> None:
    """Create the tsvector table, its GIN index and the triggers that keep it in step."""
    vector = pg_vector_sql("NEW.text")
    cursor.execute(
        f"""CREATE TABLE IF NOT EXISTS {PG_TABLE} (
                source_id bigint PRIMARY KEY, vector tsvector NOT NULL)"""
    )
    cursor.execute(f"CREATE INDEX IF NOT EXISTS {PG_TABLE}_gin ON {PG_TABLE} USING GIN (vector)")
    cursor.execute(
        f"""CREATE OR REPLACE FUNCTION {PG_TABLE}_sync() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    DELETE FROM {PG_TABLE} WHERE source_id = OLD.id;
                    RETURN OLD;
                END IF;
                INSERT INTO {PG_TABLE} (source_id, vector) VALUES (NEW.id, {vector})
                ON CONFLICT (source_id) DO UPDATE SET vector = EXCLUDED.vector;
                RETURN NEW;
            END $$ LANGUAGE plpgsql"""
    )
    cursor.execute(
        f"""CREATE OR REPLACE FUNCTION {PG_TABLE}_truncate() RETURNS trigger AS $$
            BEGIN
                DELETE FROM {PG_TABLE};
                RETURN NULL;
            END $$ LANGUAGE plpgsql"""
    )
    cursor.execute(f"DROP TRIGGER IF EXISTS {PG_TABLE}_sync ON interviews_source")
    cursor.execute(
        f"""CREATE TRIGGER {PG_TABLE}_sync
            AFTER INSERT OR DELETE OR UPDATE OF text ON interviews_source
            FOR EACH ROW EXECUTE FUNCTION {PG_TABLE}_sync()"""
    )
    cursor.execute(f"DROP TRIGGER IF EXISTS {PG_TABLE}_truncate ON interviews_source")
    cursor.execute(
        f"""CREATE TRIGGER {PG_TABLE}_truncate AFTER TRUNCATE ON interviews_source
            FOR EACH STATEMENT EXECUTE FUNCTION {PG_TABLE}_truncate()"""
    )
    cursor.execute(
        f"""INSERT INTO {PG_TABLE} (source_id, vector)
            SELECT id, {pg_vector_sql("text")} FROM interviews_source
            ON CONFLICT (source_id) DO NOTHING"""
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
    typed: str = field(default="", compare=False)

    @property
    def label(self) -> str:
        text = self.typed or " ".join(self.words)
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
        term = Term(words=words, prefix=prefix, typed=raw.strip().rstrip("*"))
        if term not in terms:
            terms.append(term)
    if not terms:
        raise ValidationError("Type one or more words to search for.")
    if len(terms) > MAX_TERMS:
        raise ValidationError(f"Search for at most {MAX_TERMS} words or phrases at a time.")
    return terms


def _fts5_expression(terms: list[Term]) -> str:
    """Every term, phrases as FTS5 phrases (tokens in sequence, whatever lies between)."""
    parts = []
    for term in terms:
        phrase = " ".join(term.words)
        parts.append(f'"{phrase}"' + ("*" if term.prefix else ""))
    return " AND ".join(parts)


def _tsquery_expression(terms: list[Term], phrases: bool) -> str:
    """Every term for to_tsquery; phrases with <-> or, when `phrases` is off, as plain words."""
    parts = []
    for term in terms:
        words = [f"'{w}'" for w in term.words]
        if term.prefix:
            words[-1] += ":*"
        parts.append(("(" + " <-> ".join(words) + ")") if phrases else " & ".join(words))
    return " & ".join(parts)


# PostgreSQL stores word positions up to 16,383 only, so a phrase (<->) is decided by the
# index in texts shorter than this and checked in Python in longer ones.
PG_PHRASE_WORDS = 12_000


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


def matching_source_ids(
    project_id: int, terms: list[Term], source_ids=None
) -> tuple[list[int], set[int]]:
    """The project's sources holding every term, by the database engine, in title order;
    and those among them whose phrases the engine could not decide (to check in Python)."""
    unsure: set[int] = set()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            if not _sqlite_fts_ready(cursor):
                sqlite_fts_ensure(cursor)
            cursor.execute(
                f"""SELECT s.id, 0 FROM {FTS_TABLE} f JOIN interviews_source s ON s.id = f.rowid
                    WHERE {FTS_TABLE} MATCH %s AND s.project_id = %s ORDER BY s.title, s.id""",
                [_fts5_expression(terms), project_id],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                f"""SELECT s.id, s.word_count >= %s FROM interviews_source s
                    JOIN {PG_TABLE} v ON v.source_id = s.id
                    WHERE s.project_id = %s AND (
                        (s.word_count < %s AND v.vector @@ to_tsquery('simple', %s))
                        OR (s.word_count >= %s AND v.vector @@ to_tsquery('simple', %s)))
                    ORDER BY s.title, s.id""",
                [
                    PG_PHRASE_WORDS,
                    project_id,
                    PG_PHRASE_WORDS,
                    _tsquery_expression(terms, phrases=True),
                    PG_PHRASE_WORDS,
                    _tsquery_expression(terms, phrases=False),
                ],
            )
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            raise NotImplementedError(connection.vendor)
        rows = cursor.fetchall()
    allowed = set(source_ids) if source_ids is not None else None
    ids = []
    for pk, check in rows:
        if allowed is None or pk in allowed:
            ids.append(pk)
            if check:
                unsure.add(pk)
    return ids, unsure


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
    candidates, unsure = matching_source_ids(project.pk, terms, source_ids)
    if unsure and any(len(t.words) > 1 for t in terms):
        texts = dict(Source.objects.filter(pk__in=unsure).values_list("pk", "text"))
        matched = [
            pk for pk in candidates if pk not in unsure or _holds_every_term(texts[pk], terms)
        ]
    else:
        matched = candidates
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
