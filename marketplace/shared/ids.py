"""Prefixed, time-sortable identifiers (``prod_01JD3...``), made in Python so that an
aggregate has its id before it touches the database."""

from __future__ import annotations

import os
import threading
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last_ms = 0
_last_rand = 0


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_CROCKFORD[rem])
    return "".join(reversed(chars))


def new_ulid() -> str:
    """A 26-character ULID; monotonic within a process even inside one millisecond."""
    global _last_ms, _last_rand
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms <= _last_ms:
            now_ms = _last_ms
            _last_rand += 1
        else:
            _last_rand = int.from_bytes(os.urandom(10), "big") >> 1
        _last_ms = now_ms
        rand = _last_rand
    return _encode(now_ms, 10) + _encode(rand, 16)


def new_id(prefix: str) -> str:
    """A new id such as ``prod_01JD3X...``; the prefix tells the kind at a glance."""
    return f"{prefix}_{new_ulid()}"
