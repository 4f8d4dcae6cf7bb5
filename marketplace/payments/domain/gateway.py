"""What passes between the payments core and a gateway. Standard library only.

A gateway adapter turns our request into the vendor's (a signed redirect URL, a QR code,
an API call) and the vendor's asynchronous notification, once its signature checks out,
into one ``GatewayNotification``. The core never sees vendor formats.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from marketplace.shared.errors import DomainError, ValidationError
from marketplace.shared.money import Money


class TransactionKind(StrEnum):
    AUTHORIZE = "authorize"
    CAPTURE = "capture"  # a sale: authorize and capture at once (Alipay, WeChat Pay)
    REFUND = "refund"
    CANCEL = "cancel"  # the gateway closed the payment unpaid


class TransactionPhase(StrEnum):
    REQUEST = "request"  # asked for, outcome not known yet
    SUCCESS = "success"
    FAILURE = "failure"


class ActionKind(StrEnum):
    REDIRECT = "redirect"  # send the buyer to ``url`` (Alipay page pay, sandbox pay page)
    QR_CODE = "qr_code"  # show ``url`` as a QR code (WeChat Pay native)
    COMPLETED = "completed"  # done already (wallet, credit terms): see ``notification``


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """Ask a gateway to collect ``amount`` for our payment ``payment_id``."""

    payment_id: str  # our reference: Alipay out_trade_no, WeChat Pay out_trade_no
    amount: Money
    subject: str  # what the buyer sees ("Agora order 3 items")
    buyer_id: str
    expires_at: datetime
    notify_url: str  # where the gateway posts its asynchronous notification
    return_url: str | None = None  # where the buyer's browser comes back to
    # Whose wallet or credit line pays: a B2B purchase order's company, else the buyer.
    account_id: str | None = None

    @property
    def payer(self) -> str:
        return self.account_id or self.buyer_id


@dataclass(frozen=True, slots=True)
class GatewayNotification:
    """A verified statement from a gateway that something happened to a payment."""

    gateway: str
    payment_id: str  # our reference
    gateway_reference: str  # the gateway's transaction id (Alipay trade_no, ...)
    kind: TransactionKind
    phase: TransactionPhase
    amount: Money
    occurred_at: datetime | None = None
    refund_id: str | None = None  # our refund id, for refund notifications
    raw: Mapping[str, Any] = field(default_factory=dict)  # the vendor's fields, for audit

    @property
    def dedup_key(self) -> tuple[str, str, str]:
        """A notification is applied once per (gateway, reference, type)."""
        reference = self.refund_id or self.gateway_reference
        return (self.gateway, reference, f"{self.kind}:{self.phase}")


@dataclass(frozen=True, slots=True)
class PaymentAction:
    """What the buyer (or the caller) does next."""

    kind: ActionKind
    url: str | None = None
    notification: GatewayNotification | None = None  # for COMPLETED
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RefundRequest:
    refund_id: str  # our reference: Alipay out_request_no, WeChat Pay out_refund_no
    payment_id: str
    gateway_reference: str
    amount: Money  # this refund
    payment_total: Money  # what the payment captured (WeChat Pay asks for both)
    reason: str
    notify_url: str | None = None


@dataclass(frozen=True, slots=True)
class RefundResult:
    """SUCCESS or FAILURE when the gateway answered at once; REQUEST when its
    notification will tell (WeChat Pay refunds are asynchronous)."""

    phase: TransactionPhase
    gateway_reference: str | None = None  # the gateway's refund id
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """What our notification endpoint answers, in the vendor's format."""

    status_code: int
    media_type: str
    body: bytes


class InvalidNotificationError(DomainError):
    """Not a genuine notification: bad or missing signature, tampered or malformed body.
    Nothing is applied; the endpoint answers 400 and the attempt is logged."""

    code = "invalid_notification"


class GatewayError(DomainError):
    """The gateway could not be reached or refused the request."""

    code = "gateway_error"


class GatewayConfigurationError(ValidationError):
    code = "gateway_not_configured"
