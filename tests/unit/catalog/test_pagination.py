import base64

import pytest

from serving.api.errors import ApiError
from serving.api.pagination import MAX_CURSOR_LENGTH, decode_cursor, encode_cursor


def test_round_trip_is_url_safe_and_unpadded() -> None:
    key = {"sort": "newest", "filters": "ab12", "after": ["2026-01-01T00:00:00+00:00", "prod_1"]}
    cursor = encode_cursor(key)
    assert cursor is not None
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(cursor) == key


def test_no_cursor() -> None:
    assert encode_cursor(None) is None
    assert decode_cursor(None) is None
    assert decode_cursor("") is None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "a",
        _b64(b"not json"),
        _b64(b"[1, 2]"),
        _b64(b'{"v": 99, "sort": "newest"}'),
        _b64(b'{"sort": "newest"}'),
        "é",
        "A" * (MAX_CURSOR_LENGTH + 1),
    ],
)
def test_bad_cursors_are_400_invalid_cursor(cursor: str) -> None:
    with pytest.raises(ApiError) as info:
        decode_cursor(cursor)
    assert (info.value.status, info.value.code) == (400, "invalid_cursor")
