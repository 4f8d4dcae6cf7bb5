"""Alipay open platform wire formats: the string to sign, times, responses, notifications.

Pure functions, no keys and no I/O, so each rule can be tested against Alipay's documented
examples on its own. The rules (open platform "签名" and "异步通知验签"):

- Requests: every parameter except ``sign`` (``sign_type`` included) and empty values,
  sorted by name in ASCII order, written ``name=value`` with raw (not URL-encoded) values
  and joined with ``&``; signed with the app's private key.
- Asynchronous notifications: the same, but ``sign`` *and* ``sign_type`` are left out;
  verified with the Alipay platform public key.
- Responses: the signature covers the raw JSON text of the ``<method>_response`` member
  exactly as sent (not a re-serialisation), and travels beside it as ``sign``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from marketplace.payments.adapters.common import BEIJING, parse_yuan
from marketplace.payments.domain.gateway import (
    InvalidNotificationError,
    TransactionKind,
    TransactionPhase,
)
from marketplace.shared.money import Money

PRODUCTION_GATEWAY = "https://openapi.alipay.com/gateway.do"
SANDBOX_GATEWAY = "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
_TIME = re.compile(r"\A\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,3})?\Z")


def sign_content(params: Mapping[str, str], *, exclude: Collection[str] = ("sign",)) -> str:
    """The string Alipay signs: sorted ``k=v`` pairs joined by ``&`` (see module doc)."""
    pairs = sorted((k, v) for k, v in params.items() if k not in exclude and v != "")
    return "&".join(f"{k}={v}" for k, v in pairs)


def notification_sign_content(params: Mapping[str, str]) -> str:
    return sign_content(params, exclude=("sign", "sign_type"))


def beijing_time(moment: datetime) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in Beijing time, as Alipay's timestamps are written."""
    return moment.astimezone(BEIJING).strftime(TIME_FORMAT)


def parse_beijing_time(text: str, field: str) -> datetime:
    """An Alipay time (Beijing, optionally with milliseconds) as an aware UTC datetime."""
    if not _TIME.match(text):
        raise InvalidNotificationError(f"{field} is not an Alipay time: {text!r}.")
    try:
        parsed = datetime.strptime(text[:19], TIME_FORMAT)
    except ValueError as exc:
        raise InvalidNotificationError(f"{field} is not an Alipay time: {text!r}.") from exc
    millis = int(text[20:].ljust(3, "0")) if len(text) > 19 else 0
    return parsed.replace(tzinfo=BEIJING, microsecond=millis * 1000).astimezone(UTC)


def parse_form(body: bytes) -> dict[str, str]:
    """A form-encoded notification body; repeated or malformed fields are refused."""
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=True, errors="strict"
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidNotificationError("The Alipay notification is not form-encoded.") from exc
    params = dict(pairs)
    if len(params) != len(pairs):
        raise InvalidNotificationError("The Alipay notification repeats a field.")
    return params


# -- responses --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SignedNode:
    """One member of a response: its raw JSON text (what was signed) and its value."""

    name: str
    raw: str
    value: Any
    sign: str | None


def _skip(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def top_level_members(text: str) -> dict[str, tuple[str, Any]]:
    """The members of a JSON object with each value's exact source text. ValueError if the
    text is not one JSON object. Only the outer level is split; values parse normally."""
    pos = _skip(text, 0)
    if text[pos : pos + 1] != "{":
        raise ValueError("not a JSON object")
    pos = _skip(text, pos + 1)
    members: dict[str, tuple[str, Any]] = {}
    while text[pos : pos + 1] != "}":
        if members:
            if text[pos : pos + 1] != ",":
                raise ValueError("expected ','")
            pos = _skip(text, pos + 1)
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if not isinstance(key, str) or key in members or text[pos : pos + 1] != ":":
            raise ValueError("bad member")
        start = _skip(text, pos + 1)
        value, end = _DECODER.raw_decode(text, start)
        members[key] = (text[start:end], value)
        pos = _skip(text, end)
    if _skip(text, pos + 1) != len(text):
        raise ValueError("text after the object")
    return members


def response_node(text: str, method: str) -> SignedNode:
    """The ``<method>_response`` member (or ``error_response``) and the ``sign`` beside it."""
    members = top_level_members(text)
    name = method.replace(".", "_") + "_response"
    if name not in members:
        name = "error_response"
    if name not in members:
        raise ValueError(f"no {method} response in the answer")
    raw, value = members[name]
    sign = members.get("sign", ("", None))[1]
    if not isinstance(value, dict):
        raise ValueError(f"{name} is not an object")
    return SignedNode(name, raw, value, sign if isinstance(sign, str) and sign else None)


# -- notifications ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TradeEvent:
    kind: TransactionKind
    phase: TransactionPhase
    amount: Money
    occurred_at: datetime | None
    refund_id: str | None = None


def _time(params: Mapping[str, str], field: str) -> datetime | None:
    value = params.get(field)
    return parse_beijing_time(value, field) if value else None


def trade_event(params: Mapping[str, str]) -> TradeEvent:
    """What a verified notification says happened (see docs/payments/gateways.md)."""
    status = params.get("trade_status")
    if params.get("gmt_refund"):
        # A refund notification. refund_fee is Alipay's *total* refunded on the trade.
        if status not in {"TRADE_SUCCESS", "TRADE_CLOSED", "TRADE_FINISHED"}:
            raise InvalidNotificationError(f"Unexpected trade_status {status!r} for a refund.")
        refund_id = params.get("out_biz_no")
        if not refund_id:
            raise InvalidNotificationError("The refund notification has no out_biz_no.")
        amount = parse_yuan(params.get("refund_fee"), "refund_fee")
        return TradeEvent(
            TransactionKind.REFUND,
            TransactionPhase.SUCCESS,
            amount,
            _time(params, "gmt_refund"),
            refund_id,
        )
    meaning = {
        "TRADE_SUCCESS": (TransactionKind.CAPTURE, TransactionPhase.SUCCESS, "gmt_payment"),
        "TRADE_FINISHED": (TransactionKind.CAPTURE, TransactionPhase.SUCCESS, "gmt_payment"),
        "TRADE_CLOSED": (TransactionKind.CANCEL, TransactionPhase.SUCCESS, "gmt_close"),
        "WAIT_BUYER_PAY": (TransactionKind.CAPTURE, TransactionPhase.REQUEST, "gmt_create"),
    }
    if status not in meaning:
        raise InvalidNotificationError(
            f"Unknown Alipay trade_status {status!r}.", reason="unknown_event"
        )
    kind, phase, time_field = meaning[status]
    amount = parse_yuan(params.get("total_amount"), "total_amount")
    return TradeEvent(kind, phase, amount, _time(params, time_field))
