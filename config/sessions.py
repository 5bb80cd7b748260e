"""The two reads every signed-in request makes, its session and its user, as the ORM's
queries compiled once per process (`interviews.compiled`) instead of on every request.

`SESSION_ENGINE = "config.sessions"`: Django's database sessions, whose `load` reads the
session row with the compiled query (the same condition: this key, not expired).
`ModelBackend`: Django's, whose `get_user` reads the user row so. Everything else (saving,
creating, rotating, flushing a session; authenticating; permissions; the session's hash
check in `django.contrib.auth.get_user`) is Django's own.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from django.contrib.auth import backends, get_user_model
from django.contrib.sessions.backends import db
from django.db import router
from django.utils import timezone

from interviews.compiled import Compiled, keys_fit


def _session_query(*, key, now):
    from django.contrib.sessions.models import Session

    return Session.objects.filter(session_key=key, expire_date__gt=now).values_list("session_data")


_SESSION = Compiled(_session_query, ("key", "now"), kinds={"key": str, "now": datetime})


class SessionStore(db.SessionStore):
    def load(self):
        using = router.db_for_read(self.model)
        row = _SESSION.row(using, key=self.session_key, now=timezone.now())
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])


@cache
def _user_fields() -> list[str]:
    return [field.attname for field in get_user_model()._meta.concrete_fields]


def _user_query(*, pk):
    return get_user_model()._default_manager.filter(pk=pk).values_list(*_user_fields())


_USER = Compiled(_user_query, ("pk",))


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        if not isinstance(user_id, int) or not keys_fit(user_id):
            return super().get_user(user_id)
        using = router.db_for_read(model)
        row = _USER.row(using, pk=user_id)
        if row is None:
            return None
        user = model.from_db(using, _user_fields(), row)
        return user if self.user_can_authenticate(user) else None
