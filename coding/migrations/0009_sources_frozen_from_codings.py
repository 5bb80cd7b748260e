"""Sources that already have codings are frozen (the field is new in `interviews.0006`)."""

from django.db import migrations
from django.db.models import Exists, OuterRef


def freeze_coded_sources(apps, schema_editor):
    source = apps.get_model("interviews", "Source")
    coding = apps.get_model("coding", "Coding")
    source.objects.filter(Exists(coding.objects.filter(source=OuterRef("pk")))).update(
        frozen=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0008_agreementresolution_moves_to_agreement"),
        ("interviews", "0006_source_frozen"),
    ]

    operations = [migrations.RunPython(freeze_coded_sources, migrations.RunPython.noop)]
