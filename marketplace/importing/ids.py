"""Deterministic ids for imported rows, in the format of ``marketplace.shared.ids.new_id``.

``prefix_`` + 26 Crockford characters: the first 10 are the millisecond timestamp of the
fact (so ids still sort by time, as the services' ids do), the last 16 a hash of where the
fact came from (source, key). Importing the same source twice therefore makes the same
ids, which is what makes a re-run write nothing new.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_CROCKFORD[rem])
    return "".join(reversed(chars))


def stable_id(prefix: str, source: str, key: str, at: datetime) -> str:
    """The id of the fact ``key`` of ``source`` that happened ``at`` (timezone-aware)."""
    if at.tzinfo is None:
        raise ValueError("stable_id needs a timezone-aware datetime")
    ms = int(at.astimezone(UTC).timestamp() * 1000)
    if not 0 <= ms < 32**10:
        raise ValueError(f"{at} is outside the range of a ULID timestamp")
    digest = hashlib.blake2b(f"{source}\x1f{key}".encode(), digest_size=16).digest()
    # 80 bits, like a ULID's random part; the top bit is cleared as new_ulid does, so
    # both kinds of id have the same alphabet and length.
    tail = int.from_bytes(digest[:10], "big") >> 1
    return f"{prefix}_{_encode(ms, 10)}{_encode(tail, 16)}"


def child_id(prefix: str, parent_id: str, part: str, at: datetime) -> str:
    """An id derived from a parent's (an order of a checkout group, a line of an order)."""
    return stable_id(prefix, parent_id, part, at)


def order_id_of(group_id: str, merchant_id: str, placed_at: datetime) -> str:
    """The id of the order of ``merchant_id`` in checkout group ``group_id``."""
    return child_id("ord", group_id, merchant_id, placed_at)


def payment_id_of(group_id: str, paid_at: datetime) -> str:
    """The id of the payment that paid checkout group ``group_id``."""
    return child_id("pay", group_id, "payment", paid_at)
