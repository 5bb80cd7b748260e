"""A segment's source is checked a statement at a time on PostgreSQL: the foreign key
constraint, which checked and locked the source once per segment row at commit (most of a
long import's `COMMIT`), is replaced by triggers that do it once per statement
(`interviews.migration_ops.ForeignKeyCheckedPerStatement`). On SQLite the table keeps its
foreign key."""

import django.db.models.deletion
from django.db import migrations, models

from interviews.migration_ops import ForeignKeyCheckedPerStatement


class Migration(migrations.Migration):
    dependencies = [("interviews", "0016_source_sentence_count")]

    operations = [
        ForeignKeyCheckedPerStatement(
            model_name="segment",
            name="source",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="segments",
                to="interviews.source",
            ),
        ),
    ]
