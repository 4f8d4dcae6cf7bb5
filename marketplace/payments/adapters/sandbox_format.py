"""The sandbox's wire format: event bodies and the ``Sandbox-Signature`` header.

Kept apart from the gateway so that the simulator (which writes bodies) and the gateway
(which reads them) share one definition, and a test can build odd bodies on purpose.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from marketplace.payments.adapters.common import header, json_object
from marketplace.payments.domain.gateway import (
    InvalidNotificationError,
    TransactionKind,
    TransactionPhase,
)
from marketplace.shared.errors import DomainError
from marketplace.shared.money import Money


class SandboxEvent(StrEnum):
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_CANCELLED = "payment.cancelled"  # closed unpaid
    REFUND_SUCCEEDED = "refund.succeeded"
    REFUND_FAILED = "refund.failed"


EVENT_MEANING: dict[SandboxEvent, tuple[TransactionKind, TransactionPhase]] = {
    SandboxEvent.PAYMENT_SUCCEEDED: (TransactionKind.CAPTURE, TransactionPhase.SUCCESS),
    SandboxEvent.PAYMENT_FAILED: (TransactionKind.CAPTURE, TransactionPhase.FAILURE),
    SandboxEvent.PAYMENT_CANCELLED: (TransactionKind.CANCEL, TransactionPhase.SUCCESS),
    SandboxEvent.REFUND_SUCCEEDED: (TransactionKind.REFUND, TransactionPhase.SUCCESS),
    SandboxEvent.REFUND_FAILED: (TransactionKind.REFUND, TransactionPhase.FAILURE),
}
_REFUND_EVENTS = {SandboxEvent.REFUND_SUCCEEDED, SandboxEvent.REFUND_FAILED}
_UNIX = re.compile(r"[0-9]{1,10}")  # up to the year 2286: datetime can hold it


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    type: SandboxEvent
    payment_id: str
    reference: str  # the payment's sandbox reference, or the refund's for refund events
    amount: Money
    occurred_at: datetime
    refund_id: str | None
    raw: Mapping[str, Any]


def event_body(
    event: SandboxEvent,
    *,
    payment_id: str,
    reference: str,
    amount: Money,
    occurred_at: datetime,
    refund_id: str | None = None,
) -> bytes:
    """The JSON body of one notification; the same event always gives the same bytes."""
    seed = f"{event}|{payment_id}|{refund_id or ''}".encode()
    fields: dict[str, Any] = {
        "id": "evt_" + hashlib.sha256(seed).hexdigest()[:24],
        "type": str(event),
        "payment_id": payment_id,
        "reference": reference,
        "amount": format(amount.amount, "f"),
        "currency": amount.currency.code,
        "occurred_at": occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if refund_id is not None:
        fields["refund_id"] = refund_id
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_signature_header(headers: Mapping[str, str], name: str) -> tuple[int, list[str]]:
    """``t=<unix>,v1=<hex>[,v1=<hex>...]`` as (timestamp, signatures); anything else refused."""
    value = header(headers, name)
    if not value:
        raise InvalidNotificationError(f"The {name} header is missing.", reason="unsigned")
    timestamps: list[str] = []
    signatures: list[str] = []
    for part in value.split(","):
        key, sep, item = part.strip().partition("=")
        if not sep:
            raise InvalidNotificationError(f"The {name} header is malformed.")
        if key == "t":
            timestamps.append(item)
        elif key == "v1":
            signatures.append(item)
    if len(timestamps) != 1 or not _UNIX.fullmatch(timestamps[0]) or not signatures:
        raise InvalidNotificationError(f"The {name} header is malformed.")
    return int(timestamps[0]), signatures


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidNotificationError(f"The sandbox notification has no {key}.")
    return value


def parse_event(body: bytes) -> ParsedEvent:
    """A verified body as an event; unknown types or missing fields are refused."""
    data = json_object(body, "The sandbox notification", InvalidNotificationError)
    try:
        event = SandboxEvent(str(data.get("type")))
    except ValueError as exc:
        raise InvalidNotificationError(
            f"Unknown sandbox event {data.get('type')!r}.", reason="unknown_event"
        ) from exc
    try:
        amount = Money.of(_text(data, "amount"), _text(data, "currency"))
        occurred_at = datetime.strptime(_text(data, "occurred_at"), "%Y-%m-%dT%H:%M:%SZ")
    except (DomainError, ValueError) as exc:
        raise InvalidNotificationError(f"The sandbox notification is malformed: {exc}") from exc
    if amount.amount <= 0:
        raise InvalidNotificationError("The sandbox notification's amount is not positive.")
    refund_id = _text(data, "refund_id") if event in _REFUND_EVENTS else None
    if refund_id is None and "refund_id" in data:
        raise InvalidNotificationError("A payment event carries no refund_id.")
    return ParsedEvent(
        type=event,
        payment_id=_text(data, "payment_id"),
        reference=_text(data, "reference"),
        amount=amount,
        occurred_at=occurred_at.replace(tzinfo=UTC),
        refund_id=refund_id,
        raw=data,
    )
