"""What the settlement routers share: paging parameters, cursors and error listings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query

from serving.api.pagination import decode_cursor, encode_cursor, invalid_cursor

Responses = dict[int | str, dict[str, Any]]

Cursor = Annotated[str | None, Query(max_length=2048, description="next_cursor of the last page")]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size")]

ADMIN: Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "platform_admin_required"},
}
SCOPED: Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "merchant_access_denied"},
    404: {"description": "merchant_not_found"},
}


def next_cursor(listing: str, **key: Any) -> str | None:
    """The opaque cursor of the page after the row with ``key`` (None: no next page)."""
    return encode_cursor({"list": listing, **key}) if key else None


def cursor_key(listing: str, cursor: str | None, **types: type) -> dict[str, Any] | None:
    """The page key inside a cursor made by ``next_cursor`` for the same list."""
    payload = decode_cursor(cursor)
    if payload is None:
        return None
    if payload.pop("list", None) != listing or set(payload) != set(types):
        raise invalid_cursor()
    if not all(type(payload[name]) is kind for name, kind in types.items()):
        raise invalid_cursor()
    return payload


def statement_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    """(period_start, id) of the last statement seen."""
    key = cursor_key("statements", cursor, start=str, id=str)
    if key is None:
        return None
    try:
        return datetime.fromisoformat(key["start"]), key["id"]
    except ValueError:
        raise invalid_cursor() from None
