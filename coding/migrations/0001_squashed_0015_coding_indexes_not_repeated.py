"""Migrations 0001-0015 as one step, for a database that has none of them.

The models' tables, indexes and constraints are created as those migrations left them. The
adjudication table, whose model belongs to the agreement app since 0008 (agreement.0001 takes
it over in Django's state only), is created here in the database alone, by 0004's own
operation, as before. The full-text index of the sources is built by the same function that
0011 used, with the definition in coding/search.py.

A database that has some of them applied goes on through them one by one (Django picks).
"""

import uuid
from importlib import import_module

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


def _replaced(name):
    return import_module(f"coding.migrations.{name}")


def search_index(apps, schema_editor):
    _replaced("0011_search_index_long_texts").rebuild_index(apps, schema_editor)


class Migration(migrations.Migration):
    replaces = [
        ("coding", "0001_initial"),
        ("coding", "0002_saved_queries"),
        ("coding", "0003_source_fulltext_index"),
        ("coding", "0004_agreement_resolution"),
        ("coding", "0005_code_pins"),
        ("coding", "0006_search_cjk_words"),
        ("coding", "0007_codes_restricted_not_protected"),
        ("coding", "0008_agreementresolution_moves_to_agreement"),
        ("coding", "0009_sources_frozen_from_codings"),
        ("coding", "0010_change_export_and_erase"),
        ("coding", "0011_search_index_long_texts"),
        ("coding", "0012_coding_help_rules_and_suggestions"),
        ("coding", "0013_search_vector_regexp_punctuation"),
        ("coding", "0014_search_text_prepared_in_python"),
        ("coding", "0015_coding_indexes_not_repeated"),
    ]

    initial = True

    dependencies = [
        ("interviews", "0013_sqlite_auto_vacuum"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Change",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("create", "Created"),
                            ("update", "Changed"),
                            ("delete", "Deleted"),
                            ("merge", "Merged"),
                            ("move", "Moved"),
                            ("restore", "Restored"),
                            ("export", "Exported the identified text of"),
                            ("erase", "Erased"),
                        ],
                        max_length=10,
                    ),
                ),
                ("object_type", models.CharField(max_length=20)),
                ("object_guid", models.UUIDField(db_index=True)),
                ("before", models.JSONField(blank=True, null=True)),
                ("after", models.JSONField(blank=True, null=True)),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="changes",
                        to="interviews.project",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="changes",
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
                "ordering": ["-at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="Code",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("guid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("name", models.CharField(max_length=200)),
                (
                    "colour",
                    models.CharField(
                        default="#1e88e5",
                        max_length=7,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^#[0-9a-fA-F]{6}$",
                                "Give a colour as #rrggbb, for example #1e88e5.",
                            )
                        ],
                    ),
                ),
                ("definition", models.TextField(blank=True)),
                ("inclusion", models.TextField(blank=True, verbose_name="inclusion criteria")),
                ("exclusion", models.TextField(blank=True, verbose_name="exclusion criteria")),
                ("example", models.TextField(blank=True)),
                ("order", models.PositiveIntegerField(default=0)),
                ("is_codable", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="children",
                        to="coding.code",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="codes",
                        to="interviews.project",
                    ),
                ),
            ],
            options={
                "ordering": ["project", "order", "name"],
                "constraints": [
                    models.UniqueConstraint(
                        models.F("project"),
                        models.F("parent"),
                        django.db.models.functions.text.Lower("name"),
                        condition=models.Q(("parent__isnull", False)),
                        name="code_unique_sibling_name",
                        violation_error_message="Another code under the same parent has this name.",
                    ),
                    models.UniqueConstraint(
                        models.F("project"),
                        django.db.models.functions.text.Lower("name"),
                        condition=models.Q(("parent__isnull", True)),
                        name="code_unique_top_level_name",
                        violation_error_message="Another top-level code has this name.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("name", ""), _negated=True), name="code_name_not_empty"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="AutocodeRule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                (
                    "keywords",
                    models.TextField(
                        blank=True,
                        help_text="Words and phrases, one a line; matched on their dictionary form.",
                    ),
                ),
                (
                    "patterns",
                    models.TextField(
                        blank=True,
                        help_text="Regular expressions (Python syntax), one a line; case-insensitive.",
                    ),
                ),
                (
                    "scope",
                    models.CharField(
                        choices=[
                            ("match", "The matched words"),
                            ("sentence", "Its sentence"),
                            ("turn", "Its speaker turn"),
                            ("paragraph", "Its paragraph"),
                        ],
                        default="sentence",
                        max_length=10,
                    ),
                ),
                (
                    "speakers",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Pseudonyms, 'Interviewer' or speaker labels.",
                    ),
                ),
                (
                    "attribute_values",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        help_text="{attribute name: [values]} of the speaking interviewee.",
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
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="autocode_rules",
                        to="interviews.project",
                    ),
                ),
                (
                    "sources",
                    models.ManyToManyField(blank=True, related_name="+", to="interviews.source"),
                ),
                (
                    "code",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rules",
                        to="coding.code",
                    ),
                ),
            ],
            options={
                "ordering": ["project", "name", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "name"), name="autocode_rule_unique_name"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CodePin",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slot", models.PositiveSmallIntegerField()),
                (
                    "code",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pins",
                        to="coding.code",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="interviews.project",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="code_pins",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["user", "project", "slot"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "project", "slot"), name="code_pin_one_per_slot"
                    ),
                    models.UniqueConstraint(fields=("user", "code"), name="code_pin_once_per_code"),
                    models.CheckConstraint(
                        condition=models.Q(("slot__gte", 1), ("slot__lte", 9)),
                        name="code_pin_slot_1_to_9",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Coding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("guid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("start", models.PositiveIntegerField()),
                ("end", models.PositiveIntegerField()),
                (
                    "origin",
                    models.CharField(
                        blank=True,
                        db_default="",
                        default="",
                        help_text="The rule or model whose suggestion it was.",
                        max_length=250,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("modified_at", models.DateTimeField(auto_now=True)),
                (
                    "code",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="codings",
                        to="coding.code",
                    ),
                ),
                (
                    "coder",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="codings",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="codings",
                        to="interviews.source",
                    ),
                ),
            ],
            options={
                "ordering": ["source", "start", "end", "pk"],
                "indexes": [
                    models.Index(fields=["source", "start"], name="coding_codi_source__f3e1b8_idx")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("start__gte", 0), ("start__lt", models.F("end"))),
                        name="coding_start_before_end",
                    ),
                    models.UniqueConstraint(
                        fields=("source", "code", "coder", "start", "end"),
                        name="coding_unique_span",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Memo",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("guid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("title", models.CharField(blank=True, max_length=200)),
                ("text", models.TextField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("modified_at", models.DateTimeField(auto_now=True)),
                (
                    "author",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="memos",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "code",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memos",
                        to="coding.code",
                    ),
                ),
                (
                    "coding",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memos",
                        to="coding.coding",
                    ),
                ),
                (
                    "interviewee",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memos",
                        to="interviews.interviewee",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memos",
                        to="interviews.project",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memos",
                        to="interviews.source",
                    ),
                ),
            ],
            options={
                "ordering": ["project", "-modified_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("code__isnull", True),
                                ("interviewee__isnull", True),
                                ("source__isnull", True),
                            ),
                            models.Q(
                                ("code__isnull", True),
                                ("coding__isnull", True),
                                ("source__isnull", True),
                            ),
                            models.Q(
                                ("coding__isnull", True),
                                ("interviewee__isnull", True),
                                ("source__isnull", True),
                            ),
                            models.Q(
                                ("code__isnull", True),
                                ("coding__isnull", True),
                                ("interviewee__isnull", True),
                            ),
                            _connector="OR",
                        ),
                        name="memo_at_most_one_target",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="SavedQuery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                (
                    "definition",
                    models.JSONField(help_text="Operator, codes, distance and filters."),
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
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="saved_queries",
                        to="interviews.project",
                    ),
                ),
            ],
            options={
                "ordering": ["project", "name"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "name"), name="savedquery_unique_name"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="SuggestionModel",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveIntegerField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("training", "Training"),
                            ("ready", "Ready"),
                            ("failed", "Failed"),
                        ],
                        default="training",
                        max_length=10,
                    ),
                ),
                (
                    "label_source",
                    models.CharField(
                        choices=[
                            (
                                "consensus",
                                "The consensus coder's codings where a source has them, else every coder's",
                            ),
                            ("all", "Every coder's codings"),
                        ],
                        default="consensus",
                        max_length=10,
                    ),
                ),
                ("seed", models.PositiveIntegerField(default=0)),
                (
                    "min_f1",
                    models.FloatField(
                        default=0.5, help_text="Codes below this F1 are never suggested."
                    ),
                ),
                (
                    "min_examples",
                    models.PositiveIntegerField(
                        default=10,
                        help_text="Codes with fewer training examples are never suggested.",
                    ),
                ),
                (
                    "metrics",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        help_text="{code id: {precision, recall, f1, examples, …}}",
                    ),
                ),
                ("summary", models.JSONField(blank=True, default=dict)),
                (
                    "trained_on",
                    models.JSONField(blank=True, default=list, help_text="Ids of the coders."),
                ),
                ("data", models.BinaryField(blank=True, null=True)),
                ("seconds", models.FloatField(blank=True, help_text="Training time.", null=True)),
                ("error", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "job",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="interviews.job",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="suggestion_models",
                        to="interviews.project",
                    ),
                ),
            ],
            options={
                "ordering": ["project", "-version"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "version"), name="suggestion_model_unique_version"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Suggestion",
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
                    "origin",
                    models.CharField(choices=[("rule", "Rule"), ("model", "Model")], max_length=10),
                ),
                ("origin_label", models.CharField(max_length=250)),
                ("score", models.FloatField(default=1.0)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("accepted", "Accepted"),
                            ("rejected", "Rejected"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "code",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="suggestions",
                        to="coding.code",
                    ),
                ),
                (
                    "coding",
                    models.ForeignKey(
                        blank=True,
                        help_text="The coding its acceptance created.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="suggestions",
                        to="coding.coding",
                    ),
                ),
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
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="suggestions",
                        to="interviews.project",
                    ),
                ),
                (
                    "rule",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="suggestions",
                        to="coding.autocoderule",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="suggestions",
                        to="interviews.source",
                    ),
                ),
                (
                    "model",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="suggestions",
                        to="coding.suggestionmodel",
                    ),
                ),
            ],
            options={
                "ordering": ["source", "start", "end", "pk"],
                "indexes": [
                    models.Index(
                        fields=["project", "status", "code"], name="coding_sugg_project_0cc37d_idx"
                    ),
                    models.Index(
                        fields=["source", "status"], name="coding_sugg_source__33e00d_idx"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("source", "code", "start", "end"), name="suggestion_unique_span"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("start__gte", 0), ("start__lt", models.F("end"))),
                        name="suggestion_start_before_end",
                    ),
                ],
            },
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[],
            database_operations=_replaced("0004_agreement_resolution").Migration.operations,
        ),
        migrations.RunPython(search_index, migrations.RunPython.noop),
    ]
