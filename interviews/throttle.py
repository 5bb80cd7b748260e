"""Login throttling (django-axes) on every form that checks a password: the site's login,
the admin's and the password change.

Failures are counted by client address, and by username together with address: one address
guessing many usernames is stopped, and a username locked at one address still logs in from
any other, so no one can lock the owner out from elsewhere. Every attempt is logged (axes'
AccessAttempt, AccessLog and AccessFailureLog tables, in the admin).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
    """The address a request came from. Behind the TLS proxy (BEHIND_TLS_PROXY) that is the
    last address of X-Forwarded-For, the one nginx saw; the earlier ones are the client's
    word and never trusted."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.PARLEY_BEHIND_PROXY and forwarded:
        return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR")


def lockout(request: HttpRequest, credentials: dict | None = None, *args) -> HttpResponse:
    """The page a locked-out attempt gets: the login form with the reason, status 429."""
    from django.contrib.auth.forms import AuthenticationForm

    return render(
        request,
        "registration/login.html",
        {
            "form": AuthenticationForm(request),
            "locked": True,
            "lockout_minutes": settings.LOGIN_LOCKOUT_SECONDS // 60,
        },
        status=429,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """A wrong current password counts as a failed login of that user at that address."""

    def dispatch(self, request, *args, **kwargs):
        from axes.handlers.proxy import AxesProxyHandler

        if request.user.is_authenticated and not AxesProxyHandler.is_allowed(
            request, {"username": request.user.get_username()}
        ):
            return lockout(request)
        return super().dispatch(request, *args, **kwargs)

    def form_invalid(self, form):
        if "old_password" in form.errors:
            user_login_failed.send(
                sender=type(self),
                credentials={"username": self.request.user.get_username()},
                request=self.request,
            )
        return super().form_invalid(form)
