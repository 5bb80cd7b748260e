"""Cursor pagination: `?limit=` rows after `?cursor=` (the `next` of the previous page).

A cursor is the last row's id, opaque to clients; pages stay stable while rows are added."""

from __future__ import annotations

import base64
import binascii
import functools
from typing import Annotated, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import BaseModel, create_model

MAX_ID = 999_999_999_999_999_999  # what the `id` path converter accepts
Id = Annotated[int, Field(ge=1, le=MAX_ID)]  # an id in a query or body
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """One page of a list: its rows and the cursor of the next page (null on the last)."""

    items: list[Item]
    next: str | None


@functools.cache
def page_of(item: type[BaseModel]) -> type[Page]:
    """The answer of a list of `item`s, named in the schema after it (CodingOut: CodingPage)."""
    name = item.__name__.removesuffix("Out") + "Page"
    return create_model(name, __base__=Page[item], __module__=item.__module__)


class PageParams(Schema):
    cursor: str | None = Field(None, description="The `next` value of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page.")


def cursor_encode(pk: int) -> str:
    return base64.urlsafe_b64encode(f"pk:{pk}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        kind, _, number = text.partition(":")
        if kind != "pk" or not number.isdigit() or len(number) > 18:
            raise ValueError(cursor)
        return int(number)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ValidationError(
            {"cursor": ["“cursor” must be the “next” value of an earlier page."]}
        ) from None


def page(queryset: QuerySet, params: PageParams, *, convert=None) -> dict:
    """One page of `queryset` in id order: `{"items": [...], "next": cursor or None}`.

    `convert(rows)` turns the model rows (or values) of the page into items."""
    if params.cursor:
        queryset = queryset.filter(pk__gt=cursor_decode(params.cursor))
    rows = list(queryset.order_by("pk")[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    items = convert(rows) if convert else rows
    last = rows[-1] if rows else None
    last_pk = last["pk"] if isinstance(last, dict) else getattr(last, "pk", None)
    return {"items": items, "next": cursor_encode(last_pk) if more and last_pk else None}
