"""The reads every signed-in request makes, its session and its member, as one query of the
ORM's compiled once per process (`interviews.compiled`) instead of two compiled on every
request.

`SESSION_ENGINE = "config.sessions"`: Django's database sessions, kept in
`interviews.MemberSession`, which has the signed-in member's id as a column (written from
the session's data whenever it is saved). `load` reads the session row (the same condition
as Django's: this key, not expired) joined to its member's row, and leaves that row for
`ModelBackend.get_user`, which builds the member from it when the id asked for is the one
the session holds, and otherwise reads the user row with a compiled query. Everything else
(saving, creating, rotating, flushing a session; authenticating; permissions; the session's
hash check in `django.contrib.auth.get_user`, which still compares the password's hash) is
Django's own.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from functools import cache

from django.contrib.auth import SESSION_KEY, backends, get_user_model
from django.contrib.sessions.backends import db
from django.core.signals import request_finished, request_started
from django.db import router
from django.utils import timezone

from interviews.compiled import Compiled, keys_fit


@cache
def _user_fields() -> list[str]:
    return [field.attname for field in get_user_model()._meta.concrete_fields]


def _session_query(*, key, now):
    from interviews.models import MemberSession

    member = [f"user__{name}" for name in _user_fields()]
    return MemberSession.objects.filter(session_key=key, expire_date__gt=now).values_list(
        "session_data", "user_id", *member
    )


_SESSION = Compiled(_session_query, ("key", "now"), kinds={"key": str, "now": datetime})

# The member row the session read brought, as (id, values), until the member is built from
# it. Kept only while a request is served (per thread or task), and dropped when it ends: a
# session read outside a request (a command, a test) leaves nothing for a later user read.
_member_read: ContextVar[tuple[int, list] | None] = ContextVar("member_read", default=None)
_serving: ContextVar[bool] = ContextVar("serving", default=False)


def _started(**_kwargs) -> None:
    _member_read.set(None)
    _serving.set(True)


def _finished(**_kwargs) -> None:
    _member_read.set(None)
    _serving.set(False)


request_started.connect(_started, dispatch_uid="config.sessions.request-started")
request_finished.connect(_finished, dispatch_uid="config.sessions.request-finished")


class SessionStore(db.SessionStore):
    @classmethod
    def get_model_class(cls):
        from interviews.models import MemberSession

        return MemberSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        member = str(data.get(SESSION_KEY, ""))
        instance.user_id = int(member) if member.isdigit() and keys_fit(int(member)) else None
        return instance

    def load(self):
        using = router.db_for_read(self.model)
        row = _SESSION.row(using, key=self.session_key, now=timezone.now())
        if row is None:
            _member_read.set(None)
            self._session_key = None
            return {}
        data, member = row[0], row[1]
        # The member's columns are all NULL where the row is gone (the join found nothing).
        found = member is not None and row[2] is not None
        _member_read.set((member, row[2:]) if found and _serving.get() else None)
        return self.decode(data)


def _user_query(*, pk):
    return get_user_model()._default_manager.filter(pk=pk).values_list(*_user_fields())


_USER = Compiled(_user_query, ("pk",))


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        if not isinstance(user_id, int) or not keys_fit(user_id):
            return super().get_user(user_id)
        using = router.db_for_read(model)
        read, values = _member_read.get() or (None, None)
        if read == user_id:
            _member_read.set(None)  # built once: a later call reads the row again
        else:
            values = _USER.row(using, pk=user_id)
        if values is None:
            return None
        user = model.from_db(using, _user_fields(), values)
        return user if self.user_can_authenticate(user) else None
