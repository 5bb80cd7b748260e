"""A coder's codings by time changed: the coding page's codes used last are read from the
coder's latest codings, in that order, not from all of them sorted. The index leads with
the coder, so the foreign key's own index goes (`interviews.migration_ops`)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from interviews.migration_ops import ForeignKeyIndexDropped


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0016_foreign_key_indexes_not_repeated"),
        ("interviews", "0017_segment_source_checked_per_statement"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="coding",
            index=models.Index(fields=["coder", "modified_at"], name="coding_coder_modified"),
        ),
        ForeignKeyIndexDropped(
            model_name="coding",
            name="coder",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="codings",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
