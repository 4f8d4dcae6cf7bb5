"""Moving orders along: expiry, cancellation, payment, fulfilment.

Each move is a conditional status change (the repository's ``transition``), so an expiry
sweep racing a late payment, or two workers sweeping, change an order once; the loser
sees None and does nothing. Stock moves with the order in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from marketplace.events.domain import DomainEvent, Topic
from marketplace.inventory.services.holds import commit_hold, place_hold, release_hold
from marketplace.ordering.commands import ChangeOrderStatus
from marketplace.ordering.domain import (
    Allocation,
    Order,
    OrderStatus,
    OutOfStockError,
    allocate,
    check_transition,
)
from marketplace.ordering.domain.errors import OrderNotFoundError
from marketplace.ordering.ports import OrderingUnitOfWork
from marketplace.ordering.services.views import order_event_payload
from marketplace.shared.errors import ConflictError, PermissionDeniedError, ValidationError

EXPIRY_ACTOR = "system:order-expiry"
_LATE_HOLD = timedelta(minutes=10)  # committed at once; the TTL only guards a crash
S = OrderStatus
# Who may ask for which move (the payment and refund paths move orders themselves).
MERCHANT_MOVES = frozenset({S.FULFILLING, S.SHIPPED, S.DELIVERED})
BUYER_MOVES = frozenset({S.CANCELLED, S.COMPLETED, S.DELIVERED})
_TOPIC = {
    S.PAID: Topic.ORDER_PAID, S.CANCELLED: Topic.ORDER_CANCELLED,
    S.EXPIRED: Topic.ORDER_CANCELLED, S.SHIPPED: Topic.ORDER_SHIPPED,
    S.DELIVERED: Topic.ORDER_DELIVERED, S.COMPLETED: Topic.ORDER_COMPLETED,
    S.REFUNDED: Topic.ORDER_REFUNDED,
}  # fmt: skip


def emit(uow: OrderingUnitOfWork, order: Order, status: OrderStatus, now: datetime) -> None:
    topic = _TOPIC.get(status)
    if topic is not None:
        payload = {**order_event_payload(order), "status": str(status)}
        uow.outbox.add(DomainEvent(topic, order.id, payload, now, merchant_id=order.merchant_id))


def expire_orders(now: datetime, *, uow: OrderingUnitOfWork, batch_size: int = 100) -> int:
    """Expire unpaid orders past their deadline and release their stock; returns how many
    this call expired. One short transaction per order; safe to run on several workers."""
    expired = 0
    with uow:
        while True:
            ids = uow.orders.overdue_ids(now, limit=batch_size)
            won = 0
            for order_id in ids:
                if _leave_unpaid(uow, order_id, S.EXPIRED, actor=EXPIRY_ACTOR,
                                 reason="payment_timeout", now=now):  # fmt: skip
                    won += 1
                uow.commit()
            expired += won
            if len(ids) < batch_size or won == 0:
                return expired


def _leave_unpaid(
    uow: OrderingUnitOfWork,
    order_id: str,
    target: OrderStatus,
    *,
    actor: str,
    reason: str,
    now: datetime,
) -> Order | None:
    """pending_payment -> target (expired or cancelled), releasing every hold."""
    if uow.orders.transition(order_id, expected={S.PENDING_PAYMENT}, target=target,
                             actor=actor, reason=reason, now=now) is None:  # fmt: skip
        return None
    order = uow.orders.get(order_id)
    assert order is not None
    held = [(line.sku_id, a) for line in order.lines for a in line.allocations]
    for allocation in _by_stock_row(held):
        release_hold(
            uow, allocation.reservation_id, actor=actor, now=now, merchant_id=order.merchant_id
        )
    emit(uow, order, target, now)
    return order


def change_status(cmd: ChangeOrderStatus, *, uow: OrderingUnitOfWork) -> Order:
    """A buyer, merchant or admin moves an order (cancel unpaid, ship, deliver, complete)."""
    try:
        target = OrderStatus(cmd.target)
    except ValueError:
        raise ValidationError(f"{cmd.target!r} is not an order status.",
                              code="invalid_order_status") from None  # fmt: skip
    with uow:
        order = _visible_order(uow, cmd)
        allowed = MERCHANT_MOVES if cmd.merchant_id else BUYER_MOVES if cmd.buyer_id else None
        if allowed is not None and target not in allowed:
            raise PermissionDeniedError(f"You cannot move an order to {target}.",
                                        code="order_move_not_allowed")  # fmt: skip
        check_transition(order.status, target)
        now = uow.clock.now()
        reason = cmd.reason.strip()[:300] or str(target)
        if target is S.CANCELLED:
            if _leave_unpaid(uow, order.id, S.CANCELLED, actor=cmd.actor, reason=reason,
                             now=now) is None:  # fmt: skip
                raise _moved_meanwhile(order)
        else:
            if uow.orders.transition(order.id, expected={order.status}, target=target,
                                     actor=cmd.actor, reason=reason, now=now) is None:  # fmt: skip
                raise _moved_meanwhile(order)
            emit(uow, order, target, now)
        uow.commit()
        found = uow.orders.get(order.id)
    assert found is not None
    return found


def _visible_order(uow: OrderingUnitOfWork, cmd: ChangeOrderStatus) -> Order:
    order = uow.orders.get(cmd.order_id)
    if (
        order is None
        or (cmd.merchant_id is not None and order.merchant_id != cmd.merchant_id)
        or (cmd.buyer_id is not None and order.buyer_id != cmd.buyer_id)
    ):
        raise OrderNotFoundError("No such order.", order_id=cmd.order_id)
    return order


def _moved_meanwhile(order: Order) -> Exception:
    return ConflictError(
        "The order changed meanwhile; reload it and try again.",
        code="order_changed", order_id=order.id,
    )  # fmt: skip


@dataclass(slots=True)
class PaidOutcome:
    """What paying a set of orders did, for the payments core to settle and refund."""

    paid: list[Order] = field(default_factory=list)  # became paid by this payment
    already: list[Order] = field(default_factory=list)  # paid by this payment before
    unfulfillable: list[Order] = field(default_factory=list)  # to refund


def pay_orders(
    order_ids: Sequence[str],
    *,
    payment_id: str,
    uow: OrderingUnitOfWork,
    actor: str,
    now: datetime,
) -> PaidOutcome:
    """Inside the payment's transaction: each order becomes paid and its held stock is
    committed; an order that expired meanwhile is paid if its stock can be held again;
    one paid by another payment, cancelled, or without stock is returned for refund."""
    outcome = PaidOutcome()
    orders = uow.orders.get_many(order_ids, for_update=True)
    pending = [o for o in orders if o.status is S.PENDING_PAYMENT]
    # Every stock row of every order, in (SKU, warehouse) order: the order checkout
    # locks them in, so a payment and a checkout sharing SKUs cannot deadlock.
    sellers = {
        a.reservation_id: o.merchant_id for o in pending for line in o.lines
        for a in line.allocations
    }  # fmt: skip
    held = [(line.sku_id, a) for o in pending for line in o.lines for a in line.allocations]
    _commit_holds(uow, _by_stock_row(held), actor=actor, now=now, sellers=sellers)
    for order in orders:
        if order.payment_id == payment_id and order.status is not S.PENDING_PAYMENT:
            outcome.already.append(order)
        elif order.status is S.PENDING_PAYMENT:
            _mark_paid(uow, order, S.PENDING_PAYMENT, payment_id, actor, "payment", now)
            outcome.paid.append(order)
        elif order.status is S.EXPIRED and (again := _hold_again(uow, order, actor, now)):
            sellers = {a.reservation_id: order.merchant_id for a in again}
            _commit_holds(uow, again, actor=actor, now=now, sellers=sellers)
            _mark_paid(uow, order, S.EXPIRED, payment_id, actor, "late_payment", now)
            outcome.paid.append(order)
        else:
            outcome.unfulfillable.append(order)
    return outcome


def _mark_paid(
    uow: OrderingUnitOfWork,
    order: Order,
    expected: OrderStatus,
    payment_id: str,
    actor: str,
    reason: str,
    now: datetime,
) -> None:
    moved = uow.orders.transition(
        order.id,
        expected={expected},
        target=S.PAID,
        actor=actor,
        reason=reason,
        now=now,
        known=order.status,  # read under the row lock taken by pay_orders
        payment_id=payment_id,
        paid_at=now,
    )
    if moved is None:  # the row is locked: nobody else can have moved it
        raise RuntimeError(f"order {order.id} moved while locked")
    order.status, order.payment_id, order.paid_at = S.PAID, payment_id, now
    emit(uow, order, S.PAID, now)


def _by_stock_row(held: Sequence[tuple[str, Allocation]]) -> list[Allocation]:
    """Allocations in the order their stock rows are locked everywhere: (SKU, warehouse)."""
    return [a for _, a in sorted(held, key=lambda sa: (sa[0], sa[1].warehouse_id))]


def _commit_holds(
    uow: OrderingUnitOfWork,
    allocations: Sequence[Allocation],
    *,
    actor: str,
    now: datetime,
    sellers: dict[str, str],
) -> None:
    for allocation in allocations:
        seller = sellers.get(allocation.reservation_id)
        done = commit_hold(uow, allocation.reservation_id, actor=actor, now=now, merchant_id=seller)
        if done is None:
            raise RuntimeError(f"reservation {allocation.reservation_id} is not active")


def _hold_again(
    uow: OrderingUnitOfWork, order: Order, actor: str, now: datetime
) -> list[Allocation]:
    """Allocate and hold an expired order's lines again: the new allocations, or none
    (nothing held) when the stock is no longer there."""
    stock = uow.orders.warehouse_stock([line.sku_id for line in order.lines])
    try:
        plans = [
            (line, allocate(line.sku_id, line.quantity, stock.get(line.sku_id, []),
                            country=order.address.country, region=order.address.region))
            for line in order.lines
        ]  # fmt: skip
    except OutOfStockError:
        return []
    held: list[tuple[str, Allocation]] = []
    for line, parts in sorted(plans, key=lambda lp: lp[0].sku_id):
        for part in sorted(parts, key=lambda p: p.warehouse_id):
            reservation = place_hold(
                uow, sku_id=line.sku_id, warehouse_id=part.warehouse_id, quantity=part.quantity,
                reference=f"{order.id}:late", expires_at=now + _LATE_HOLD, actor=actor, now=now,
                merchant_id=order.merchant_id,
            )  # fmt: skip
            if reservation is None:
                for _, done in held:
                    release_hold(uow, done.reservation_id, actor=actor, now=now,
                                 merchant_id=order.merchant_id)  # fmt: skip
                return []
            held.append((line.id, Allocation(part.warehouse_id, part.quantity, reservation.id)))
    by_line = {line.id: line for line in order.lines}
    for line_id, allocation in held:
        by_line[line_id].allocations.append(allocation)
    uow.orders.add_allocations(held)
    return [a for _, a in held]
