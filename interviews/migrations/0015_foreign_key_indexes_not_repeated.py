"""Foreign keys whose own index repeated the lead of a unique constraint or an index of
their table lose it (`interviews.migration_ops`): each row written writes one index
fewer."""

import django.db.models.deletion
from django.db import migrations, models

from interviews.migration_ops import ForeignKeyIndexDropped


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0014_member_session"),
    ]

    operations = [
        ForeignKeyIndexDropped(
            model_name="attribute",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="attributes",
                to="interviews.project",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="identifyingentity",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deid_entities",
                to="interviews.project",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="identifyingspan",
            name="source",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="identifying_spans",
                to="interviews.source",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="identifyingterm",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deid_terms",
                to="interviews.project",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="interviewee",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="interviewees",
                to="interviews.project",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="membership",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="memberships",
                to="interviews.project",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="namedentity",
            name="source",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="entities",
                to="interviews.source",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="source",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="sources",
                to="interviews.project",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="sourcepiece",
            name="source",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="pieces",
                to="interviews.source",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="sourcerevision",
            name="source",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="revisions",
                to="interviews.source",
            ),
        ),
        ForeignKeyIndexDropped(
            model_name="syncpoint",
            name="source",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="sync_points",
                to="interviews.source",
            ),
        ),
    ]
