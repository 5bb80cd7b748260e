import django.db.models.deletion
from django.db import migrations, models

ENCODING = "utf-32-le"


def fill(apps, schema_editor):
    """Every existing source gets its fixed-width copy."""
    Source = apps.get_model("interviews", "Source")
    SourceCodePoints = apps.get_model("interviews", "SourceCodePoints")
    batch = []
    for pk, text in Source.objects.values_list("pk", "text").iterator(chunk_size=50):
        batch.append(
            SourceCodePoints(
                source_id=pk, length=len(text), utf32=text.encode(ENCODING, "surrogatepass")
            )
        )
        if len(batch) == 50:
            SourceCodePoints.objects.bulk_create(batch)
            batch = []
    SourceCodePoints.objects.bulk_create(batch)


def store_uncompressed(apps, schema_editor):
    """On PostgreSQL, keep the bytes uncompressed out of line, so that a slice of them is
    read from the pages that hold it instead of decompressing the whole value."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE interviews_sourcecodepoints ALTER COLUMN utf32 SET STORAGE EXTERNAL"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0004_named_entity"),
    ]

    operations = [
        migrations.CreateModel(
            name="SourceCodePoints",
            fields=[
                (
                    "source",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="code_points",
                        serialize=False,
                        to="interviews.source",
                    ),
                ),
                (
                    "length",
                    models.PositiveIntegerField(help_text="The text's length in code points."),
                ),
                ("utf32", models.BinaryField()),
            ],
        ),
        migrations.RunPython(store_uncompressed, migrations.RunPython.noop),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
