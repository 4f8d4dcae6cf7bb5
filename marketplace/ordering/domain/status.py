"""The order state machine, channels, and who may move an order where."""

from __future__ import annotations

from enum import StrEnum

from marketplace.shared.errors import ConflictError


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    EXPIRED = "expired"  # unpaid past its TTL; reservations released
    CANCELLED = "cancelled"
    PAID = "paid"
    FULFILLING = "fulfilling"  # the merchant picks and packs (allocated stock)
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    REFUNDED = "refunded"  # everything paid was refunded


class Channel(StrEnum):
    WEB = "web"
    APP = "app"
    MINI_PROGRAM = "mini_program"
    API = "api"
    PROCUREMENT_AGENT = "procurement_agent"
    B2B = "b2b"  # a company's purchase order (purchasing, RFQ award, reorder)


S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED, S.EXPIRED}),
    # A payment that arrives after expiry: paid if the stock can be held again.
    S.EXPIRED: frozenset({S.PAID}),
    S.PAID: frozenset({S.FULFILLING, S.SHIPPED, S.REFUNDED}),
    S.FULFILLING: frozenset({S.SHIPPED, S.REFUNDED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.COMPLETED, S.REFUNDED}),
    S.COMPLETED: frozenset({S.REFUNDED}),  # after-sales within the window
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}
# Statuses in which the buyer has paid and money may be refunded.
PAID_STATUSES = frozenset({S.PAID, S.FULFILLING, S.SHIPPED, S.DELIVERED, S.COMPLETED})
UNPAID_STATUSES = frozenset({S.PENDING_PAYMENT, S.EXPIRED})


class IllegalTransitionError(ConflictError):
    code = "illegal_order_transition"

    def __init__(self, current: OrderStatus, target: OrderStatus) -> None:
        super().__init__(
            f"An order that is {current} cannot become {target}.",
            order_status=str(current),
            target_status=str(target),
        )


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in TRANSITIONS[current]


def check_transition(current: OrderStatus, target: OrderStatus) -> None:
    if not can_transition(current, target):
        raise IllegalTransitionError(current, target)
