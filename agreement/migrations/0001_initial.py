"""Adjudication moves from the coding app to its own: the tables keep their names and rows.

Only Django's state changes here (the model now belongs to `agreement`); the database is left as
it is. `coding.0008`, which runs first, removed the model from the coding app's state.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    """Keep the admin's log and permissions pointing at the moved model."""
    content_type = apps.get_model("contenttypes", "ContentType")
    moved = content_type.objects.filter(app_label="coding", model="agreementresolution")
    if not content_type.objects.filter(app_label="agreement", model="agreementresolution").exists():
        moved.update(app_label="agreement")


def content_type_returns(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="agreement", model="agreementresolution").update(
        app_label="coding"
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("coding", "0008_agreementresolution_moves_to_agreement"),
        ("interviews", "0005_source_code_points"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AgreementResolution",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "unit",
                            models.CharField(
                                help_text="sentence, turn, paragraph or character", max_length=10
                            ),
                        ),
                        ("start", models.PositiveIntegerField()),
                        ("end", models.PositiveIntegerField()),
                        (
                            "decision",
                            models.CharField(
                                choices=[
                                    ("accept", "Accepted one coder's version"),
                                    ("both", "Kept both versions"),
                                    ("consensus", "Wrote a consensus coding"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("resolved_at", models.DateTimeField(auto_now=True)),
                        (
                            "accepted_coder",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "codes",
                            models.ManyToManyField(
                                blank=True,
                                db_table="coding_agreementresolution_codes",
                                related_name="+",
                                to="coding.code",
                            ),
                        ),
                        (
                            "codings",
                            models.ManyToManyField(
                                blank=True,
                                db_table="coding_agreementresolution_codings",
                                help_text="Consensus codings it created.",
                                related_name="resolutions",
                                to="coding.coding",
                            ),
                        ),
                        (
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="agreement_resolutions",
                                to="interviews.project",
                            ),
                        ),
                        (
                            "resolved_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "source",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="agreement_resolutions",
                                to="interviews.source",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "coding_agreementresolution",
                        "ordering": ["source", "start", "end"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("source", "unit", "start", "end"),
                                name="resolution_unique_unit",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("start__lt", models.F("end"))),
                                name="resolution_start_before_end",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follows, content_type_returns),
    ]
