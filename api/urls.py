"""`/api/v1/` (the public API) and the profile page where users manage their API tokens;
every name is in the `api` namespace (`api:codings`, `api:profile`)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from api import views
from api.main import api


def _public(patterns):
    """The API answers 401 itself; the site's login redirect must not catch its requests."""
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            _public(pattern.url_patterns)
        else:
            pattern.callback = login_not_required(pattern.callback)
    return patterns


api_patterns, _app, _namespace = api.urls
app_name = "api"
urlpatterns = [
    path("api/v1/", include(_public(api_patterns))),
    path("api/<path:rest>", views.api_not_found),
    path("accounts/profile/", views.profile, name="profile"),
    path(
        "accounts/profile/tokens/<int:token_pk>/revoke/",
        views.token_revoke,
        name="token_revoke",
    ),
]
