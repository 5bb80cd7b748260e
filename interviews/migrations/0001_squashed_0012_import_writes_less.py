"""Migrations 0001-0012 as one step, for a database that has none of them.

The models' tables, indexes and constraints are created as those migrations left them; the
database settings they made (on PostgreSQL, a source's code points stored uncompressed and
its text compressed with LZ4) are made by the same functions. Their data steps that read
rows of this app's own tables find none in such a database; the one that reads another app's
rows (members without a profile) runs as it did. 0013 (which must run outside a transaction)
and 0014 follow as they are.

A database that has some of them applied goes on through them one by one (Django picks).
"""

import uuid
from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import interviews.models


def _replaced(name):
    return import_module(f"interviews.migrations.{name}")


def database_settings(apps, schema_editor):
    _replaced("0005_source_code_points").store_uncompressed(apps, schema_editor)
    _replaced("0012_import_writes_less").text_lz4(apps, schema_editor)


def profiles(apps, schema_editor):
    _replaced("0003_profile").create_missing_profiles(apps, schema_editor)


class Migration(migrations.Migration):
    replaces = [
        ("interviews", "0001_initial"),
        ("interviews", "0002_job"),
        ("interviews", "0003_profile"),
        ("interviews", "0004_named_entity"),
        ("interviews", "0005_source_code_points"),
        ("interviews", "0006_source_frozen"),
        ("interviews", "0007_interviewee_consent_form"),
        ("interviews", "0008_recordings"),
        ("interviews", "0009_deidentification"),
        ("interviews", "0010_source_pieces"),
        ("interviews", "0011_segment_source_index"),
        ("interviews", "0012_import_writes_less"),
    ]

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Profile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("guid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "selection_snap",
                    models.CharField(
                        choices=[
                            ("word", "Whole words"),
                            ("sentence", "Whole sentences"),
                            ("turn", "Whole speaker turns"),
                        ],
                        default="word",
                        help_text="What a selection in the coding page snaps to.",
                        max_length=10,
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="profile",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Project",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("guid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("name", models.CharField(max_length=200)),
                ("description", models.TextField(blank=True)),
                (
                    "blinded_coding",
                    models.BooleanField(
                        default=False,
                        help_text="Coders see only their own codings (for agreement studies). Leads and admins always see everyone's.",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["name", "pk"],
            },
        ),
        migrations.CreateModel(
            name="Job",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("guid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("kind", models.CharField(help_text="e.g. import, export_qdpx", max_length=40)),
                ("title", models.CharField(max_length=300)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("running", "Running"),
                            ("done", "Done"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=10,
                    ),
                ),
                ("total", models.PositiveIntegerField(default=0)),
                ("done", models.PositiveIntegerField(default=0)),
                (
                    "current",
                    models.CharField(
                        blank=True, help_text="What it is working on now.", max_length=300
                    ),
                ),
                (
                    "messages",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="[{'level': 'error'|'warning'|'info', 'text': …}]",
                    ),
                ),
                ("result", models.JSONField(blank=True, default=dict)),
                ("task_id", models.CharField(blank=True, max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="jobs",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="jobs",
                        to="interviews.project",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="Interviewee",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("guid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "pseudonym",
                    models.CharField(help_text="Shown to coders, e.g. BY-03.", max_length=50),
                ),
                ("real_name", models.CharField(blank=True, max_length=200)),
                ("contact", models.TextField(blank=True, help_text="E-mail, phone, address.")),
                ("organisation", models.CharField(blank=True, max_length=200)),
                ("sector", models.CharField(blank=True, max_length=100)),
                ("country", models.CharField(blank=True, max_length=100)),
                (
                    "role",
                    models.CharField(
                        blank=True, help_text="Their job or position.", max_length=200
                    ),
                ),
                (
                    "consent_status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("given", "Given"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("consent_date", models.DateField(blank=True, null=True)),
                (
                    "consent_scope",
                    models.TextField(blank=True, help_text="What the interviewee agreed to."),
                ),
                (
                    "consent_form",
                    models.FileField(
                        blank=True,
                        help_text="The signed consent form (PDF or image); admins only.",
                        max_length=300,
                        upload_to=interviews.models.consent_form_path,
                    ),
                ),
                (
                    "consent_form_name",
                    models.CharField(
                        blank=True,
                        help_text="The consent form's file name as uploaded.",
                        max_length=300,
                    ),
                ),
                ("notes", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="interviewees",
                        to="interviews.project",
                    ),
                ),
            ],
            options={
                "ordering": ["project", "pseudonym"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "pseudonym"), name="interviewee_unique_pseudonym"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Source",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("guid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("title", models.CharField(max_length=300)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("interview", "Interview transcript"),
                            ("policy", "Policy document"),
                            ("other", "Other"),
                        ],
                        default="interview",
                        max_length=10,
                    ),
                ),
                ("text", models.TextField()),
                (
                    "language",
                    models.CharField(
                        default="en", help_text="ISO code, e.g. en, ru.", max_length=12
                    ),
                ),
                ("date", models.DateField(blank=True, null=True)),
                ("interviewer", models.CharField(blank=True, max_length=200)),
                (
                    "original_file",
                    models.FileField(
                        blank=True, max_length=500, upload_to=interviews.models.source_upload_path
                    ),
                ),
                ("original_name", models.CharField(blank=True, max_length=300)),
                ("checksum", models.CharField(blank=True, db_index=True, max_length=64)),
                ("word_count", models.PositiveIntegerField(default=0)),
                (
                    "nlp_status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting"),
                            ("running", "Running"),
                            ("done", "Done"),
                            ("failed", "Failed"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                (
                    "nlp_pipeline",
                    models.CharField(
                        blank=True,
                        help_text="The spaCy pipeline that processed the text.",
                        max_length=100,
                    ),
                ),
                (
                    "frozen",
                    models.BooleanField(
                        default=False,
                        editable=False,
                        help_text="The text has codings and may not change. Kept by the coding app: set when the first coding is written, cleared when the last is removed.",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "interviewees",
                    models.ManyToManyField(
                        blank=True, related_name="sources", to="interviews.interviewee"
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sources",
                        to="interviews.project",
                    ),
                ),
            ],
            options={
                "ordering": ["project", "title", "pk"],
                "indexes": [
                    models.Index(
                        fields=["project", "checksum"], name="interviews__project_71e266_idx"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="IdentifyingTerm",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("text", models.CharField(max_length=200)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("PERSON", "Person"),
                            ("ORG", "Organisation"),
                            ("PLACE", "Place"),
                            ("EMAIL", "E-mail address"),
                            ("PHONE", "Phone number"),
                            ("URL", "Web address"),
                            ("DATE", "Date (of birth)"),
                            ("ID", "ID number"),
                            ("OTHER", "Other"),
                        ],
                        default="OTHER",
                        max_length=10,
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[("always", "Always identifying"), ("never", "Never identifying")],
                        default="always",
                        max_length=6,
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deid_terms",
                        to="interviews.project",
                    ),
                ),
            ],
            options={
                "ordering": ["project", "action", "text"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "text"), name="identifyingterm_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="IdentifyingEntity",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("PERSON", "Person"),
                            ("ORG", "Organisation"),
                            ("PLACE", "Place"),
                            ("EMAIL", "E-mail address"),
                            ("PHONE", "Phone number"),
                            ("URL", "Web address"),
                            ("DATE", "Date (of birth)"),
                            ("ID", "ID number"),
                            ("OTHER", "Other"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "name",
                    models.CharField(help_text="The form it was first found in.", max_length=300),
                ),
                (
                    "key",
                    models.CharField(
                        help_text="The normalised form that identifies it.", max_length=300
                    ),
                ),
                (
                    "number",
                    models.PositiveIntegerField(default=0, help_text="Its number among its kind."),
                ),
                ("placeholder", models.CharField(max_length=100)),
                ("written_by_admin", models.BooleanField(default=False)),
                (
                    "interviewee",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deid_entities",
                        to="interviews.interviewee",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deid_entities",
                        to="interviews.project",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "identifying entities",
                "ordering": ["project", "kind", "number"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "kind", "key"), name="entity_unique_key"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DeidSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "required_before_coding",
                    models.BooleanField(
                        default=False,
                        help_text="A source can be coded only after its de-identification has been applied.",
                    ),
                ),
                (
                    "project",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deid_settings",
                        to="interviews.project",
                    ),
                ),
            ],
            options={
                "verbose_name": "de-identification settings",
                "verbose_name_plural": "de-identification settings",
            },
        ),
        migrations.CreateModel(
            name="Attribute",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("guid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("name", models.CharField(max_length=100)),
                (
                    "type",
                    models.CharField(
                        choices=[
                            ("text", "Text"),
                            ("number", "Number"),
                            ("date", "Date"),
                            ("boolean", "Yes / no"),
                            ("choice", "Choice"),
                        ],
                        default="text",
                        max_length=10,
                    ),
                ),
                (
                    "applies_to",
                    models.CharField(
                        choices=[("interviewee", "Interviewees"), ("source", "Sources")],
                        default="interviewee",
                        max_length=12,
                    ),
                ),
                (
                    "choices",
                    models.TextField(
                        blank=True, help_text="For a choice attribute: one value a line."
                    ),
                ),
                ("description", models.TextField(blank=True)),
                ("order", models.PositiveIntegerField(default=0)),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attributes",
                        to="interviews.project",
                    ),
                ),
            ],
            options={
                "ordering": ["project", "order", "name"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "name"), name="attribute_unique_name"
                    )
                ],
            },
        ),
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
        migrations.CreateModel(
            name="Segment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("turn", "Speaker turn"),
                            ("paragraph", "Paragraph"),
                            ("sentence", "Sentence"),
                        ],
                        max_length=10,
                    ),
                ),
                ("start", models.PositiveIntegerField()),
                ("end", models.PositiveIntegerField()),
                ("speaker", models.CharField(blank=True, max_length=200)),
                ("is_interviewer", models.BooleanField(default=False)),
                (
                    "timestamp",
                    models.FloatField(blank=True, help_text="Seconds from the start.", null=True),
                ),
                (
                    "interviewee",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="segments",
                        to="interviews.interviewee",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="segments",
                        to="interviews.source",
                    ),
                ),
            ],
            options={
                "ordering": ["source", "kind", "start"],
                "indexes": [
                    models.Index(
                        fields=["source", "kind", "start"], name="interviews__source__afe7cd_idx"
                    ),
                    models.Index(
                        condition=models.Q(("interviewee__isnull", False)),
                        fields=["interviewee"],
                        name="segment_interviewee",
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("start__gte", 0), ("start__lt", models.F("end"))),
                        name="segment_start_before_end",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Recording",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("guid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("file", models.FileField(max_length=500, upload_to="")),
                (
                    "kind",
                    models.CharField(
                        choices=[("audio", "Audio"), ("video", "Video")], max_length=5
                    ),
                ),
                ("mime_type", models.CharField(max_length=60)),
                ("size", models.PositiveBigIntegerField()),
                ("duration", models.FloatField(blank=True, help_text="Seconds.", null=True)),
                (
                    "duration_origin",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("ffprobe", "Read with ffprobe"),
                            ("browser", "Reported by the browser"),
                            ("file", "Given by an imported project"),
                        ],
                        max_length=10,
                    ),
                ),
                ("original_name", models.CharField(blank=True, max_length=300)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "source",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recording",
                        to="interviews.source",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("duration__isnull", True), ("duration__gte", 0), _connector="OR"
                        ),
                        name="recording_duration_not_negative",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="NamedEntity",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("start", models.PositiveIntegerField()),
                ("end", models.PositiveIntegerField()),
                (
                    "label",
                    models.CharField(
                        help_text="spaCy's label, e.g. PERSON, ORG, GPE.", max_length=30
                    ),
                ),
                ("text", models.CharField(max_length=300)),
                (
                    "source",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="entities",
                        to="interviews.source",
                    ),
                ),
            ],
            options={
                "ordering": ["source", "start"],
                "indexes": [
                    models.Index(fields=["source", "label"], name="interviews__source__896b41_idx")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("start__gte", 0), ("start__lt", models.F("end"))),
                        name="namedentity_start_before_end",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="IdentifyingSpan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("start", models.PositiveIntegerField()),
                ("end", models.PositiveIntegerField()),
                ("text", models.CharField(max_length=500)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("PERSON", "Person"),
                            ("ORG", "Organisation"),
                            ("PLACE", "Place"),
                            ("EMAIL", "E-mail address"),
                            ("PHONE", "Phone number"),
                            ("URL", "Web address"),
                            ("DATE", "Date (of birth)"),
                            ("ID", "ID number"),
                            ("OTHER", "Other"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "origin",
                    models.CharField(
                        choices=[
                            ("model", "Language model"),
                            ("pattern", "Pattern (e-mail, phone …)"),
                            ("roster", "Interviewee records"),
                            ("term", "Project term"),
                            ("admin", "Marked by an admin"),
                        ],
                        max_length=10,
                    ),
                ),
                ("score", models.FloatField(default=1.0)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "To review"),
                            ("accepted", "Accepted"),
                            ("rejected", "Rejected"),
                            ("applied", "Applied"),
                        ],
                        db_index=True,
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "entity",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="spans",
                        to="interviews.identifyingentity",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="identifying_spans",
                        to="interviews.source",
                    ),
                ),
            ],
            options={
                "ordering": ["source", "start", "end"],
                "indexes": [
                    models.Index(
                        fields=["source", "status", "start"], name="interviews__source__dc9f79_idx"
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("start__gte", 0), ("start__lt", models.F("end"))),
                        name="identifyingspan_start_before_end",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AttributeValue",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.TextField(blank=True)),
                (
                    "attribute",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="values",
                        to="interviews.attribute",
                    ),
                ),
                (
                    "interviewee",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attribute_values",
                        to="interviews.interviewee",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attribute_values",
                        to="interviews.source",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("interviewee__isnull", False), ("source__isnull", True)),
                            models.Q(("interviewee__isnull", True), ("source__isnull", False)),
                            _connector="OR",
                        ),
                        name="attributevalue_one_owner",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("interviewee__isnull", False)),
                        fields=("attribute", "interviewee"),
                        name="attributevalue_unique_interviewee",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("source__isnull", False)),
                        fields=("attribute", "source"),
                        name="attributevalue_unique_source",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="SourcePiece",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("index", models.PositiveIntegerField()),
                ("start", models.PositiveIntegerField()),
                ("end", models.PositiveIntegerField()),
                (
                    "blocks",
                    models.JSONField(
                        default=list,
                        help_text="The piece's blocks: [start, end, speaker label, timestamp, part of a cut block].",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pieces",
                        to="interviews.source",
                    ),
                ),
            ],
            options={
                "ordering": ["source", "index"],
                "indexes": [
                    models.Index(fields=["source", "start"], name="interviews__source__4e7ec3_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("source", "index"), name="source_piece_unique"),
                    models.CheckConstraint(
                        condition=models.Q(("start__lte", models.F("end"))),
                        name="source_piece_start_before_end",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="SourceRevision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "number",
                    models.PositiveIntegerField(help_text="1 for the first change of the text."),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("deidentify", "De-identification applied"),
                            ("correction", "Words corrected"),
                        ],
                        max_length=12,
                    ),
                ),
                ("text_before", models.TextField()),
                ("title_before", models.CharField(blank=True, max_length=300)),
                (
                    "edits",
                    models.JSONField(
                        default=list, help_text="[[start, end, new text], …] in the old text."
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=300)),
                ("codings_moved", models.PositiveIntegerField(default=0)),
                ("at", models.DateTimeField(auto_now_add=True)),
                (
                    "source",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="revisions",
                        to="interviews.source",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["source", "number"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("source", "number"), name="sourcerevision_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="SyncPoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("guid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "position",
                    models.PositiveIntegerField(help_text="Code points from the text's start."),
                ),
                ("time", models.FloatField(help_text="Seconds from the recording's start.")),
                (
                    "origin",
                    models.CharField(
                        choices=[
                            ("cue", "Subtitle cue"),
                            ("manual", "Set by hand"),
                            ("imported", "From an exchange file"),
                        ],
                        default="cue",
                        max_length=10,
                    ),
                ),
                ("modified_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
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
                        related_name="sync_points",
                        to="interviews.source",
                    ),
                ),
            ],
            options={
                "ordering": ["source", "position"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("source", "position"), name="syncpoint_unique_position"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("time__gte", 0)), name="syncpoint_time_not_negative"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("admin", "Admin"),
                            ("lead", "Lead researcher"),
                            ("coder", "Research assistant (coder)"),
                            ("viewer", "Viewer"),
                        ],
                        default="coder",
                        max_length=10,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="interviews.project",
                    ),
                ),
            ],
            options={
                "ordering": ["project", "user__username"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "user"), name="membership_unique_user"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("role__in", ["admin", "lead", "coder", "viewer"])),
                        name="membership_role_valid",
                    ),
                ],
            },
        ),
        migrations.RunPython(database_settings, migrations.RunPython.noop),
        migrations.RunPython(profiles, migrations.RunPython.noop),
    ]
