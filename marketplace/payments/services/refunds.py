"""Refunds: asked for an order (whole or lines), sent through the payment's own gateway,
applied when the gateway says it succeeded (at once, or by a later notification).

Asking is serialised per order (its row is locked), so two refund requests racing can
never together exceed what the order was paid. Applying goes through the same
notification path as the vendors' own (``apply_notification``): once per refund id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from marketplace.events.domain import DomainEvent, Topic
from marketplace.inventory.services.holds import restock
from marketplace.ordering.domain import PAID_STATUSES, Order, OrderStatus
from marketplace.ordering.services.lifecycle import emit
from marketplace.payments.domain import (
    LIVE_REFUND_STATUSES,
    GatewayNotification,
    InvalidRefundError,
    NotificationMismatchError,
    Payment,
    PaymentNotFoundError,
    Refund,
    RefundExceedsCaptureError,
    RefundKind,
    RefundLine,
    RefundNotAllowedError,
    RefundNotFoundError,
    RefundRequest,
    RefundStatus,
    TransactionKind,
    TransactionPhase,
    line_refund_amount,
)
from marketplace.payments.ports import PaymentGateway, PaymentsUnitOfWork
from marketplace.settlement.domain import MerchantShare
from marketplace.settlement.services import post_refund, refundable_commission
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money, sum_money

_FUNDING = {"wallet": "wallet", "credit_terms": "receivable:credit_terms"}


def funding_account(method: str) -> str:
    """The ledger account where a method's money sits."""
    return _FUNDING.get(method, f"gateway:{method}")


@dataclass(frozen=True, slots=True)
class RequestRefund:
    """Refund an order: every line still refundable (``lines`` None) or some units of
    some lines (``{line_id: quantity}``). Shipping goes back with the last units."""

    order_id: str
    reason: str
    lines: Mapping[str, int] | None = None
    restock: bool = False
    source: str = "after_sales"  # after_sales: the merchant decides; admin: approved at once
    kind: RefundKind = RefundKind.REFUND_ONLY
    buyer_id: str | None = None  # set when a buyer asks: must be their order


def request_refund(cmd: RequestRefund, *, uow: PaymentsUnitOfWork) -> Refund:
    """Create a pending refund for a paid order, within what is still refundable."""
    with uow:
        uow.orders.lock([cmd.order_id])
        order = uow.orders.get(cmd.order_id)
        if order is None or (cmd.buyer_id is not None and order.buyer_id != cmd.buyer_id):
            raise RefundNotFoundError("No such order.", code="order_not_found")
        if order.status not in PAID_STATUSES or order.payment_id is None:
            raise RefundNotAllowedError(f"An order that is {order.status} cannot be refunded.")
        payment = uow.payments.get(order.payment_id)
        assert payment is not None
        refund = _build(uow, cmd, order, payment)
        uow.refunds.add(refund)
        uow.commit()
    return refund


def _build(uow: PaymentsUnitOfWork, cmd: RequestRefund, order: Order, payment: Payment) -> Refund:
    earlier = [r for r in uow.refunds.of_order(order.id) if r.status in LIVE_REFUND_STATUSES]
    units, amounts = _taken(earlier, order.currency)
    wanted = cmd.lines or {line.id: line.quantity - units.get(line.id, 0) for line in order.lines}
    by_id = {line.id: line for line in order.lines}
    lines = []
    for line_id, take in wanted.items():
        line = by_id.get(line_id)
        if line is None:
            raise InvalidRefundError("No such line in this order.", line_id=line_id)
        if take == 0 and cmd.lines is None:
            continue
        amount = line_refund_amount(
            line_total=line.line_total, quantity=line.quantity,
            refunded_quantity=units.get(line_id, 0),
            refunded=amounts.get(line_id, Money.zero(order.currency)), take=take,
        )  # fmt: skip
        lines.append(RefundLine(line_id, take, amount))
    if not lines:
        raise InvalidRefundError("Nothing left to refund on this order.")
    amount = sum_money((x.amount for x in lines), order.currency)
    if _all_units_covered(order, units, lines):
        amount = amount + order.shipping + order.tax - order.discount  # the rest of the order
    in_flight = sum_money((r.amount for r in earlier), order.currency)
    if amount.is_zero or amount > order.total - in_flight:
        raise RefundExceedsCaptureError("More than what is left of the order's payment.")
    already = sum_money((r.commission for r in earlier), order.currency)
    commission = refundable_commission(
        commission=order.commission,
        gross=order.total,
        refund=amount,
        already_refunded_commission=already,
    )
    now = uow.clock.now()
    return Refund(
        id=new_id("rfd"), payment_id=payment.id, order_id=order.id,
        merchant_id=order.merchant_id, amount=amount, commission=commission,
        status=RefundStatus.REQUESTED if cmd.source == "after_sales" else RefundStatus.PENDING,
        source=cmd.source, reason=cmd.reason.strip()[:300] or "-", lines=lines,
        restock=cmd.restock, kind=cmd.kind, created_at=now, updated_at=now,
    )  # fmt: skip


def _taken(refunds: Sequence[Refund], currency: str) -> tuple[dict[str, int], dict[str, Money]]:
    """Units and amounts per line in pending or succeeded refunds (the line's own refunded
    figures count only succeeded ones; asking must also respect those still in flight)."""
    units: dict[str, int] = {}
    amounts: dict[str, Money] = {}
    for refund in refunds:
        for x in refund.lines:
            units[x.line_id] = units.get(x.line_id, 0) + x.quantity
            amounts[x.line_id] = amounts.get(x.line_id, Money.zero(currency)) + x.amount
    return units, amounts


def _all_units_covered(order: Order, units: dict[str, int], lines: list[RefundLine]) -> bool:
    taking = {x.line_id: x.quantity for x in lines}
    return all(units.get(line.id, 0) + taking.get(line.id, 0) >= line.quantity
               for line in order.lines)  # fmt: skip


def auto_refund(
    uow: PaymentsUnitOfWork, payment: Payment, order: Order, amount: Money, reason: str,
    *, capture_reference: str | None = None,
) -> str:  # fmt: skip
    """Inside a capture: refund an order that cannot be delivered (or was paid twice).
    ``capture_reference``: the ledger reference of the capture it reverses, when that is
    not the payment's own (a duplicate capture is posted under its own reference)."""
    now = uow.clock.now()
    refund = Refund(
        id=new_id("rfd"), payment_id=payment.id, order_id=order.id,
        merchant_id=order.merchant_id, amount=amount, commission=order.commission,
        status=RefundStatus.PENDING, source="auto", reason=reason, created_at=now,
        updated_at=now, note=capture_reference,
    )  # fmt: skip
    uow.refunds.add(refund)
    return refund.id


def check_refund(uow: PaymentsUnitOfWork, payment: Payment, n: GatewayNotification) -> Refund:
    """The refund a notification speaks of must be ours, this payment's, for its amount."""
    refund = uow.refunds.get(n.refund_id) if n.refund_id else None
    if refund is None or refund.payment_id != payment.id:
        raise NotificationMismatchError(
            "A refund notification for an unknown refund.",
            payment_id=payment.id,
            refund_id=n.refund_id,
        )
    if refund.status not in (RefundStatus.PENDING, RefundStatus.FAILED, RefundStatus.SUCCEEDED):
        raise NotificationMismatchError(
            f"A gateway result for a refund that was never sent ({refund.status}).",
            refund_id=refund.id,
        )
    # Matched by refund id. Some vendors state the trade's running refunded total rather
    # than this refund's amount (Alipay's refund_fee), so a larger figure is accepted up to
    # what was captured; less than the refund asked for is not this refund.
    if n.amount < refund.amount or n.amount > payment.captured:
        raise NotificationMismatchError(
            f"The refund is {refund.amount}, the notification says {n.amount}.",
            refund_id=refund.id,
        )
    return refund


def on_refund_result(
    uow: PaymentsUnitOfWork, payment: Payment, refund: Refund, n: GatewayNotification
) -> None:
    """Carry out a refund's outcome (called once per refund and outcome)."""
    now = uow.clock.now()
    if n.phase is TransactionPhase.FAILURE:
        uow.refunds.finish(
            refund.id,
            RefundStatus.FAILED,
            now=now,
            failure=str(n.raw.get("message", "refused by the gateway"))[:300],
        )
        return
    if n.phase is not TransactionPhase.SUCCESS:
        return
    # Pending, or failed and then done by the gateway after all: the money moved.
    if not uow.refunds.finish(refund.id, RefundStatus.SUCCEEDED, now=now,
                              gateway_reference=n.gateway_reference):  # fmt: skip
        raise NotificationMismatchError("The refund already succeeded.", refund_id=refund.id)
    order = uow.orders.get(refund.order_id)
    assert order is not None
    if not uow.orders.add_refunded(order.id, refund.amount.minor, now=now):
        raise RefundExceedsCaptureError("The refunds would exceed the order's total.")
    for x in refund.lines:
        if not uow.orders.add_line_refund(x.line_id, x.quantity, x.amount.minor):
            raise RefundExceedsCaptureError("The refunds would exceed a line.", line_id=x.line_id)
    if refund.restock:
        _restock(uow, order, refund)
    capture = refund.note if refund.source == "auto" and refund.note else payment.id
    post_refund(
        uow=uow, refund_id=refund.id, payment_id=capture,
        funding_account=funding_account(str(payment.method)),
        shares=[MerchantShare(order.merchant_id, order.id, refund.amount, refund.commission)],
        at=now,
    )  # fmt: skip
    fully = order.refunded + refund.amount == order.total
    if fully and order.status in PAID_STATUSES:
        uow.orders.transition(
            order.id,
            expected={order.status},
            target=OrderStatus.REFUNDED,
            actor=f"gateway:{n.gateway}",
            reason=f"refund {refund.id}",
            now=now,
        )
        emit(uow, order, OrderStatus.REFUNDED, now)
    uow.outbox.add(DomainEvent(
        Topic.PAYMENT_REFUNDED, payment.id,
        {"payment_id": payment.id, "refund_id": refund.id, "order_id": order.id,
         "amount": refund.amount.to_dict(), "fully_refunded": fully},
        now, merchant_id=order.merchant_id,
    ))  # fmt: skip


def _restock(uow: PaymentsUnitOfWork, order: Order, refund: Refund) -> None:
    by_id = {line.id: line for line in order.lines}
    for x in refund.lines:
        line = by_id[x.line_id]
        if line.allocations:
            restock(uow, sku_id=line.sku_id, warehouse_id=line.allocations[0].warehouse_id,
                    quantity=x.quantity, reason="refund_restock", reference=refund.id,
                    actor="system:refunds", now=uow.clock.now())  # fmt: skip


def process_refund(
    refund_id: str,
    *,
    uow: PaymentsUnitOfWork,
    gateways: Mapping[str, PaymentGateway],
    notify_url: Callable[[str], str] | None = None,
) -> Refund:
    """Ask the gateway for a pending refund's money and apply a synchronous answer."""
    from marketplace.payments.services.notifications import apply_notification

    with uow:
        refund = uow.refunds.get(refund_id)
        if refund is None:
            raise RefundNotFoundError("No such refund.", refund_id=refund_id)
        payment = uow.payments.get(refund.payment_id)
        if payment is None:
            raise PaymentNotFoundError("No such payment.", payment_id=refund.payment_id)
    if refund.status is not RefundStatus.PENDING:
        return refund
    gateway = gateways[str(payment.method)]
    result = gateway.refund(RefundRequest(
        refund_id=refund.id, payment_id=payment.id,
        gateway_reference=payment.gateway_reference or payment.id, amount=refund.amount,
        payment_total=payment.captured, reason=refund.reason,
        notify_url=notify_url(gateway.name) if notify_url else None,
    ))  # fmt: skip
    if result.phase is not TransactionPhase.REQUEST:
        apply_notification(GatewayNotification(
            gateway=gateway.name, payment_id=payment.id,
            gateway_reference=result.gateway_reference or refund.id,
            kind=TransactionKind.REFUND, phase=result.phase, amount=refund.amount,
            refund_id=refund.id, raw={"message": result.message or ""},
        ), uow=uow)  # fmt: skip
    with uow:
        found = uow.refunds.get(refund_id)
    assert found is not None
    return found


def retry_pending_refunds(
    *, uow: PaymentsUnitOfWork, gateways: Mapping[str, PaymentGateway],
    older_than: timedelta = timedelta(minutes=1), limit: int = 100,
) -> int:  # fmt: skip
    """Ask again for refunds still pending (a crash, a timeout, an asynchronous gateway
    that never notified). Gateways are idempotent on the refund id."""
    with uow:
        ids = uow.refunds.pending_ids(older_than=uow.clock.now() - older_than, limit=limit)
    done = 0
    for refund_id in ids:
        if process_refund(refund_id, uow=uow, gateways=gateways).status is not RefundStatus.PENDING:
            done += 1
    return done


@dataclass(frozen=True, slots=True)
class DecideRefund:
    refund_id: str
    merchant_id: str | None  # None: a platform admin decides
    approve: bool
    note: str = ""
    restock: bool = False


def decide_refund(cmd: DecideRefund, *, uow: PaymentsUnitOfWork) -> Refund:
    """The merchant approves (a return first when goods must come back) or rejects."""
    with uow:
        refund = uow.refunds.get(cmd.refund_id)
        if refund is None or (cmd.merchant_id and refund.merchant_id != cmd.merchant_id):
            raise RefundNotFoundError("No such refund.", refund_id=cmd.refund_id)
        if cmd.approve:
            target = (RefundStatus.AWAITING_RETURN if refund.kind is RefundKind.RETURN_AND_REFUND
                      else RefundStatus.PENDING)  # fmt: skip
        else:
            target = RefundStatus.REJECTED
        if not uow.refunds.move(refund.id, expected=RefundStatus.REQUESTED, target=target,
                                now=uow.clock.now(), note=cmd.note or None,
                                restock=cmd.restock):  # fmt: skip
            raise RefundNotAllowedError(f"The refund is already {refund.status}.")
        uow.commit()
        found = uow.refunds.get(refund.id)
    assert found is not None
    return found


def confirm_return(
    refund_id: str, *, merchant_id: str | None, uow: PaymentsUnitOfWork, restock: bool = True
) -> Refund:
    """The returned goods arrived: the refund may now be sent (and the goods restocked)."""
    with uow:
        refund = uow.refunds.get(refund_id)
        if refund is None or (merchant_id and refund.merchant_id != merchant_id):
            raise RefundNotFoundError("No such refund.", refund_id=refund_id)
        if not uow.refunds.move(refund.id, expected=RefundStatus.AWAITING_RETURN,
                                target=RefundStatus.PENDING, now=uow.clock.now(),
                                restock=restock):  # fmt: skip
            raise RefundNotAllowedError(f"The refund is {refund.status}, not awaiting a return.")
        uow.commit()
        found = uow.refunds.get(refund.id)
    assert found is not None
    return found


def record_return_shipment(
    refund_id: str, *, buyer_id: str, tracking: str, uow: PaymentsUnitOfWork
) -> Refund:
    """The buyer sent the goods back: the carrier and tracking number, for the merchant."""
    tracking = tracking.strip()
    if not 1 <= len(tracking) <= 200:
        raise InvalidRefundError("Give the carrier and tracking number (1-200 characters).")
    with uow:
        refund = uow.refunds.get(refund_id)
        order = uow.orders.get(refund.order_id) if refund else None
        if refund is None or order is None or order.buyer_id != buyer_id:
            raise RefundNotFoundError("No such refund.", refund_id=refund_id)
        if not uow.refunds.move(refund.id, expected=RefundStatus.AWAITING_RETURN,
                                target=RefundStatus.AWAITING_RETURN, now=uow.clock.now(),
                                note=f"return shipped: {tracking}"):  # fmt: skip
            raise RefundNotAllowedError(f"The refund is {refund.status}, not awaiting a return.")
        uow.commit()
        found = uow.refunds.get(refund.id)
    assert found is not None
    return found
