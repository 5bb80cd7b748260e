"""The public API, `/api/v1/`: one NinjaAPI with a router per domain (api/routers/).

The schema is generated from the code (`/api/v1/openapi.json`, OpenAPI 3.1) and browsable
at `/api/v1/docs` (Swagger UI served from this site, nothing from a CDN)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import NinjaAPI

from api import converters  # noqa: F401 - registers the `id` path converter
from api import errors, guard
from api.auth import TokenThrottle, member
from api.routers import coding, projects, reports, sources

api = NinjaAPI(
    title="Parley API",
    version="1",
    description=(
        "Every object of a project over JSON. Authenticate with a personal API token "
        "(`Authorization: Bearer <token>`, made on your profile page) or, from the site's own "
        "pages, the session with its CSRF token. Offsets are Unicode code points, half-open "
        "[start, end). Errors answer `{\"error\": message, \"fields\": {...}}` with 400, 401, "
        "403, 404, 409 or 429. Lists are paged with `cursor` and `limit`; follow `next`."
    ),
    urls_namespace="api",
    auth=member(),
    throttle=[TokenThrottle()],
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _before_bad_request(request: HttpRequest) -> None:
    """Outsiders and members without the right get 404 and 403 before a 400."""
    if not hasattr(request, "api_perm"):
        return
    kwargs = request.resolver_match.kwargs if request.resolver_match else {}
    if "pk" in kwargs:
        access = guard.project(request, kwargs["pk"])
        if "source_pk" in kwargs:
            guard.source(access, kwargs["source_pk"])


errors.install(api, _before_bad_request)

api.add_router("", projects.router)
api.add_router("", sources.router)
api.add_router("", coding.router)
api.add_router("", coding.codes_router)
api.add_router("", coding.memos_router)
api.add_router("", coding.queries_router)
api.add_router("", reports.router)

__all__ = ["api", "Http404"]
