"""API fixtures: token clients per role."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from api.tokens import token_create


class ApiClient:
    """A client that sends a token (or the session of `client`) and JSON bodies."""

    def __init__(self, client: Client, token: str | None = None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _send(self, method: str, url: str, body=None, **kwargs):
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(self.client, method)(url, headers=self.headers, **kwargs)

    def get(self, url, params=None):
        return self.client.get(url, params or {}, headers=self.headers)

    def post(self, url, body=None, **kwargs):
        return self._send("post", url, body, **kwargs)

    def patch(self, url, body=None):
        return self._send("patch", url, body)

    def put(self, url, body=None):
        return self._send("put", url, body)

    def delete(self, url, params=""):
        return self.client.delete(f"{url}?{params}" if params else url, headers=self.headers)


@pytest.fixture
def api_for(users, outsider):
    """api_for('lead') → an ApiClient with a fresh read-write token of that member."""

    made = []

    def make(member: str, **options) -> ApiClient:
        user = outsider if member == "outsider" else users[member]
        made.append(member)
        name = options.pop("name", f"tests {len(made)}")
        _token, raw = token_create(user=user, name=name, **options)
        return ApiClient(Client(), raw)

    return make


def v1(path: str) -> str:
    return f"/api/v1/{path.lstrip('/')}"
