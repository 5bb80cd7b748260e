"""One request at a time against SQLite's in-memory test database.

pytest-django's live server shares the test's single in-memory SQLite connection with every
request thread, and one connection cannot carry two transactions at once. On PostgreSQL the
middleware is not installed and requests run concurrently.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()


class SerialRequestsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with _lock:
            return self.get_response(request)
