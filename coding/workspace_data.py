"""What the coding page and the API send about a source's codings, as plain data.

Offsets are code points, half-open [start, end). Under blinded coding a coder sees only
their own codings (`Coding.objects.visible_to`).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from coding import services
from coding.models import Change, Code, CodePin, Coding, Memo
from interviews.access import Access, Perm
from interviews.models import Source


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
        "origin": coding.origin,
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
    return coding_rows(visible.order_by("start", "end", "pk"), access, with_times=with_times)


def coding_rows(
    codings, access: Access, *, with_times: bool = True, with_source: bool = False
) -> list[dict]:
    """The codings of an ordered queryset as plain rows, in the shape of `coding_json`."""
    memos = first_memos(codings)
    reviews = access.can(Perm.REVIEW)
    codes_ok = access.can(Perm.CODE)
    me = access.user.pk
    rows = []
    fields = ["pk", "guid", "code_id", "coder_id", "coder__username", "start", "end", "source_id"]
    fields.append("origin")
    for (
        pk,
        guid,
        code_id,
        coder_id,
        coder,
        start,
        end,
        source_id,
        origin,
        *modified,
    ) in codings.values_list(*fields, *(["modified_at"] if with_times else [])):
        row = {
            "id": pk,
            "guid": str(guid),
            "code": code_id,
            "coder": coder,
            "start": start,
            "end": end,
            "origin": origin,
            "memo": memos.get(pk, ""),
            "mine": coder_id == me,
            "editable": reviews or (codes_ok and coder_id == me),
        }
        if with_source:
            row["source"] = source_id
        if with_times:
            row["modified_at"] = modified[0].isoformat()
        rows.append(row)
    return rows


def first_memos(codings) -> dict[int, str]:
    """The memo of each coding (ids or a queryset): its oldest, as in coding_json."""
    memos: dict[int, str] = {}
    for coding_id, text in (
        Memo.objects.filter(coding__in=codings.values("pk"))
        .order_by("-pk")
        .values_list("coding_id", "text")
    ):
        memos[coding_id] = text
    return memos


def change_cursor(source: Source) -> int:
    return Change.objects.filter(source=source).aggregate(last=Max("pk"))["last"] or 0


def changes_since(source: Source, access: Access, since: int) -> dict:
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


@transaction.atomic
def pin_set(access: Access, code: Code, slot: int | None) -> None:
    """Put `code` on number key `slot` (or the first free one) for the user."""
    if not CodePin.objects.filter(user=access.user, project=access.project).exists():
        # Pinning the first code keeps the default keys the user has been using.
        for row in pins_json(access):
            if row["code"] != code.pk:
                services.code_pin_set(
                    user=access.user, code=Code.objects.get(pk=row["code"]), slot=row["slot"]
                )
    services.code_pin_set(user=access.user, code=code, slot=slot)
