"""Opaque pagination cursors shared by the routers.

A cursor is base64url (no padding) of a small JSON object tagged with a format version.
Clients must treat it as opaque; the server checks what is inside (the query modules
validate the keys they put there). A cursor that does not decode is 400 ``invalid_cursor``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

import orjson

from serving.api.errors import ApiError

VERSION = 1
MAX_CURSOR_LENGTH = 2048


def invalid_cursor(
    detail: str = "The cursor is malformed or belongs to another query.",
) -> ApiError:
    return ApiError(400, "invalid_cursor", detail)


def encode_cursor(payload: Mapping[str, Any] | None) -> str | None:
    """The opaque form of a page key (None stays None: there is no next page)."""
    if payload is None:
        return None
    raw = orjson.dumps({"v": VERSION, **payload})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """The page key inside a cursor; None for no cursor; 400 ``invalid_cursor`` if bad."""
    if cursor is None or cursor == "":
        return None
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid_cursor("The cursor is too long.")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
        payload = orjson.loads(raw)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise invalid_cursor() from None
    if not isinstance(payload, dict) or payload.pop("v", None) != VERSION:
        raise invalid_cursor()
    return payload
