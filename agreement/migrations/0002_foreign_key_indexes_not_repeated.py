"""Foreign keys whose own index repeated the lead of a unique constraint or an index of
their table lose it (`interviews.migration_ops`): each row written writes one index
fewer."""

import django.db.models.deletion
from django.db import migrations, models

from interviews.migration_ops import ForeignKeyIndexDropped


class Migration(migrations.Migration):
    dependencies = [
        ("agreement", "0001_initial"),
        ("interviews", "0015_foreign_key_indexes_not_repeated"),
    ]

    operations = [
        ForeignKeyIndexDropped(
            model_name="agreementresolution",
            name="source",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="agreement_resolutions",
                to="interviews.source",
            ),
        ),
    ]
