"""A source keeps the number of its stored sentences, counted when they are stored and moved
(import, revisions), so that the reading page and the import's message need not count a long
text's thousands of segment rows. Existing sources are counted once here. The column is
added in place (`interviews.migration_ops`): on SQLite, Django would rebuild the sources'
table, copying every text and dropping the search index's triggers."""

from django.db import migrations, models

from interviews.migration_ops import FieldAddedInPlace
from interviews.models import sentences_counted


def count_sentences(apps, schema_editor):
    Source = apps.get_model("interviews", "Source")
    Source.objects.update(sentence_count=sentences_counted(apps.get_model("interviews", "Segment")))


class Migration(migrations.Migration):
    dependencies = [("interviews", "0015_foreign_key_indexes_not_repeated")]

    operations = [
        FieldAddedInPlace(
            model_name="source",
            name="sentence_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_sentences, migrations.RunPython.noop),
    ]
