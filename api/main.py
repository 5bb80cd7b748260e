"""The public API, `/api/v1/`: one NinjaAPI with a router per domain (api/routers/).

The schema is generated from the code (`/api/v1/openapi.json`, OpenAPI 3.1) and browsable
at `/api/v1/docs` (Swagger UI served from this site, nothing from a CDN)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import NinjaAPI, Swagger

from api import (
    converters,  # noqa: F401 - registers the `id` path converter
    errors,
    guard,
)
from api.auth import TokenThrottle, member
from api.pagination import MAX_ID
from api.routers import coding, projects, reports, sources, suggestions, text

ERRORS = {
    "400": "Bad input: `error` says what, `fields` names each field at fault.",
    "401": "Not logged in, or the token is not valid or has been revoked.",
    "403": "Your role (or a read-only token) does not allow this.",
    "404": "Not there, or not visible to you.",
    "409": "A conflict with what is stored (a name or a coding that exists already).",
    "429": "Too many requests with this token; wait `Retry-After` seconds.",
}


class SiteSwagger(Swagger):
    """The Swagger UI page drawn from django-ninja's own template, with its script and style
    from this site's static files. django-ninja reads that template by name only when
    "ninja" is an installed app, and otherwise the page it names here; config/settings.py
    says why "ninja" is not one."""

    template_cdn = str(settings.NINJA_DIR / "templates" / "ninja" / "swagger.html")


class ParleyApi(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Every operation documents the one error shape under each status it may answer."""
        schema = super().get_openapi_schema(*args, **kwargs)
        schema["components"].setdefault("schemas", {})["Error"] = {
            "type": "object",
            "properties": {
                "error": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["error"],
        }
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                        parameter["schema"].update(minimum=0, maximum=MAX_ID)
                responses = operation.setdefault("responses", {})
                for status, description in ERRORS.items():
                    responses.setdefault(status, {"description": description, "content": error})
        return schema


api = ParleyApi(
    title="Parley API",
    version="1",
    description=(
        "Every object of a project over JSON. Authenticate with a personal API token "
        "(`Authorization: Bearer <token>`, made on your profile page) or, from the site's own "
        "pages, the session with its CSRF token. Offsets are Unicode code points, half-open "
        '[start, end). Errors answer `{"error": message, "fields": {...}}` with 400, 401, '
        "403, 404, 409 or 429. Lists are paged with `cursor` and `limit`; follow `next`."
    ),
    urls_namespace="api",
    auth=member(),
    throttle=[TokenThrottle()],
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=SiteSwagger(),
)


def _before_bad_request(request: HttpRequest) -> None:
    """Outsiders and members without the right get 404 and 403 before a 400."""
    if not hasattr(request, "api_perm"):
        return
    kwargs = request.resolver_match.kwargs if request.resolver_match else {}
    if "source_pk" in kwargs:
        guard.project_source(request, kwargs["pk"], kwargs["source_pk"])
    elif "pk" in kwargs:
        guard.project(request, kwargs["pk"])


errors.install(api, _before_bad_request)

api.add_router("", projects.router)
api.add_router("", sources.router)
api.add_router("", text.router)
api.add_router("", coding.router)
api.add_router("", coding.codes_router)
api.add_router("", coding.memos_router)
api.add_router("", coding.queries_router)
api.add_router("", suggestions.router)
api.add_router("", reports.router)
