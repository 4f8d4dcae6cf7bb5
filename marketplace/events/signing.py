"""Webhook signatures. Standard library only, so a receiver written in Python can copy
this module as it is.

Every webhook request carries::

    Agora-Timestamp: 1767225600                   (unix seconds of this attempt)
    Agora-Signature: v1=5f2b...e1                 (one or more, comma separated)

where each ``v1`` is the hex HMAC-SHA256, keyed with the subscription secret (the whole
``whsec_...`` string, as UTF-8), of ``f"{timestamp}.{raw_body}"``. Right after a secret
rotation the header holds two signatures, one per secret, until the old one expires.

How a receiver verifies (``verify_signature`` does exactly this):

1. Read the raw body bytes *before* parsing JSON (re-serialising changes the bytes).
2. Refuse a timestamp more than the replay window (300 s) away from its own clock:
   a captured request cannot be replayed later, and the timestamp cannot be changed
   without breaking the signature.
3. Compute the HMAC over ``timestamp + "." + body`` and compare it, in constant time,
   with each ``v1=`` value; one match is enough.
4. Deduplicate on ``Agora-Event-Id``: delivery is at least once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"{timestamp}.{body}"`` keyed with ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secrets: Iterable[str], timestamp: int, body: bytes) -> str:
    """The ``Agora-Signature`` value: one ``v1=`` entry per secret still valid."""
    return ", ".join(f"{SCHEME}={compute_signature(s, timestamp, body)}" for s in secrets)


def _signatures(header: str) -> list[str]:
    found = []
    for part in header.split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == SCHEME and value:
            found.append(value)
    return found


def verify_signature(
    secret: str,
    *,
    body: bytes,
    timestamp_header: str,
    signature_header: str,
    now: float,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether a received webhook is authentic and fresh (``now``: unix seconds)."""
    try:
        timestamp = int(timestamp_header.strip())
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = compute_signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in _signatures(signature_header))
