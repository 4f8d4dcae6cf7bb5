"""How an event is written outside the process: as the flat string fields of a stream
entry, and as the JSON body of a webhook. Standard library only.

The stream fields are flat strings (Redis stores strings) so that any consumer, in any
language, can read them without our code: ``id``, ``topic``, ``key``, ``merchant_id``
(empty for none), ``payload`` (JSON) and ``occurred_at`` (ISO 8601, UTC).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from marketplace.events.domain import DomainEvent, Topic

FIELDS = ("id", "topic", "key", "merchant_id", "payload", "occurred_at")


class UndecodableEventError(ValueError):
    """A stream entry that is not an event we understand (unknown topic, bad JSON...)."""


def _json(value: Any) -> str:
    # Compact and key-sorted: the same event always encodes to the same bytes.
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def encode_fields(event: DomainEvent) -> dict[str, str]:
    """The stream entry of an event."""
    return {
        "id": event.id,
        "topic": event.topic.value,
        "key": event.key,
        "merchant_id": event.merchant_id or "",
        "payload": _json(event.payload),
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
    }


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def decode_fields(fields: Mapping[bytes, bytes] | Mapping[str, str]) -> DomainEvent:
    """The event of a stream entry; ``UndecodableEventError`` when it is not one."""
    data = {_text(k): _text(v) for k, v in fields.items()}
    missing = [name for name in FIELDS if name not in data]
    if missing:
        raise UndecodableEventError(f"stream entry lacks {', '.join(missing)}")
    try:
        topic = Topic(data["topic"])
        payload = json.loads(data["payload"])
        occurred_at = datetime.fromisoformat(data["occurred_at"])
    except ValueError as exc:
        raise UndecodableEventError(str(exc)) from exc
    if not isinstance(payload, dict) or occurred_at.tzinfo is None:
        raise UndecodableEventError("payload must be an object and occurred_at aware")
    return DomainEvent(
        topic=topic,
        key=data["key"],
        payload=payload,
        occurred_at=occurred_at.astimezone(UTC),
        merchant_id=data["merchant_id"] or None,
        id=data["id"],
    )


def webhook_body(event: DomainEvent) -> str:
    """The JSON a merchant's endpoint receives; stored once, so every retry sends the
    same bytes (only the timestamp and signature headers change)."""
    return _json(
        {
            "id": event.id,
            "topic": event.topic.value,
            "key": event.key,
            "merchant_id": event.merchant_id,
            "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
            "data": event.payload,
        }
    )
