"""Full-text index: every CJK character (Han, kana, hangul syllable) is a word of its own.

Rebuilds the index of 0003 with the definition in coding/search.py, so that every existing
source is indexed anew. Going back restores the index as 0003 first built it, in which a
run of CJK characters was one word.
"""

import string

from django.db import migrations


def rebuild_index(apps, schema_editor):
    from coding.search import search_index_rebuild

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        search_index_rebuild(cursor, connection.vendor)


# The index as 0003 built it, kept here as it was so that going back restores it.
OLD_SQLITE = [
    """CREATE VIRTUAL TABLE coding_source_fts USING fts5(
        text, content='interviews_source', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER coding_source_fts_ai AFTER INSERT ON interviews_source BEGIN
        INSERT INTO coding_source_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER coding_source_fts_ad AFTER DELETE ON interviews_source BEGIN
        INSERT INTO coding_source_fts(coding_source_fts, rowid, text)
        VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER coding_source_fts_au AFTER UPDATE OF text ON interviews_source BEGIN
        INSERT INTO coding_source_fts(coding_source_fts, rowid, text)
        VALUES ('delete', old.id, old.text);
        INSERT INTO coding_source_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    "INSERT INTO coding_source_fts(coding_source_fts) VALUES ('rebuild')",
]


def _old_pg_vector(column):
    punctuation = string.punctuation.replace("'", "''")
    spaces = " " * len(string.punctuation)
    return f"to_tsvector('simple'::regconfig, translate({column}, '{punctuation}', '{spaces}'))"


OLD_POSTGRESQL = [
    """CREATE TABLE coding_source_tsv (source_id bigint PRIMARY KEY, vector tsvector NOT NULL)""",
    "CREATE INDEX coding_source_tsv_gin ON coding_source_tsv USING GIN (vector)",
    f"""CREATE FUNCTION coding_source_tsv_sync() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                DELETE FROM coding_source_tsv WHERE source_id = OLD.id;
                RETURN OLD;
            END IF;
            INSERT INTO coding_source_tsv (source_id, vector)
            VALUES (NEW.id, {_old_pg_vector("NEW.text")})
            ON CONFLICT (source_id) DO UPDATE SET vector = EXCLUDED.vector;
            RETURN NEW;
        END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION coding_source_tsv_truncate() RETURNS trigger AS $$
        BEGIN
            DELETE FROM coding_source_tsv;
            RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coding_source_tsv_sync
        AFTER INSERT OR DELETE OR UPDATE OF text ON interviews_source
        FOR EACH ROW EXECUTE FUNCTION coding_source_tsv_sync()""",
    """CREATE TRIGGER coding_source_tsv_truncate AFTER TRUNCATE ON interviews_source
        FOR EACH STATEMENT EXECUTE FUNCTION coding_source_tsv_truncate()""",
    f"""INSERT INTO coding_source_tsv (source_id, vector)
        SELECT id, {_old_pg_vector("text")} FROM interviews_source""",
]


def restore_old_index(apps, schema_editor):
    from coding.search import search_index_drop

    connection = schema_editor.connection
    statements = {"sqlite": OLD_SQLITE, "postgresql": OLD_POSTGRESQL}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        search_index_drop(cursor, connection.vendor)
        for sql in statements:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0005_code_pins"),
        ("interviews", "0005_source_code_points"),
    ]

    operations = [migrations.RunPython(rebuild_index, restore_old_index)]
