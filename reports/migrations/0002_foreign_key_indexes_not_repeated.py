"""Foreign keys whose own index repeated the lead of a unique constraint or an index of
their table lose it (`interviews.migration_ops`): each row written writes one index
fewer."""

import django.db.models.deletion
from django.db import migrations, models

from interviews.migration_ops import ForeignKeyIndexDropped


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0015_foreign_key_indexes_not_repeated"),
        ("reports", "0001_saved_reports_summaries_exemplars"),
    ]

    operations = [
        ForeignKeyIndexDropped(
            model_name="matrixsummary",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="matrix_summaries",
                to="interviews.project",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="savedreport",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="saved_reports",
                to="interviews.project",
            ),
        ),
    ]
