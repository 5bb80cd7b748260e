"""A signed-in request's session and user, read with queries compiled once
(config/sessions.py), give what Django's own reads give: the member while the session
lasts, and nobody once it has expired, been flushed or its user made inactive."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends import db as django_db
from django.test import Client
from django.utils import timezone

from config.sessions import ModelBackend, SessionStore
from interviews.models import MemberSession


def _signed_in(user) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": "pw-for-tests-123"})
    assert client.session.get(SESSION_KEY) == str(user.pk)
    return client


def test_a_session_is_read_as_django_reads_it(users):
    client = _signed_in(users["coder"])
    key = client.cookies["sessionid"].value
    ours, django = SessionStore(key), SessionStore(key)
    assert ours.load() == django_db.SessionStore.load(django)
    assert ours.load()[SESSION_KEY] == str(users["coder"].pk)
    assert ours.session_key == key


def test_a_signed_in_member_sees_their_project_and_is_named(project, users):
    client = _signed_in(users["coder"])
    page = client.get(f"/projects/{project.pk}/")
    assert page.status_code == 200
    assert page.wsgi_request.user == users["coder"]


def test_an_expired_session_signs_nobody_in(project, users):
    client = _signed_in(users["coder"])
    key = client.cookies["sessionid"].value
    MemberSession.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None
    answer = client.get(f"/projects/{project.pk}/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "key", ["no-such-session-key-000", "短い鍵でもなく長い鍵でもない", "x" * 200]
)
def test_an_unknown_session_key_is_no_session(db, key):
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None


def test_signing_out_ends_the_session(project, users):
    client = _signed_in(users["lead"])
    key = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    assert SessionStore(key).load() == {}
    assert client.get(f"/projects/{project.pk}/").status_code == 302


def test_the_user_read_gives_every_field_as_the_orm(users):
    user = users["viewer"]
    read = ModelBackend().get_user(user.pk)
    fresh = get_user_model().objects.get(pk=user.pk)
    for field in get_user_model()._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(fresh, field.attname), field.name
    assert read._state.adding is False
    assert read._state.db == "default"
    assert ModelBackend().get_user(user.pk + 10_000) is None
    assert ModelBackend().get_user(2**70) is None


def test_an_inactive_user_is_signed_out(project, users):
    client = _signed_in(users["coder"])
    get_user_model().objects.filter(pk=users["coder"].pk).update(is_active=False)
    assert ModelBackend().get_user(users["coder"].pk) is None
    assert client.get(f"/projects/{project.pk}/").status_code == 302


def test_a_changed_password_signs_out_other_sessions(project, users):
    client = _signed_in(users["coder"])
    user = get_user_model().objects.get(pk=users["coder"].pk)
    user.set_password("another-password-456")
    user.save()
    assert client.get(f"/projects/{project.pk}/").status_code == 302


def test_a_session_row_holds_the_member_signed_in(users):
    client = _signed_in(users["coder"])
    key = client.cookies["sessionid"].value
    assert MemberSession.objects.get(session_key=key).user_id == users["coder"].pk
    client.post("/accounts/logout/")
    anonymous = SessionStore()
    anonymous["seen"] = True
    anonymous.save()
    assert MemberSession.objects.get(session_key=anonymous.session_key).user_id is None
    # Deleting a user ends their sessions.
    other = _signed_in(users["viewer"]).cookies["sessionid"].value
    users["viewer"].delete()
    assert not MemberSession.objects.filter(session_key=other).exists()


def test_a_signed_in_request_reads_its_session_and_member_in_one_query(project, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _signed_in(users["coder"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/projects/{project.pk}/").status_code == 200
    sqls = [q["sql"] for q in queries.captured_queries]
    assert "parley_session" in sqls[0] and '"auth_user"' in sqls[0]
    member = f'WHERE "auth_user"."id" = {users["coder"].pk}'
    assert not [sql for sql in sqls if sql.startswith('SELECT "auth_user"') and member in sql]


def test_the_member_read_with_the_session_is_not_kept_past_its_request(project, users):
    client = _signed_in(users["lead"])
    assert client.get(f"/projects/{project.pk}/").status_code == 200
    get_user_model().objects.filter(pk=users["lead"].pk).update(is_active=False)
    assert ModelBackend().get_user(users["lead"].pk) is None
    # Read outside a request (a command, a test), a session leaves no member behind either.
    get_user_model().objects.filter(pk=users["lead"].pk).update(is_active=True)
    store = SessionStore(client.cookies["sessionid"].value)
    assert store.load()[SESSION_KEY] == str(users["lead"].pk)
    get_user_model().objects.filter(pk=users["lead"].pk).update(is_active=False)
    assert ModelBackend().get_user(users["lead"].pk) is None


def test_the_migration_carries_open_sessions_over_with_their_member(users):
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    old = django_db.SessionStore()
    old[SESSION_KEY] = str(users["admin"].pk)
    old.save()
    expired = django_db.SessionStore()
    expired[SESSION_KEY] = str(users["coder"].pk)
    expired.set_expiry(-10)
    expired.save()
    migration = import_module("interviews.migrations.0014_member_session")
    migration.copy_sessions(apps, type("Editor", (), {"connection": connection})())
    copied = MemberSession.objects.get(session_key=old.session_key)
    assert copied.user_id == users["admin"].pk
    assert SessionStore(old.session_key).load()[SESSION_KEY] == str(users["admin"].pk)
    assert not MemberSession.objects.filter(session_key=expired.session_key).exists()


def test_a_session_row_decodes_as_its_store_reads_it(users):
    client = _signed_in(users["admin"])
    row = MemberSession.objects.get(session_key=client.cookies["sessionid"].value)
    assert row.get_decoded()[SESSION_KEY] == str(users["admin"].pk)


def test_a_superuser_sees_who_is_signed_in_and_may_end_a_session(project, users):
    member = _signed_in(users["coder"])
    key = member.cookies["sessionid"].value
    boss = get_user_model().objects.create_superuser("boss", password="pw-for-tests-123")
    admin = _signed_in(boss)
    listing = admin.get("/admin/interviews/membersession/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "coder" in page
    assert MemberSession.objects.get(session_key=key).session_data not in page
    admin.post(f"/admin/interviews/membersession/{key}/delete/", {"post": "yes"})
    assert not MemberSession.objects.filter(session_key=key).exists()
    assert member.get(f"/projects/{project.pk}/").status_code == 302  # signed out
    staff = users["lead"]
    get_user_model().objects.filter(pk=staff.pk).update(is_staff=True)
    assert _signed_in(staff).get("/admin/interviews/membersession/").status_code == 403
