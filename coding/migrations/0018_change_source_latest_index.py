"""A source's changes by id: the coding page's cursor (the source's last change) is one
entry of the index, and a poll reads only the changes after its cursor. The index leads
with the source, so the foreign key's own index goes (`interviews.migration_ops`)."""

import django.db.models.deletion
from django.db import migrations, models

from interviews.migration_ops import ForeignKeyIndexDropped


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0017_coder_latest_codings_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="change",
            index=models.Index(fields=["source", "id"], name="change_source_latest"),
        ),
        ForeignKeyIndexDropped(
            model_name="change",
            name="source",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="changes",
                to="interviews.source",
            ),
        ),
    ]
