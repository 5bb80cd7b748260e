"""AgreementResolution now belongs to the agreement app; its tables stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("coding", "0007_codes_restricted_not_protected")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AgreementResolution")],
            database_operations=[],
        ),
    ]
