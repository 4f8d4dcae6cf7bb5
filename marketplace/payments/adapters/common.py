"""What the gateway adapters share: header lookup, amount checks, Beijing time, HTTP calls."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from marketplace.payments.domain.gateway import (
    GatewayError,
    InvalidNotificationError,
    PaymentRequest,
)
from marketplace.shared.errors import ValidationError
from marketplace.shared.money import Money

# Alipay and WeChat Pay speak China Standard Time; China has had no daylight saving time
# since 1991, so a fixed offset is exact and needs no tz database on the host.
BEIJING = timezone(timedelta(hours=8), "CST")

_YUAN = re.compile(r"\A(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?\Z")


class UnsupportedGatewayCurrencyError(ValidationError):
    """The gateway cannot collect this currency (Alipay and WeChat Pay domestic: CNY only)."""

    code = "gateway_currency_unsupported"


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value whatever the case of its name (HTTP names are case-insensitive)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def require_currency(amount: Money, currency: str, gateway: str) -> None:
    if amount.currency.code != currency:
        raise UnsupportedGatewayCurrencyError(
            f"{gateway} collects {currency} only, not {amount.currency.code}.",
            gateway=gateway,
            currency=amount.currency.code,
        )


def check_payable(request: PaymentRequest, now: datetime) -> None:
    """Refuse what no gateway would accept, before anything is signed or sent."""
    if request.amount.amount <= 0:
        raise ValidationError(
            "A payment must be for a positive amount.", code="payment_amount_not_positive"
        )
    if request.expires_at <= now:
        raise ValidationError("The payment has already expired.", code="payment_expired")


def check_refundable(amount: Money) -> None:
    if amount.amount <= 0:
        raise ValidationError(
            "A refund must be for a positive amount.", code="refund_amount_not_positive"
        )


def yuan(amount: Money) -> str:
    """CNY as the vendors write yuan: always two decimals ("88.80"), never an exponent."""
    # Money keeps CNY at exactly two decimal places, so this is exact.
    return format(amount.amount, "f")


def parse_yuan(text: object, field: str) -> Money:
    """A vendor's positive yuan string ("88.8", "88.80") as CNY, or a refused notification."""
    if not isinstance(text, str) or not _YUAN.match(text) or not text.strip("0."):
        raise InvalidNotificationError(f"{field} is not a positive amount in yuan: {text!r}.")
    return Money.of(text, "CNY")


def parse_fen(value: object, field: str) -> Money:
    """A vendor's positive integer count of fen as CNY, or a refused notification."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidNotificationError(f"{field} is not a positive count of fen: {value!r}.")
    return Money.from_minor(value, "CNY")


def json_object(raw: bytes | str, what: str, error: type[Exception]) -> dict[str, Any]:
    """Parse a JSON object; anything else raises ``error`` (a refusal, or a gateway fault)."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise error(f"{what} is not JSON.") from exc
    if not isinstance(data, dict):
        raise error(f"{what} is not a JSON object.")
    return data


def send(client: httpx.Client, request: httpx.Request, *, gateway: str) -> httpx.Response:
    """Send one request; a network failure or timeout is a GatewayError (outcome unknown)."""
    try:
        return client.send(request)
    except httpx.HTTPError as exc:
        raise GatewayError(
            f"{gateway} could not be reached: {exc.__class__.__name__}.", gateway=gateway
        ) from exc
