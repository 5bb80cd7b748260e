"""Full-text search across a project's sources, shown as keyword-in-context (KWIC) lines.

The database's own engine finds the sources that hold every word of the query: SQLite
FTS5 (table `coding_source_fts`, kept in sync with `interviews_source` by triggers) or
PostgreSQL full-text search (table `coding_source_tsv` of tsvectors with a GIN index,
kept in step by triggers). Both see words the same way — runs of letters and digits, case
folded, ASCII punctuation as a separator — and a phrase as words in sequence, whatever
lies between them; so the same query finds the same sources on both databases. PostgreSQL
keeps word positions only up to 16,383, and at most 255 positions of one word, so where a
source's tsvector lost positions of a phrase's words the phrase is checked in Python. The
hits shown (keyword-in-context lines) are found in Python in the sources of the page, with
the same idea of a word.

Chinese and Japanese are written without spaces between words, so every Han character
(CJK ideographs with their extensions and compatibility ideographs, and 々〆〇), every kana
and every hangul syllable is a word of its own: the triggers index a copy of the text with
a space on each side of such characters (`search_text`: on SQLite a Python function that
the coding app registers on each connection, so a source written from outside Django, in
the sqlite3 shell, fails with "no such function"; on PostgreSQL a regular expression in the
trigger, or for a source inserted through the ORM the same preparation in Python,
`pg_search_text`, by a task of the task worker, with the trigger told to leave that insert
alone; until the task has run, search checks that source's text in Python). A query's run
of such characters is a phrase of them, so 电影 finds
中国电影在白俄罗斯 but not 电视和影院; as between the words of any phrase, spaces or
punctuation between the characters are passed over (电，影 holds 电影). Such characters
need no space from a Latin word beside them: film电影 holds both `film` and 电影.

Query syntax: words (all must occur), "quoted phrases", and `word*` for a prefix. A CJK run
is a phrase of its characters, quoted or not, and may stand in a quoted phrase with other
words ("Netflix 电影" is Netflix followed by 电 and 影). A `*` after a CJK character adds
nothing: each character is already a whole word, so 电* finds every 电, as 电 does.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.urls import reverse

from interviews.models import Source

# Characters written without spaces between words, each indexed as a word of its own:
# 々〆〇, hiragana, katakana (without its punctuation ゠ and ・), hangul syllables and the
# CJK ideographs with their extensions and compatibility blocks.
CJK_RANGES = (
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3041, 0x3096),  # hiragana
    (0x309D, 0x309F),  # ゝ ゞ ゟ
    (0x30A1, 0x30FA),  # katakana
    (0x30FC, 0x30FF),  # ー ヽ ヾ ヿ
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7A3),  # hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # halfwidth katakana
    (0x1B000, 0x1B16F),  # kana supplement, kana extended-A, small kana extension
    (0x20000, 0x2A6DF),  # CJK extension B
    (0x2A700, 0x2EE5F),  # CJK extensions C, D, E, F, I
    (0x2F800, 0x2FA1F),  # CJK compatibility ideographs supplement
    (0x30000, 0x323AF),  # CJK extensions G, H
)


def _escape(code_point: int) -> str:
    return f"\\u{code_point:04x}" if code_point <= 0xFFFF else f"\\U{code_point:08x}"


# The body of a regular expression class, in escapes that Python and PostgreSQL both read.
CJK_CLASS = "".join(f"{_escape(first)}-{_escape(last)}" for first, last in CJK_RANGES)
CJK_CHAR = re.compile(f"[{CJK_CLASS}]")
CJK_RUN = re.compile(f"[{CJK_CLASS}]+")
# A letter or digit of a word that spaces or punctuation delimit.
LETTER = rf"[^\W_{CJK_CLASS}]"


# The UTF-8 lead bytes of U+3000-U+FFFF and U+10000-U+3FFFF: every character of CJK_RANGES
# starts with one of them, so a text whose UTF-8 has none holds no CJK character, which
# bytes.translate finds out some 30 times faster than CJK_CHAR.search (0.4 against 14 ms for
# a 200,000-word transcript).
CJK_LEAD_BYTES = bytes(range(0xE3, 0xF1))
_OTHER_BYTES = bytes(b for b in range(256) if b not in CJK_LEAD_BYTES)


def _cjk_spaced(text: str, utf8: bytes) -> str:
    if not utf8.translate(None, _OTHER_BYTES):
        return text
    return CJK_CHAR.sub(r" \g<0> ", text)


def search_text(text: str | None) -> str | None:
    """The text the index reads: a space on each side of every CJK character."""
    if text is None:
        return None
    return _cjk_spaced(text, text.encode("utf-8", "surrogatepass"))


FTS_TABLE = "coding_source_fts"
# `search_text` as SQLite's triggers call it (see register_sqlite_functions).
SQLITE_SEARCH_TEXT = "coding_search_text"
# On PostgreSQL each source's tsvector is kept in its own table (computing it from a long
# text at query time costs tens of milliseconds per source). ASCII punctuation becomes a
# space first, so that 3.5, e-mails, URLs and hyphenated words split as FTS5 splits them.
PG_TABLE = "coding_source_tsv"
# ASCII punctuation (string.punctuation) as one regular expression class, code points
# 0x21-0x2F, 0x3A-0x40, 0x5B-0x60 and 0x7B-0x7E: PostgreSQL's regexp_replace replaces them
# in a 50,000-word text in 40 ms where translate() takes 280 ms.
PG_PUNCTUATION_CLASS = r"[!-/:-@\[-`{-~]"
# The same characters as spaces, byte for byte: in UTF-8 an ASCII byte is always itself.
_PUNCTUATION_AS_SPACES = bytes.maketrans(
    string.punctuation.encode(), b" " * len(string.punctuation)
)
# Set (for its transaction) while a source saved through the ORM is inserted: the trigger
# then leaves the vector to `pg_source_inserted` (see there).
PG_PREPARED_FLAG = "parley.search_text_prepared"
# A tsvector keeps positions up to 16,383 (later words all get 16,383) and the first 255
# positions of each word; a phrase (<->) whose words lost positions is checked in Python.
PG_LAST_POSITION = 16_383
PG_POSITIONS_KEPT = 255


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """On each new SQLite connection, define the function the index triggers call."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_SEARCH_TEXT, 1, search_text, deterministic=True
        )


def pg_search_text(text: str) -> str:
    """The text that PostgreSQL's index reads, as `pg_vector_sql` makes it from `text`:
    ASCII punctuation as spaces, a space on each side of every CJK character."""
    utf8 = text.encode()
    return _cjk_spaced(utf8.translate(_PUNCTUATION_AS_SPACES).decode(), utf8)


def _pg_prepares(connection) -> bool:
    # In autocommit the flag, local to a transaction, would be gone before the INSERT.
    return connection.vendor == "postgresql" and connection.in_atomic_block


def pg_source_inserting(sender, instance, using, **kwargs) -> None:
    """Before a new source is written through the ORM on PostgreSQL, tell the trigger that
    its vector will be stored by `pg_source_inserted` (pre_save receiver)."""
    connection = connections[using]
    if instance._state.adding and _pg_prepares(connection):
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [PG_PREPARED_FLAG])


def pg_source_inserted(sender, instance, created, using, **kwargs) -> None:
    """Have a new source's vector stored by a task (post_save receiver): `index_sources`
    (coding/tasks.py), enqueued with the source.

    Storing the vector of a long text costs the server tens of milliseconds (a 50,000-word
    transcript about 35 ms, a 200,000-word one over 100; bench/README.md, "The search vector
    stored by the task worker"), and an import's text is codable without it. Until the
    task has run, the source has no row in the vectors' table and search checks its text in
    Python (`matching_source_ids`): the same sources are found before and after. Sources
    written any other way (bulk_create, update(), SQL) get their vector from the trigger as
    before.
    """
    connection = connections[using]
    if created and _pg_prepares(connection):
        from coding.tasks import index_sources
        from interviews.jobs import enqueue_with_transaction

        enqueue_with_transaction(index_sources, [instance.pk], using=using)


def pg_index_sources(source_ids: list[int], using: str = "default") -> int:
    """Store the vector of each of these sources that still exists, from its current text
    (prepared in Python, `pg_search_text`), and return how many were stored. Each source's
    row is locked while its vector is made, so that a change of its text waits, and its own
    trigger then stores the vector of the new text after this one."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    stored = 0
    for pk in source_ids:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute("SELECT text FROM interviews_source WHERE id = %s FOR SHARE", [pk])
            row = cursor.fetchone()
            if row is None:
                continue
            cursor.execute(f"SELECT {PG_TABLE}_put_prepared(%s, %s)", [pk, pg_search_text(row[0])])
            stored += 1
    return stored


def pg_vector_sql(column: str) -> str:
    """The SQL of a text column's tsvector (no parameters; quote doubled for SQL).

    ASCII punctuation becomes a space, and every CJK character gets a space on each side,
    as `search_text` does for SQLite.
    """
    text = f"regexp_replace({column}, '{PG_PUNCTUATION_CLASS}', ' ', 'g')"
    spaced = f"regexp_replace({text}, '[{CJK_CLASS}]', ' \\& ', 'g')"
    return f"to_tsvector('simple'::regconfig, {spaced})"


def _pg_store_sql(partial: str) -> str:
    """The statement that stores `v`, the vector of `source`, with what it lost."""
    return f"""INSERT INTO {PG_TABLE} (source_id, vector, capped, crowded, partial)
                SELECT source, v,
                    coalesce(bool_or({PG_LAST_POSITION} = ANY(positions)), false),
                    coalesce(array_agg(lexeme ORDER BY lexeme)
                        FILTER (WHERE cardinality(positions) >= {PG_POSITIONS_KEPT}), '{{}}'),
                    {partial}
                FROM unnest(v)
                ON CONFLICT (source_id) DO UPDATE SET vector = EXCLUDED.vector,
                    capped = EXCLUDED.capped, crowded = EXCLUDED.crowded,
                    partial = EXCLUDED.partial;"""


def pg_search_functions(cursor) -> None:
    """Create or replace the functions that compute a source's tsvector and keep the table
    in step with interviews_source."""
    cursor.execute(
        f"""CREATE OR REPLACE FUNCTION {PG_TABLE}_put(source bigint, body text)
            RETURNS void AS $$
            DECLARE
                v tsvector;
                part text := body;
                is_partial boolean := false;
            BEGIN
                LOOP
                    BEGIN
                        v := {pg_vector_sql("part")};
                        EXIT;
                    EXCEPTION WHEN program_limit_exceeded THEN
                        -- "string is too long for tsvector": index a shorter beginning.
                        part := left(part, length(part) * 2 / 3);
                        is_partial := true;
                    END;
                END LOOP;
                {_pg_store_sql("is_partial")}
            END $$ LANGUAGE plpgsql"""
    )
    # The vector of a text already prepared as pg_vector_sql prepares it (pg_search_text),
    # for a source just inserted with the flag set. A text too long for one tsvector is
    # indexed from the stored text by _put, which cuts the text before preparing it.
    cursor.execute(
        f"""CREATE OR REPLACE FUNCTION {PG_TABLE}_put_prepared(source bigint, prepared text)
            RETURNS void AS $$
            DECLARE
                v tsvector;
            BEGIN
                PERFORM set_config('{PG_PREPARED_FLAG}', '', true);
                BEGIN
                    v := to_tsvector('simple'::regconfig, prepared);
                EXCEPTION WHEN program_limit_exceeded THEN
                    PERFORM {PG_TABLE}_put(source,
                        (SELECT text FROM interviews_source WHERE id = source));
                    RETURN;
                END;
                {_pg_store_sql("false")}
            END $$ LANGUAGE plpgsql"""
    )
    cursor.execute(
        f"""CREATE OR REPLACE FUNCTION {PG_TABLE}_sync() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    DELETE FROM {PG_TABLE} WHERE source_id = OLD.id;
                    RETURN OLD;
                END IF;
                IF TG_OP = 'INSERT'
                        AND current_setting('{PG_PREPARED_FLAG}', true) = 'on' THEN
                    -- Written through the ORM: pg_source_inserted stores the vector.
                    RETURN NEW;
                END IF;
                PERFORM {PG_TABLE}_put(NEW.id, NEW.text);
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


def pg_search_ensure(cursor) -> None:
    """Create the tsvector table, its GIN index and the triggers that keep it in step, and
    index every source.

    Beside each vector the table keeps what the vector lost: `capped` when positions past
    16,383 were merged, and `crowded`, the words of which only the first 255 positions were
    kept. A phrase made of such words is found by its words and checked in Python.

    A tsvector holds at most 1 MB of words and positions; a text with more distinct words
    (90,000 in a 1 MB transcript) is indexed by its longest beginning that fits, and marked
    `partial`: such a source is a candidate for every query and checked in Python.
    """
    cursor.execute(
        f"""CREATE TABLE IF NOT EXISTS {PG_TABLE} (
                source_id bigint PRIMARY KEY,
                vector tsvector NOT NULL,
                capped boolean NOT NULL,
                crowded text[] NOT NULL,
                partial boolean NOT NULL DEFAULT false)"""
    )
    cursor.execute(f"CREATE INDEX IF NOT EXISTS {PG_TABLE}_gin ON {PG_TABLE} USING GIN (vector)")
    pg_search_functions(cursor)
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
    cursor.execute(f"SELECT {PG_TABLE}_put(id, text) FROM interviews_source")


# The FTS5 table holds no text of its own (content=''): it indexes search_text(text), so
# removing a row's words needs that same text again ('delete' with the old values).
SQLITE_TRIGGERS = {
    f"{FTS_TABLE}_ai": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON interviews_source BEGIN
            INSERT INTO {FTS_TABLE}(rowid, text)
            VALUES (new.id, {SQLITE_SEARCH_TEXT}(new.text));
        END""",
    f"{FTS_TABLE}_ad": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON interviews_source BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text)
            VALUES ('delete', old.id, {SQLITE_SEARCH_TEXT}(old.text));
        END""",
    f"{FTS_TABLE}_au": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF text ON interviews_source
        BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text)
            VALUES ('delete', old.id, {SQLITE_SEARCH_TEXT}(old.text));
            INSERT INTO {FTS_TABLE}(rowid, text)
            VALUES (new.id, {SQLITE_SEARCH_TEXT}(new.text));
        END""",
}
MAX_TERMS = 10

# A word: one CJK character, or a run of other letters and digits.
WORD = re.compile(rf"[{CJK_CLASS}]|{LETTER}+")
TERM = re.compile(r'"([^"]*)"|(\S+)')


def _is_cjk(word: str) -> bool:
    return bool(CJK_CHAR.fullmatch(word))


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False
    typed: str = field(default="", compare=False)

    @property
    def label(self) -> str:
        text = self.typed or " ".join(self.words)
        # A run of CJK characters is one word to its reader, though the index sees several.
        if len(self.words) > 1 and not CJK_RUN.fullmatch(text):
            return f"“{text}”"
        return text + ("*" if self.prefix else "")

    def pattern(self) -> str:
        """The term as a regular expression with the index's idea of a word.

        Words that spaces delimit need a separator between them and no letter beside
        them; a CJK character is a word wherever it stands. The letter before the first
        word is looked for behind it, so that the expression starts with a literal (three
        times faster to find than one that starts by looking behind).
        """
        first = re.escape(self.words[0])
        parts = [first]
        if not _is_cjk(self.words[0]):
            parts.append(rf"(?<!{LETTER}{first})")
        for previous, word in pairwise(self.words):
            both_spaced = not _is_cjk(previous) and not _is_cjk(word)
            parts.append(r"[\W_]+" if both_spaced else r"[\W_]*")
            parts.append(re.escape(word))
        if not _is_cjk(self.words[-1]):
            parts.append(rf"{LETTER}*" if self.prefix else rf"(?!{LETTER})")
        return "".join(parts)


def parse_query(query: str) -> list[Term]:
    """Terms of a search query; ValidationError when nothing searchable is left."""
    terms: list[Term] = []
    for match in TERM.finditer(query or ""):
        phrase, bare = match.groups()
        raw = phrase if phrase is not None else bare
        words = tuple(w.casefold() for w in WORD.findall(raw))
        if not words:
            continue
        # A CJK character is a whole word already: a * after it would add nothing.
        prefix = (
            phrase is None
            and len(words) == 1
            and not _is_cjk(words[0])
            and raw.rstrip().endswith("*")
        )
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


def sqlite_fts_ensure(cursor) -> None:
    """Create the FTS5 table and triggers if missing, and index every source anew.

    SQLite drops a table's triggers when a migration rebuilds the table, so this runs from
    the migration and again before a search finds them gone.
    """
    cursor.execute(
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
            text, content='', tokenize='unicode61 remove_diacritics 0')"""
    )
    for sql in SQLITE_TRIGGERS.values():
        cursor.execute(sql)
    cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
    cursor.execute(
        f"""INSERT INTO {FTS_TABLE}(rowid, text)
            SELECT id, {SQLITE_SEARCH_TEXT}(text) FROM interviews_source"""
    )


def search_index_drop(cursor, vendor: str) -> None:
    """Remove the index with its triggers and functions (whichever definition built it)."""
    if vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif vendor == "postgresql":
        cursor.execute(f"DROP TRIGGER IF EXISTS {PG_TABLE}_sync ON interviews_source")
        cursor.execute(f"DROP TRIGGER IF EXISTS {PG_TABLE}_truncate ON interviews_source")
        cursor.execute(f"DROP FUNCTION IF EXISTS {PG_TABLE}_sync()")
        cursor.execute(f"DROP FUNCTION IF EXISTS {PG_TABLE}_truncate()")
        cursor.execute(f"DROP FUNCTION IF EXISTS {PG_TABLE}_put_prepared(bigint, text)")
        cursor.execute(f"DROP FUNCTION IF EXISTS {PG_TABLE}_put(bigint, text)")
        cursor.execute(f"DROP TABLE IF EXISTS {PG_TABLE}")


def search_index_rebuild(cursor, vendor: str) -> None:
    """Build the index anew from every source, replacing any earlier definition of it."""
    search_index_drop(cursor, vendor)
    if vendor == "sqlite":
        sqlite_fts_ensure(cursor)
    elif vendor == "postgresql":
        pg_search_ensure(cursor)


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
            # A source whose vector its task has not stored yet (`pg_source_inserted`) is a
            # candidate for every query, and its text is checked in Python.
            unindexed = "v.source_id IS NULL"
            phrase_words = sorted({w for t in terms if len(t.words) > 1 for w in t.words})
            if phrase_words:
                # Where the vector lost positions of a phrase's words, its words are found
                # here and the phrase is checked in Python.
                lossy = "(v.capped OR v.crowded && %s::text[])"
                cursor.execute(
                    f"""SELECT s.id, {unindexed} OR v.partial OR {lossy}
                        FROM interviews_source s LEFT JOIN {PG_TABLE} v ON v.source_id = s.id
                        WHERE s.project_id = %s AND ({unindexed} OR v.partial
                            OR (NOT {lossy} AND v.vector @@ to_tsquery('simple', %s))
                            OR ({lossy} AND v.vector @@ to_tsquery('simple', %s)))
                        ORDER BY s.title, s.id""",
                    [
                        phrase_words,
                        project_id,
                        phrase_words,
                        _tsquery_expression(terms, phrases=True),
                        phrase_words,
                        _tsquery_expression(terms, phrases=False),
                    ],
                )
            else:
                cursor.execute(
                    f"""SELECT s.id, {unindexed} OR v.partial
                        FROM interviews_source s LEFT JOIN {PG_TABLE} v ON v.source_id = s.id
                        WHERE s.project_id = %s
                            AND ({unindexed} OR v.partial OR v.vector @@ to_tsquery('simple', %s))
                        ORDER BY s.title, s.id""",
                    [project_id, _tsquery_expression(terms, phrases=False)],
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
    if unsure:
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
