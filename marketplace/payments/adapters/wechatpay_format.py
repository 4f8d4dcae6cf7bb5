"""WeChat Pay API v3 wire formats: signed messages, the Authorization header, notification
resources. Pure functions, no keys held and no I/O.

- A request is signed (SHA256withRSA, merchant private key) over
  ``METHOD\\nURL\\nTIMESTAMP\\nNONCE\\nBODY\\n``, URL being the path with its query string.
- A response or notification is verified (platform public key chosen by
  ``Wechatpay-Serial``) over ``TIMESTAMP\\nNONCE\\nBODY\\n`` from the ``Wechatpay-*`` headers.
- A notification's ``resource`` is AEAD_AES_256_GCM-encrypted with the APIv3 key, the
  resource's ``nonce`` and ``associated_data``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from marketplace.payments.adapters.common import BEIJING, json_object, parse_fen
from marketplace.payments.domain.gateway import (
    InvalidNotificationError,
    TransactionKind,
    TransactionPhase,
)
from marketplace.shared.money import Money

AUTH_SCHEME = "WECHATPAY2-SHA256-RSA2048"
PRODUCTION_BASE_URL = "https://api.mch.weixin.qq.com"
SIGNED_HEADERS = ("Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature")
SERIAL_HEADER = "Wechatpay-Serial"

_TRADE_STATES = {
    "SUCCESS": (TransactionKind.CAPTURE, TransactionPhase.SUCCESS),
    "CLOSED": (TransactionKind.CANCEL, TransactionPhase.SUCCESS),
    "REVOKED": (TransactionKind.CANCEL, TransactionPhase.SUCCESS),
    "PAYERROR": (TransactionKind.CAPTURE, TransactionPhase.FAILURE),
    "NOTPAY": (TransactionKind.CAPTURE, TransactionPhase.REQUEST),
    "USERPAYING": (TransactionKind.CAPTURE, TransactionPhase.REQUEST),
}
_REFUND_STATES = {
    "SUCCESS": TransactionPhase.SUCCESS,
    "PROCESSING": TransactionPhase.REQUEST,
    "ABNORMAL": TransactionPhase.FAILURE,
    "CLOSED": TransactionPhase.FAILURE,
}


def request_message(method: str, url: str, timestamp: int, nonce: str, body: str) -> bytes:
    """What the merchant signs for one API request."""
    return f"{method}\n{url}\n{timestamp}\n{nonce}\n{body}\n".encode()


def response_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    """What WeChat Pay signs for a response or a notification (body bytes as received)."""
    return timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"


def authorization(*, mch_id: str, serial_no: str, nonce: str, timestamp: int, sig: str) -> str:
    return (
        f'{AUTH_SCHEME} mchid="{mch_id}",nonce_str="{nonce}",signature="{sig}",'
        f'timestamp="{timestamp}",serial_no="{serial_no}"'
    )


def rfc3339(moment: datetime) -> str:
    """``2026-01-01T08:00:00+08:00``: WeChat Pay's time format, in Beijing time."""
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")


def parse_rfc3339(value: object, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidNotificationError(f"{field} is not an RFC 3339 time: {value!r}.")
    return parsed.astimezone(UTC)


def decrypt_resource(resource: Mapping[str, Any], api_v3_key: bytes) -> dict[str, Any]:
    """Open an AEAD_AES_256_GCM resource; a wrong key, nonce or associated data is refused."""
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise InvalidNotificationError("Unknown resource algorithm.", reason="unknown_event")
    nonce, data = resource.get("nonce"), resource.get("ciphertext")
    associated = resource.get("associated_data") or ""
    if not isinstance(nonce, str) or not isinstance(data, str) or not isinstance(associated, str):
        raise InvalidNotificationError("The notification resource is malformed.")
    try:
        ciphertext = base64.b64decode(data, validate=True)
        plain = AESGCM(api_v3_key).decrypt(nonce.encode(), ciphertext, associated.encode())
    except (binascii.Error, ValueError, InvalidTag) as exc:
        raise InvalidNotificationError("The notification resource does not decrypt.") from exc
    return json_object(plain, "The decrypted resource", InvalidNotificationError)


@dataclass(frozen=True, slots=True)
class WechatEvent:
    kind: TransactionKind
    phase: TransactionPhase
    payment_id: str
    reference: str
    amount: Money
    occurred_at: datetime | None
    refund_id: str | None = None


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidNotificationError(f"The notification resource has no {key}.")
    return value


def _amount(data: Mapping[str, Any], field: str) -> Money:
    amount = data.get("amount")
    if not isinstance(amount, dict):
        raise InvalidNotificationError("The notification resource has no amount.")
    if amount.get("currency", "CNY") != "CNY":
        raise InvalidNotificationError("Only CNY notifications are understood.")
    return parse_fen(amount.get(field), f"amount.{field}")


def transaction_event(data: Mapping[str, Any]) -> WechatEvent:
    """A decrypted ``transaction`` resource (trade_state) as an event."""
    state = data.get("trade_state")
    if state not in _TRADE_STATES:
        raise InvalidNotificationError(f"Unknown trade_state {state!r}.", reason="unknown_event")
    kind, phase = _TRADE_STATES[state]
    payment_id = _text(data, "out_trade_no")
    # An order closed unpaid may have no transaction_id; out_trade_no still names it.
    reference = data.get("transaction_id") or payment_id
    return WechatEvent(
        kind,
        phase,
        payment_id,
        str(reference),
        _amount(data, "total"),
        parse_rfc3339(data.get("success_time"), "success_time"),
    )


def refund_event(event_type: str, data: Mapping[str, Any]) -> WechatEvent:
    """A decrypted ``refund`` resource as an event; its status must agree with event_type."""
    status = data.get("refund_status")
    if status not in _REFUND_STATES or event_type != f"REFUND.{status}":
        raise InvalidNotificationError(
            f"Unknown refund event {event_type!r} / {status!r}.", reason="unknown_event"
        )
    return WechatEvent(
        TransactionKind.REFUND,
        _REFUND_STATES[status],
        _text(data, "out_trade_no"),
        _text(data, "refund_id"),
        _amount(data, "refund"),
        parse_rfc3339(data.get("success_time"), "success_time"),
        refund_id=_text(data, "out_refund_no"),
    )
