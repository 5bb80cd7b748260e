"""One shape for every error: `{"error": message, "fields": {field: [messages]}}`.

400 bad input (with the fields at fault), 401 not logged in or a bad token, 403 a role or
token without the right, 404 not there (or not visible), 409 a conflict with what is
stored, 429 too many requests.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

CONFLICT = "conflict"


class ApiError(HttpError):
    """An answer with a status, a message and optionally the fields at fault."""

    def __init__(self, status: int, message: str, fields: dict | None = None) -> None:
        super().__init__(status, message)
        self.fields = fields


def error_codes(exc: DjangoValidationError) -> set:
    """The codes of a ValidationError's errors, whether it holds them by field or as a list
    (`CONFLICT` among them: the answer is 409)."""
    if hasattr(exc, "error_dict"):
        return {getattr(e, "code", None) for es in exc.error_dict.values() for e in es}
    return {getattr(e, "code", None) for e in exc.error_list}


def _field_name(loc: tuple) -> str:
    # ("body", "payload", "start") → "start"; ("query", "limit") → "limit"
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "file")]
    if parts and parts[0] in ("payload", "data", "filters", "body"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _message(error: dict) -> str:
    kind = error.get("type", "")
    name = _field_name(tuple(error.get("loc", ())))
    label = f"“{name}”"
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    if kind == "missing":
        return f"{label} is required."
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{label} must be a whole number."
    if kind in ("less_than_equal", "less_than"):
        return f"{label} is too large."
    if kind in ("greater_than_equal", "greater_than"):
        return f"{label} is too small."
    if kind in ("float_type", "float_parsing", "finite_number"):
        return f"{label} must be a number."
    if kind == "string_type":
        return f"{label} must be text."
    if kind in ("bool_type", "bool_parsing"):
        return f"{label} must be true or false."
    if kind in ("list_type",):
        return f"{label} must be a list."
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "Send a JSON object." if name == "body" else f"{label} must be an object."
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{label} must be one of {expected}."
    if kind == "string_pattern_mismatch":
        if name.endswith("colour"):
            return f"{label} must be a colour written # and six hex digits, like #1e88e5."
        return f"{label} is not in the expected form."
    context = error.get("ctx", {})
    if kind == "string_too_long":
        return f"{label} is too long (at most {context.get('max_length')} characters)."
    if kind == "string_too_short" and context.get("min_length") == 1:
        return f"{label} must not be empty."
    if kind in ("too_long", "string_too_long"):
        return f"{label} is too long."
    if kind in ("string_too_short", "too_short"):
        return f"{label} is too short."
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return f"{label} must be a date (YYYY-MM-DD)."
    message = str(error.get("msg", "is not valid"))
    return f"{label}: {message}."


def one(queryset, what: str):
    """The row `queryset` finds, or “No such {what}.” (404): nothing said of another's rows."""
    found = queryset.first()
    if found is None:
        raise Http404(f"No such {what}.")
    return found


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, message: str, fields: dict | None = None
) -> HttpResponse:
    body: dict = {"error": message}
    if fields:
        body["fields"] = fields
    return api.create_response(request, body, status=status)


def install(api: NinjaAPI, before_bad_request) -> None:
    """Register the handlers; `before_bad_request(request)` raises 404/403 when an outsider
    or a member without the right sent a bad request (they learn nothing from a 400)."""

    @api.exception_handler(NinjaValidationError)
    def bad_input(request, exc: NinjaValidationError):
        try:
            before_bad_request(request)
        except Http404 as error:
            return not_found(request, error)
        except PermissionDenied as error:
            return forbidden(request, error)
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            fields.setdefault(_field_name(tuple(error.get("loc", ()))), []).append(_message(error))
        messages = [m for ms in fields.values() for m in ms]
        if any(e.get("type") == "json_invalid" for e in exc.errors):
            return error_response(api, request, 400, "The request body is not valid JSON.")
        return error_response(api, request, 400, " ".join(messages), fields)

    @api.exception_handler(IntegrityError)
    def clash(request, exc: IntegrityError):
        # A unique rule of the database that no form or service checked first.
        return error_response(
            api,
            request,
            409,
            "This conflicts with something already stored (a name that must be unique?).",
        )

    @api.exception_handler(DjangoValidationError)
    def invalid(request, exc: DjangoValidationError):
        status = 409 if CONFLICT in error_codes(exc) else 400
        fields = None
        if hasattr(exc, "error_dict"):
            fields = {name: list(msgs) for name, msgs in exc.message_dict.items()}
            if "__all__" in fields:
                fields["body"] = fields.pop("__all__")
        return error_response(api, request, status, " ".join(exc.messages), fields)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(api, request, 404, str(exc) or "Not found.")

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return error_response(api, request, 403, str(exc) or "Forbidden.")

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc: AuthenticationError):
        message = exc.message if exc.message != "Unauthorized" else "Log in first."
        response = error_response(api, request, 401, message)
        response["WWW-Authenticate"] = 'Bearer realm="parley"'
        return response

    @api.exception_handler(Throttled)
    def throttled(request, exc: Throttled):
        return error_response(
            api, request, 429, "Too many requests with this token; wait a moment."
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        fields = getattr(exc, "fields", None)
        if exc.status_code == 400 and str(exc.message).startswith("Cannot parse request body"):
            try:
                before_bad_request(request)
            except Http404 as error:
                return not_found(request, error)
            except PermissionDenied as error:
                return forbidden(request, error)
            return error_response(api, request, 400, "The request body is not valid JSON.")
        return error_response(api, request, exc.status_code, str(exc.message), fields)
