"""Browser fixtures: pages logged in with a session cookie (Chromium comes from tests/conftest.py)."""

from __future__ import annotations

import threading

import pytest


@pytest.fixture
def page_for(browser, live_server, settings):
    """page_for(user) → a Playwright page whose browser context is logged in as that user."""
    from django.conf import settings as django_settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import connection

    from config.sessions import SessionStore

    settings.PARLEY_POLL_SECONDS = 1
    if connection.vendor == "sqlite":
        settings.MIDDLEWARE = [
            "tests.browser.serial.SerialRequestsMiddleware",
            *settings.MIDDLEWARE,
        ]
    contexts = []

    def make(user):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = django_settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        context = browser.new_context(base_url=live_server.url)
        context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
    # Requests the pages had started (a recording's ranges, a poll) may still be running in
    # the live server's threads: they finish before the test's data is flushed, which on
    # SQLite's shared in-memory database would otherwise find a table locked.
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(timeout=10)
