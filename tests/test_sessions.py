"""A signed-in request's session and user, read with queries compiled once
(config/sessions.py), give what Django's own reads give: the member while the session
lasts, and nobody once it has expired, been flushed or its user made inactive."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends import db as django_db
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from config.sessions import ModelBackend, SessionStore


def _signed_in(user) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": "pw-for-tests-123"})
    assert client.session.get(SESSION_KEY) == str(user.pk)
    return client


def test_a_session_is_read_as_django_reads_it(users):
    client = _signed_in(users["coder"])
    key = client.cookies["sessionid"].value
    ours, django = SessionStore(key), django_db.SessionStore(key)
    assert ours.load() == django.load()
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
    Session.objects.filter(session_key=key).update(
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
