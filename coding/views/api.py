"""JSON API for the codings of a source (documented in docs/api.md).

Offsets are code points, half-open [start, end). Session clients send the CSRF token in
the `X-CSRFToken` header on every write. Permission checks are those of the pages:
outsiders get 404, members whose role lacks the right get 403, and under blinded coding a
coder sees only their own codings.
"""

from __future__ import annotations

import functools
import json

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods

from coding import services
from coding.models import MAX_OFFSET, Change, Code, CodePin, Coding, Memo, with_slice
from interviews.access import Access, Perm, project_access
from interviews.models import Source


class BadRequest(Exception):
    pass


def api_view(view):
    """JSON errors instead of pages: 401, 403, 404, and 400 with a message for bad input."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse({"error": "Log in first."}, status=401)
        try:
            return view(request, *args, **kwargs)
        except Http404 as error:
            return JsonResponse({"error": str(error) or "Not found."}, status=404)
        except PermissionDenied as error:
            return JsonResponse({"error": str(error) or "Forbidden."}, status=403)
        except ValidationError as error:
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        except BadRequest as error:
            return JsonResponse({"error": str(error)}, status=400)

    return login_not_required(wrapped)


def _body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadRequest("Send a JSON object.")
    return data


def _integer(data: dict, name: str, *, required: bool) -> int | None:
    value = data.get(name)
    if value is None:
        if required:
            raise BadRequest(f"“{name}” is required.")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"“{name}” must be a whole number.")
    if value > MAX_OFFSET:
        raise BadRequest(f"“{name}” is too large.")
    return value


def _code(access: Access, data: dict, *, required: bool) -> Code | None:
    code_id = _integer(data, "code", required=required)
    if code_id is None:
        return None
    code = (
        Code.objects.filter(pk=code_id, project=access.project)
        .select_related("parent__parent")
        .first()
    )
    if code is None:
        raise BadRequest("There is no such code in this project.")
    return code


def _source(access: Access, source_pk: int, span: tuple[int, int] | None = None) -> Source:
    # The text stays in the database: a write checks its quote there, so its cost does not
    # grow with the length of the transcript. With `span`, the same query brings the slice.
    sources = Source.objects.visible_to(access).defer("text").filter(pk=source_pk)
    if span is not None and 0 <= span[0] < span[1]:
        sources = with_slice(sources, *span)
    source = sources.first()
    if source is None:
        raise Http404("No such source.")
    if span is not None and 0 <= span[0] < span[1]:
        source._slice_span = span
    source.project = access.project
    return source


def coding_json(
    coding: Coding, access: Access, *, quote: str | None = None, memo: str | None = None
) -> dict:
    if memo is None:
        found = min(coding.memos.all(), key=lambda m: m.pk, default=None)
        memo = found.text if found else ""
    data = {
        "id": coding.pk,
        "guid": str(coding.guid),
        "code": coding.code_id,
        "coder": coding.coder.username,
        "start": coding.start,
        "end": coding.end,
        "memo": memo,
        "mine": coding.coder_id == access.user.pk,
        "editable": coding.editable_by(access),
        "modified_at": coding.modified_at.isoformat(),
    }
    if quote is not None:
        data["quote"] = quote
    return data


def codings_for_page(source: Source, access: Access, *, with_times: bool = True) -> list[dict]:
    """Every coding of the source the user may see, for the page and the API list.

    Read as plain rows (two queries), because a long transcript has thousands of codings.
    """
    visible = Coding.objects.filter(source=source).visible_to(access)
    memos: dict[int, str] = {}
    for coding_id, text in (
        Memo.objects.filter(coding__in=visible).order_by("-pk").values_list("coding_id", "text")
    ):
        memos[coding_id] = text  # the oldest memo of a coding wins, as in coding_json
    reviews = access.can(Perm.REVIEW)
    codes_ok = access.can(Perm.CODE)
    me = access.user.pk
    rows = []
    fields = ["pk", "guid", "code_id", "coder_id", "coder__username", "start", "end"]
    for pk, guid, code_id, coder_id, coder, start, end, *modified in visible.order_by(
        "start", "end", "pk"
    ).values_list(*fields, *(["modified_at"] if with_times else [])):
        row = {
            "id": pk,
            "guid": str(guid),
            "code": code_id,
            "coder": coder,
            "start": start,
            "end": end,
            "memo": memos.get(pk, ""),
            "mine": coder_id == me,
            "editable": reviews or (codes_ok and coder_id == me),
        }
        if with_times:
            row["modified_at"] = modified[0].isoformat()
        rows.append(row)
    return rows


def change_cursor(source: Source) -> int:
    return Change.objects.filter(source=source).aggregate(last=Max("pk"))["last"] or 0


def _changes_since(source: Source, access: Access, since: int) -> dict:
    changes = Change.objects.filter(source=source, object_type="coding", pk__gt=since)
    changes = changes.visible_to(access)
    rows = list(changes.values_list("pk", "object_guid"))
    guids = {guid for _pk, guid in rows}
    current = list(
        Coding.objects.filter(source=source, guid__in=guids)
        .visible_to(access)
        .select_related("coder")
        .prefetch_related("memos")
    )
    found = {c.guid for c in current}
    return {
        "codings": [coding_json(c, access) for c in current],
        "deleted": sorted(str(g) for g in guids - found),
        "cursor": max([since, *(pk for pk, _g in rows)]),
    }


@api_view
@require_http_methods(["GET", "POST"])
def codings(request: HttpRequest, pk: int, source_pk: int) -> JsonResponse:
    if request.method == "POST":
        return _coding_create(request, pk, source_pk)
    access = project_access(request, pk, Perm.VIEW)
    source = _source(access, source_pk)
    since = request.GET.get("since")
    if since is not None:
        if not since.isdigit() or len(since) > 18:
            raise BadRequest("“since” must be a cursor from an earlier answer.")
        return JsonResponse(_changes_since(source, access, int(since)))
    cursor = change_cursor(source)
    rows = codings_for_page(source, access)
    if request.GET.get("quotes") != "0":
        text = Source.objects.values_list("text", flat=True).get(pk=source.pk)
        for row in rows:
            row["quote"] = text[row["start"] : row["end"]]
    return JsonResponse({"codings": rows, "cursor": cursor})


def _coding_create(request: HttpRequest, pk: int, source_pk: int) -> JsonResponse:
    try:
        data = _body(request)
        start = _integer(data, "start", required=True)
        end = _integer(data, "end", required=True)
        code_id = _integer(data, "code", required=True)
        quote = data.get("quote")
        if quote is not None and not isinstance(quote, str):
            raise BadRequest("“quote” must be text.")
        memo = data.get("memo") or ""
        if not isinstance(memo, str):
            raise BadRequest("“memo” must be text.")
    except BadRequest:
        # Outsiders get 404 and viewers 403 before a bad request is a 400.
        _source(project_access(request, pk, Perm.CODE), source_pk)
        raise
    access, source, code = services.coding_target(
        request.user, pk, source_pk, code_id, (start, end)
    )
    if source is None:
        raise Http404("No such source.")
    if code is None:
        raise BadRequest("There is no such code in this project.")
    coding = services.coding_create(
        source=source, code=code, coder=request.user, start=start, end=end, quote=quote, memo=memo
    )
    return JsonResponse(coding_json(coding, access, quote=quote, memo=memo.strip()), status=201)


@api_view
@require_http_methods(["GET", "PATCH", "DELETE"])
def coding_detail(request: HttpRequest, pk: int, source_pk: int, coding_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.VIEW if request.method == "GET" else Perm.CODE)
    source = _source(access, source_pk)
    coding = (
        Coding.objects.filter(pk=coding_pk, source=source)
        .visible_to(access)
        .select_related("coder", "code")
        .first()
    )
    if coding is None:
        raise Http404("No such coding.")
    coding.source = source
    if request.method == "GET":
        return JsonResponse(coding_json(coding, access, quote=coding.quote))
    if not coding.editable_by(access):
        raise PermissionDenied("You may change only your own codings.")
    if request.method == "DELETE":
        services.coding_delete(coding=coding, user=request.user)
        return HttpResponse(status=204)
    data = _body(request)
    memo = data.get("memo")
    if memo is not None and not isinstance(memo, str):
        raise BadRequest("“memo” must be text.")
    quote = data.get("quote")
    if quote is not None and not isinstance(quote, str):
        raise BadRequest("“quote” must be text.")
    coding = services.coding_update(
        coding=coding,
        user=request.user,
        code=_code(access, data, required=False),
        start=_integer(data, "start", required=False),
        end=_integer(data, "end", required=False),
        quote=quote,
        memo=memo,
    )
    return JsonResponse(coding_json(coding, access, quote=quote))


def pins_json(access: Access) -> list[dict]:
    """The user's number-key codes; without pins, the first nine codable codes in order."""
    pins = list(
        CodePin.objects.filter(user=access.user, project=access.project).values_list(
            "slot", "code_id"
        )
    )
    if pins:
        return [{"slot": slot, "code": code} for slot, code in pins]
    codable = [c for c in Code.objects.filter(project=access.project).tree_order() if c.is_codable]
    return [{"slot": i, "code": c.pk} for i, c in enumerate(codable[:9], start=1)]


@api_view
@require_http_methods(["GET", "POST"])
def pins(request: HttpRequest, pk: int) -> JsonResponse:
    access = project_access(request, pk, Perm.VIEW if request.method == "GET" else Perm.CODE)
    if request.method == "POST":
        data = _body(request)
        code = _code(access, data, required=True)
        with transaction.atomic():
            _pin(access, code, _integer(data, "slot", required=False))
    return JsonResponse({"pins": pins_json(access)})


def _pin(access: Access, code: Code, slot: int | None) -> None:
    if not CodePin.objects.filter(user=access.user, project=access.project).exists():
        # Pinning the first code keeps the default keys the user has been using.
        for row in pins_json(access):
            if row["code"] != code.pk:
                services.code_pin_set(
                    user=access.user, code=Code.objects.get(pk=row["code"]), slot=row["slot"]
                )
    services.code_pin_set(user=access.user, code=code, slot=slot)
