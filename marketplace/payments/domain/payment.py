"""A payment and its transaction log. Standard library only.

A payment's amounts are never stored as mutable truth on their own: they are derived from
its transactions (``derive_state``), the way Saleor derives them from TransactionEvents.
Applying the same set of successful transactions in any order gives the same state, so
out-of-order notifications end where in-order ones would. The ``payments`` row keeps a
copy of the derived figures for queries, rewritten from the log on every change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from marketplace.payments.domain.gateway import TransactionKind, TransactionPhase
from marketplace.shared.errors import ConflictError, NotFoundError, ValidationError
from marketplace.shared.money import Money, sum_money


class PaymentStatus(StrEnum):
    PENDING = "pending"  # waiting for the buyer / the gateway
    CAPTURED = "captured"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    FAILED = "failed"  # the gateway reported a failure; the buyer may pay again
    CANCELLED = "cancelled"  # closed unpaid (by us or the gateway)


class PaymentMethod(StrEnum):
    SANDBOX = "sandbox"
    ALIPAY = "alipay"
    WECHATPAY = "wechatpay"
    WALLET = "wallet"
    CREDIT_TERMS = "credit_terms"


@dataclass(frozen=True, slots=True)
class Transaction:
    """One line of the log: a request, success or failure of authorize/capture/refund/cancel."""

    payment_id: str
    kind: TransactionKind
    phase: TransactionPhase
    amount: Money
    source: str  # "notification" | "api" | "system"
    created_at: datetime
    gateway_reference: str | None = None
    refund_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class PaymentState:
    status: PaymentStatus
    captured: Money
    refunded: Money

    @property
    def refundable(self) -> Money:
        return self.captured - self.refunded


def derive_state(amount: Money, transactions: Iterable[Transaction]) -> PaymentState:
    """The payment's status and amounts from its log, independent of the log's order."""
    log = list(transactions)
    currency = amount.currency

    def total(kind: TransactionKind) -> Money:
        return sum_money(
            (t.amount for t in log if t.kind is kind and t.phase is TransactionPhase.SUCCESS),
            currency,
        )

    captured, refunded = total(TransactionKind.CAPTURE), total(TransactionKind.REFUND)
    if captured.is_zero:
        failed = any(t.phase is TransactionPhase.FAILURE and t.kind is TransactionKind.CAPTURE
                     for t in log)  # fmt: skip
        cancelled = any(t.kind is TransactionKind.CANCEL and t.phase is TransactionPhase.SUCCESS
                        for t in log)  # fmt: skip
        status = (PaymentStatus.CANCELLED if cancelled
                  else PaymentStatus.FAILED if failed else PaymentStatus.PENDING)  # fmt: skip
    elif refunded.is_zero:
        status = PaymentStatus.CAPTURED
    elif refunded >= captured:
        status = PaymentStatus.REFUNDED
    else:
        status = PaymentStatus.PARTIALLY_REFUNDED
    return PaymentState(status, captured, refunded)


@dataclass(slots=True)
class Payment:
    """One payment covering one or more unpaid orders of one buyer (合单支付)."""

    id: str
    buyer_id: str
    method: PaymentMethod
    amount: Money
    order_ids: list[str]
    order_amounts: dict[str, Money]
    status: PaymentStatus
    captured: Money
    refunded: Money
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    gateway_reference: str | None = None
    version: int = 1

    @property
    def currency(self) -> str:
        return self.amount.currency.code


class PaymentNotFoundError(NotFoundError):
    code = "payment_not_found"


class InvalidPaymentError(ValidationError):
    code = "invalid_payment"


class UnknownPaymentMethodError(ValidationError):
    code = "unknown_payment_method"


class OrdersNotPayableError(ConflictError):
    code = "orders_not_payable"


class NotificationMismatchError(ConflictError):
    """A genuine notification whose amount or currency is not the payment's."""

    code = "notification_mismatch"


class RefundExceedsCaptureError(ConflictError):
    code = "refund_exceeds_capture"


class InsufficientBalanceError(ConflictError):
    code = "insufficient_wallet_balance"


class CreditLimitExceededError(ConflictError):
    code = "credit_limit_exceeded"
