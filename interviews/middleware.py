"""Refusals that hold for every page: input no view should ever see."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


class RejectNulMiddleware:
    """A NUL character in a query or form value is refused with 400.

    PostgreSQL cannot hold NUL in text (a query with one fails), no name, code, memo or
    filter needs one, and browsers never send one from a form a person filled in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "%00" in request.META.get("QUERY_STRING", "") or _has_nul(request):
            return HttpResponseBadRequest(
                "The request holds a NUL character, which Parley does not accept.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    # Multipart bodies are left to their views: an upload view chooses its own upload
    # handlers (recordings stream to disk), which reading request.POST here would prevent.
    if request.method != "POST" or request.content_type != "application/x-www-form-urlencoded":
        return False
    return any(
        "\x00" in key or any("\x00" in v for v in values) for key, values in request.POST.lists()
    )
