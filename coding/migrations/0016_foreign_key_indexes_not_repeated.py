"""Foreign keys whose own index repeated the lead of a unique constraint or an index of
their table lose it (`interviews.migration_ops`): each row written writes one index
fewer."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from interviews.migration_ops import ForeignKeyIndexDropped


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0015_coding_indexes_not_repeated"),
        ("interviews", "0015_foreign_key_indexes_not_repeated"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        ForeignKeyIndexDropped(
            model_name="autocoderule",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="autocode_rules",
                to="interviews.project",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="codepin",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="code_pins",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="savedquery",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="saved_queries",
                to="interviews.project",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="suggestion",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="suggestions",
                to="interviews.project",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="suggestion",
            name="source",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="suggestions",
                to="interviews.source",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="suggestionmodel",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="suggestion_models",
                to="interviews.project",
            ),
        ),
    ]
