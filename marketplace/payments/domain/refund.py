"""Refunds: money going back through the payment's own method. Standard library only.

A refund is asked for an order (whole or some lines), never beyond what that order was
paid minus what is refunded or being refunded. Partial amounts per line are computed so
that refunding every unit of a line, in any number of steps, returns exactly the line's
total (``line_refund_amount``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from marketplace.shared.errors import ConflictError, NotFoundError, ValidationError
from marketplace.shared.money import Money


class RefundStatus(StrEnum):
    REQUESTED = "requested"  # the buyer asked; the merchant decides
    AWAITING_RETURN = "awaiting_return"  # approved; the goods must come back first
    REJECTED = "rejected"
    PENDING = "pending"  # approved: being (or to be) sent to the gateway
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the gateway refused; an admin may retry


class RefundKind(StrEnum):
    REFUND_ONLY = "refund_only"  # 仅退款
    RETURN_AND_REFUND = "return_and_refund"  # 退货退款


# Refunds that still count against what an order may give back.
LIVE_REFUND_STATUSES = frozenset(
    {RefundStatus.REQUESTED, RefundStatus.AWAITING_RETURN, RefundStatus.PENDING,
     RefundStatus.SUCCEEDED}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RefundLine:
    line_id: str
    quantity: int
    amount: Money


@dataclass(slots=True)
class Refund:
    id: str
    payment_id: str
    order_id: str
    merchant_id: str
    amount: Money
    commission: Money
    status: RefundStatus
    source: str
    reason: str
    lines: list[RefundLine] = field(default_factory=list)
    restock: bool = False
    kind: RefundKind = RefundKind.REFUND_ONLY
    note: str | None = None  # the merchant's reason for a decision, return tracking
    created_at: datetime | None = None
    updated_at: datetime | None = None
    gateway_reference: str | None = None
    failure: str | None = None


def line_refund_amount(
    *, line_total: Money, quantity: int, refunded_quantity: int, refunded: Money, take: int
) -> Money:
    """What ``take`` more units of a line give back: the remaining amount shared over the
    remaining units, rounded down, the last units taking the remainder. Summed over any
    sequence of partial refunds that ends with every unit, it is exactly ``line_total``."""
    left_units = quantity - refunded_quantity
    if not 1 <= take <= left_units:
        raise InvalidRefundError(
            f"Between 1 and {left_units} units of this line can still be refunded.",
            requested=take,
        )
    left = line_total - refunded
    if take == left_units:
        return left
    return Money.from_minor(left.minor * take // left_units, left.currency)


class RefundNotFoundError(NotFoundError):
    code = "refund_not_found"


class InvalidRefundError(ValidationError):
    code = "invalid_refund"


class RefundNotAllowedError(ConflictError):
    code = "refund_not_allowed"
