"""Sessions keep the signed-in member's id in a column (`MemberSession`), so that a request
reads its session and its member in one query. The sessions open when this runs are copied
over with their member, so nobody is signed out by it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def copy_sessions(apps, schema_editor):
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    old = apps.get_model("sessions", "Session")
    new = apps.get_model("interviews", "MemberSession")
    using = schema_editor.connection.alias
    decoder = SessionStore()  # signed with its class's name as the salt, as saved
    batch = []
    rows = old.objects.using(using).filter(expire_date__gt=timezone.now())
    for key, data, expires in rows.values_list("session_key", "session_data", "expire_date"):
        member = str(decoder.decode(data).get(SESSION_KEY, ""))
        batch.append(
            new(
                session_key=key,
                session_data=data,
                expire_date=expires,
                user_id=int(member) if member.isdigit() else None,
            )
        )
    new.objects.using(using).bulk_create(batch, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0013_sqlite_auto_vacuum"),
        ("sessions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MemberSession",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="session key"
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"db_table": "parley_session"},
        ),
        migrations.RunPython(copy_sessions, migrations.RunPython.noop),
    ]
