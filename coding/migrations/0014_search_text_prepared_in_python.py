"""PostgreSQL: a source inserted through the ORM has its text prepared for the index in
Python (ASCII punctuation as spaces, CJK characters spaced) and its vector stored by
`coding_source_tsv_put_prepared`; the trigger leaves such an insert alone (coding.search,
`pg_source_inserted`). Every other write is indexed by the trigger as before. The vectors
are the same, so the stored ones stay as they are."""

from django.db import migrations


def replace_functions(apps, schema_editor):
    from coding.search import pg_search_functions

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            pg_search_functions(cursor)


class Migration(migrations.Migration):
    dependencies = [("coding", "0013_search_vector_regexp_punctuation")]

    operations = [migrations.RunPython(replace_functions, migrations.RunPython.noop)]
