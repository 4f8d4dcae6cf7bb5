"""Apply a gateway's notification to a payment: exactly once, in any order.

The payment row is locked first, so two notifications for one payment (twins racing, or
a refund result racing a capture) apply one after the other. The transaction log's
unique (gateway, reference, type) key then tells a duplicate: it is answered "already
processed" and changes nothing. A genuine notification whose amount or currency is not
the payment's is refused and logged, never applied.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from marketplace.events.domain import DomainEvent, Topic
from marketplace.ordering.domain import Order
from marketplace.ordering.services import pay_orders
from marketplace.payments.domain import (
    GatewayNotification,
    InvalidNotificationError,
    NotificationMismatchError,
    Payment,
    PaymentNotFoundError,
    PaymentState,
    Transaction,
    TransactionKind,
    TransactionPhase,
    derive_state,
)
from marketplace.payments.ports import PaymentGateway, PaymentsUnitOfWork
from marketplace.payments.services.refunds import (
    auto_refund,
    check_refund,
    funding_account,
    on_refund_result,
)
from marketplace.settlement.domain import MerchantShare
from marketplace.settlement.services import post_payment_captured
from marketplace.shared.errors import DomainError
from marketplace.shared.retry import retry_transient

log = logging.getLogger("agora.payments")


@dataclass(slots=True)
class Applied:
    outcome: str  # "applied" | "duplicate"
    payment: Payment
    refunds_to_send: list[str] = field(default_factory=list)  # created by this notification


def receive_notification(
    gateway_name: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    uow_factory: Callable[[], PaymentsUnitOfWork],
    gateways: Mapping[str, PaymentGateway],
) -> Applied:
    """Verify, apply and log a notification as it came over HTTP."""
    gateway = gateways.get(gateway_name)
    if gateway is None:
        raise PaymentNotFoundError("No such payment gateway.", code="unknown_gateway")
    try:
        notification = gateway.verify_notification(headers, body)
    except InvalidNotificationError as exc:
        _log(uow_factory(), gateway_name, "invalid", exc.message, None, body)
        log.warning("payment notification refused", extra={"gateway": gateway_name,
                                                            "reason": exc.message})  # fmt: skip
        raise
    try:
        applied = apply_notification(notification, uow=uow_factory())
    except DomainError as exc:
        _log(uow_factory(), gateway_name, "rejected", f"{exc.code}: {exc.message}",
             notification.payment_id, body)  # fmt: skip
        log.warning("payment notification rejected",
                    extra={"gateway": gateway_name, "payment_id": notification.payment_id,
                           "code": exc.code})  # fmt: skip
        raise
    _log(uow_factory(), gateway_name, applied.outcome, None, notification.payment_id, body)
    return applied


def _log(
    uow: PaymentsUnitOfWork, gateway: str, outcome: str, reason: str | None,
    payment_id: str | None, body: bytes,
) -> None:  # fmt: skip
    with uow:
        uow.payments.log_notification(
            gateway=gateway,
            outcome=outcome,
            reason=reason,
            payment_id=payment_id,
            body=body,
            at=uow.clock.now(),
        )
        uow.commit()


def apply_notification(n: GatewayNotification, *, uow: PaymentsUnitOfWork) -> Applied:
    """Record the notification in the payment's log and carry out what it means (again,
    from scratch, if the database chose it as a deadlock victim)."""
    return retry_transient(lambda: _apply(n, uow=uow))


def _apply(n: GatewayNotification, *, uow: PaymentsUnitOfWork) -> Applied:
    with uow:
        applied = apply_within(uow, n)
        if applied.outcome == "applied":
            uow.commit()
    return applied


def apply_within(uow: PaymentsUnitOfWork, n: GatewayNotification) -> Applied:
    """``apply_notification`` inside a unit of work the caller holds and commits (an
    internal method collects and captures in one transaction)."""
    payment = uow.payments.get(n.payment_id, for_update=True)
    if payment is None:
        raise PaymentNotFoundError("No such payment.", payment_id=n.payment_id)
    _check_matches(payment, n)
    now = uow.clock.now()
    refund = check_refund(uow, payment, n) if n.kind is TransactionKind.REFUND else None
    tx = Transaction(
        payment.id, n.kind, n.phase, refund.amount if refund else n.amount,
        source="notification", created_at=now, gateway_reference=n.gateway_reference,
        refund_id=n.refund_id, raw={str(k): str(v) for k, v in n.raw.items()},
    )  # fmt: skip
    if not uow.payments.record(tx, gateway=n.gateway, dedup=n.dedup_key):
        return Applied("duplicate", payment)
    before = PaymentState(payment.status, payment.captured, payment.refunded)
    state = derive_state(payment.amount, uow.payments.transactions(payment.id))
    if state.refunded > state.captured:
        raise NotificationMismatchError("A refund beyond what was captured.")
    uow.payments.save_state(payment.id, state, now=now, gateway_reference=(
        n.gateway_reference if n.kind is TransactionKind.CAPTURE else None))  # fmt: skip
    refunds: list[str] = []
    if refund is not None:
        on_refund_result(uow, payment, refund, n)
    if n.kind is TransactionKind.CAPTURE and n.phase is TransactionPhase.SUCCESS:
        refunds = _on_captured(uow, payment, n, first=before.captured.is_zero)
    payment.status, payment.captured, payment.refunded = (
        state.status, state.captured, state.refunded)  # fmt: skip
    return Applied("applied", payment, refunds)


def _check_matches(payment: Payment, n: GatewayNotification) -> None:
    if n.gateway != str(payment.method):
        raise NotificationMismatchError(
            f"The payment is by {payment.method}, not {n.gateway}.", payment_id=payment.id
        )
    if n.amount.currency != payment.amount.currency:
        raise NotificationMismatchError(
            f"The payment is in {payment.currency}, not {n.amount.currency.code}.",
            payment_id=payment.id,
        )
    if n.kind is TransactionKind.CAPTURE and n.amount != payment.amount:
        raise NotificationMismatchError(
            f"The payment is {payment.amount}, the notification says {n.amount}.",
            payment_id=payment.id,
        )


def _on_captured(
    uow: PaymentsUnitOfWork, payment: Payment, n: GatewayNotification, *, first: bool
) -> list[str]:
    """Money arrived: pay the orders, post the ledger, refund what cannot be delivered."""
    now = uow.clock.now()
    if not first:
        # A second, distinct capture of the same payment: the buyer paid twice. It is
        # posted (money did arrive) under its own reference and refunded in full.
        orders = uow.orders.get_many(payment.order_ids)
        reference = f"{payment.id}:{n.gateway_reference}"
        _post_capture(uow, payment, orders, reference=reference)
        return [auto_refund(uow, payment, o, payment.order_amounts[o.id], "duplicate_capture",
                            capture_reference=reference)
                for o in orders]  # fmt: skip
    outcome = pay_orders(payment.order_ids, payment_id=payment.id, uow=uow,
                         actor=f"gateway:{n.gateway}", now=now)  # fmt: skip
    orders = outcome.paid + outcome.already + outcome.unfulfillable
    _post_capture(uow, payment, orders, reference=payment.id)
    uow.outbox.add(DomainEvent(
        Topic.PAYMENT_CAPTURED, payment.id,
        {"payment_id": payment.id, "buyer_id": payment.buyer_id, "method": str(payment.method),
         "amount": payment.amount.to_dict(), "order_ids": list(payment.order_ids)},
        now,
    ))  # fmt: skip
    return [auto_refund(uow, payment, o, payment.order_amounts[o.id], "order_unfulfillable")
            for o in outcome.unfulfillable]  # fmt: skip


def _post_capture(
    uow: PaymentsUnitOfWork, payment: Payment, orders: list[Order], *, reference: str
) -> None:
    post_payment_captured(
        uow=uow, payment_id=reference, funding_account=funding_account(str(payment.method)),
        shares=[MerchantShare(o.merchant_id, o.id, payment.order_amounts[o.id], o.commission)
                for o in sorted(orders, key=lambda o: o.id)],
        at=uow.clock.now(),
    )  # fmt: skip
