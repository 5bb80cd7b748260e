"""Authentication for the API: a personal token (`Authorization: Bearer …`) or the browser
session with its CSRF token. Each operation declares the permission it needs
(`member(Perm.CODE)`); a read-only token is refused any other, and tokens are throttled."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import SimpleRateThrottle
from ninja.utils import check_csrf

from api import guard
from api.models import ApiToken
from api.tokens import token_find
from interviews.access import Perm

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
TOUCH_EVERY = datetime.timedelta(minutes=5)


def _declare(request: HttpRequest, perm: Perm) -> None:
    request.api_perm = perm
    match = getattr(request, "resolver_match", None)
    pk = match.kwargs.get("pk") if match else None
    if pk is not None:
        guard.token_scope_check(request, pk)


class TokenAuth(HttpBearer):
    """A personal API token, shown once when it was made, stored hashed."""

    def __init__(self, perm: Perm = Perm.VIEW) -> None:
        self.perm = perm
        super().__init__()

    def __call__(self, request: HttpRequest):
        value = request.headers.get("Authorization")
        if not value:
            return None
        scheme, _, raw = value.partition(" ")
        if scheme.lower() != "bearer":
            raise AuthenticationError(message="Send the token as “Authorization: Bearer <token>”.")
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = token_find(token)
        if found is None:
            raise AuthenticationError(message="This API token is not valid or has been revoked.")
        request.user = found.user
        request.api_token = found
        if self.perm != Perm.VIEW and found.read_only:
            raise PermissionDenied("This API token is read-only.")
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        _declare(request, self.perm)
        return found


class SessionAuth(APIKeyCookie):
    """The browser's session; every write carries the CSRF token (header `X-CSRFToken`)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, perm: Perm = Perm.VIEW) -> None:
        self.perm = perm
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request):
            raise PermissionDenied(
                "The CSRF check failed: send the page's token in the X-CSRFToken header."
            )
        request.api_token = None
        _declare(request, self.perm)
        return request.user

    def authenticate(self, request: HttpRequest, key: str | None):  # pragma: no cover
        return request.user if request.user.is_authenticated else None


def member(perm: Perm = Perm.VIEW) -> list:
    """The authentication of an operation that needs `perm` in the project it names."""
    return [TokenAuth(perm), SessionAuth(perm)]


class TokenThrottle(SimpleRateThrottle):
    """Requests per token (`PARLEY_API_TOKEN_RATE`, e.g. "1200/min"); the browser's own
    session is not throttled, so coding at speed is never slowed down."""

    scope = "token"

    def __init__(self) -> None:
        super().__init__(self._setting() or "1/s")  # the rate is read again on each request

    @staticmethod
    def _setting() -> str:
        return getattr(settings, "PARLEY_API_TOKEN_RATE", "1200/min")

    def allow_request(self, request: HttpRequest) -> bool:
        # Read each time, so that a changed setting applies without a restart of the API.
        self.rate = self._setting() or None  # empty: no limit
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return self.rate is None or super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "api_token", None)
        return None if token is None else f"parley-api-token-{token.pk}"
