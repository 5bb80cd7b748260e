"""PostgreSQL: the function that computes a source's tsvector replaces ASCII punctuation with
regexp_replace instead of translate(), which is several times slower on long texts. The text
it indexes is the same, so the stored vectors stay as they are."""

from django.db import migrations


def replace_functions(apps, schema_editor):
    from coding.search import pg_search_functions

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            pg_search_functions(cursor)


class Migration(migrations.Migration):
    dependencies = [("coding", "0012_coding_help_rules_and_suggestions")]

    operations = [migrations.RunPython(replace_functions, migrations.RunPython.noop)]
