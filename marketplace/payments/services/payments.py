"""Start a payment for one or more unpaid orders of a buyer (合单支付)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from marketplace.ordering.domain import Order, OrderStatus
from marketplace.payments.domain import (
    ActionKind,
    GatewayNotification,
    OrdersNotPayableError,
    Payment,
    PaymentAction,
    PaymentMethod,
    PaymentNotFoundError,
    PaymentRequest,
    PaymentStatus,
    Transaction,
    TransactionKind,
    TransactionPhase,
    UnknownPaymentMethodError,
)
from marketplace.payments.ports import CollectingGateway, PaymentGateway, PaymentsUnitOfWork
from marketplace.payments.services.notifications import apply_notification, apply_within
from marketplace.shared.errors import ValidationError
from marketplace.shared.ids import new_id
from marketplace.shared.money import sum_money
from marketplace.shared.retry import retry_transient

MAX_ORDERS_PER_PAYMENT = 50


@dataclass(frozen=True, slots=True)
class StartPayment:
    """Pay a checkout group (``group_id``) or any unpaid orders of the buyer in one
    currency (``order_ids``: orders from several checkouts and channels merged)."""

    buyer_id: str
    method: str
    group_id: str | None = None
    order_ids: tuple[str, ...] = ()
    return_url: str | None = None


def start_payment(
    cmd: StartPayment,
    *,
    uow: PaymentsUnitOfWork,
    gateways: Mapping[str, PaymentGateway],
    notify_url: Callable[[str], str],
) -> tuple[Payment, PaymentAction]:
    """Create (or find the open) payment and ask its gateway to collect it. The gateway
    call happens after the payment is committed: its notification may arrive any time."""
    gateway = gateways.get(cmd.method)
    if gateway is None:
        raise UnknownPaymentMethodError(
            f"Payment method must be one of {', '.join(sorted(gateways))}.", method=cmd.method
        )
    collect = getattr(gateway, "collect_within", None)
    if collect is not None:  # wallet, credit terms: one transaction, money and capture
        return retry_transient(lambda: _pay_within(cmd, gateway, collect, uow=uow,
                                                   notify_url=notify_url))  # fmt: skip
    with uow:
        orders = _payable_orders(uow, cmd)
        payment = _open_or_new(uow, cmd, orders)
        uow.commit()
    action = gateway.start(_request(cmd, payment, orders, gateway.name, notify_url))
    if action.kind is ActionKind.COMPLETED and action.notification is not None:
        payment = apply_notification(action.notification, uow=uow).payment
    return payment, action


def _payable_orders(uow: PaymentsUnitOfWork, cmd: StartPayment) -> list[Order]:
    if cmd.group_id and cmd.order_ids:
        raise ValidationError("Give a group or orders, not both.", code="invalid_payment")
    if cmd.group_id:
        orders = uow.orders.of_group(cmd.group_id)
    else:
        ids = tuple(dict.fromkeys(cmd.order_ids))
        if not ids or len(ids) > MAX_ORDERS_PER_PAYMENT:
            raise ValidationError(
                f"Pay 1 to {MAX_ORDERS_PER_PAYMENT} orders at once.", code="invalid_payment"
            )
        orders = uow.orders.get_many(ids)
        if len(orders) != len(ids):
            orders = []
    if not orders or any(o.buyer_id != cmd.buyer_id for o in orders):
        raise PaymentNotFoundError("No such orders.", code="order_not_found")
    now = uow.clock.now()
    unpaid = [o for o in orders if o.status is OrderStatus.PENDING_PAYMENT and o.expires_at > now]
    if len(unpaid) != len(orders):
        raise OrdersNotPayableError(
            "Only orders waiting for payment, before their deadline, can be paid.",
            orders=[{"id": o.id, "status": str(o.status)} for o in orders if o not in unpaid],
        )
    if len({o.currency for o in orders}) != 1:
        raise OrdersNotPayableError("Orders in different currencies are paid separately.")
    return sorted(orders, key=lambda o: o.id)


def _open_or_new(uow: PaymentsUnitOfWork, cmd: StartPayment, orders: Sequence[Order]) -> Payment:
    ids = [o.id for o in orders]
    existing_id = uow.payments.open_for_orders(ids, cmd.method)
    if existing_id is not None:
        existing = uow.payments.get(existing_id)
        if existing is not None:
            return existing
    now, currency = uow.clock.now(), orders[0].currency
    amount = sum_money((o.total for o in orders), currency)
    payment = Payment(
        id=new_id("pay"), buyer_id=cmd.buyer_id, method=PaymentMethod(cmd.method),
        amount=amount, order_ids=ids, order_amounts={o.id: o.total for o in orders},
        status=PaymentStatus.PENDING, captured=amount - amount, refunded=amount - amount,
        expires_at=min(o.expires_at for o in orders), created_at=now, updated_at=now,
    )  # fmt: skip
    uow.payments.add(payment)
    uow.payments.record(
        Transaction(payment.id, TransactionKind.CAPTURE, TransactionPhase.REQUEST, amount,
                    source="api", created_at=now),
        gateway=cmd.method, dedup=(cmd.method, payment.id, "capture:request"),
    )  # fmt: skip
    return payment


def finish_collected_payments(
    *, uow: PaymentsUnitOfWork, gateways: Mapping[str, PaymentGateway],
    older_than: timedelta = timedelta(seconds=30), limit: int = 100,
) -> int:  # fmt: skip
    """Apply the capture of internal payments (wallet, credit terms) whose money moved but
    whose capture was never applied (a crash or a deadlock between the two transactions).
    Read-only towards the method: a payment it did not collect is left alone."""
    collecting = {name: g for name, g in gateways.items() if hasattr(g, "collected")}
    with uow:
        ids = uow.payments.pending_ids(list(collecting), limit=limit,
                                       older_than=uow.clock.now() - older_than)  # fmt: skip
        found = [uow.payments.get(i) for i in ids]
    finished = 0
    for payment in found:
        if payment is None:
            continue
        gateway = cast(CollectingGateway, collecting[str(payment.method)])
        notification = gateway.collected(payment.id)
        if notification is not None:
            apply_notification(notification, uow=uow)
            finished += 1
    return finished


def _pay_within(
    cmd: StartPayment,
    gateway: PaymentGateway,
    collect: Callable[..., GatewayNotification],
    *,
    uow: PaymentsUnitOfWork,
    notify_url: Callable[[str], str],
) -> tuple[Payment, PaymentAction]:
    """An internal method: open the payment, move the money, apply the capture, commit:
    all or nothing (a refused debit leaves no payment behind)."""
    with uow:
        orders = _payable_orders(uow, cmd)
        payment = _open_or_new(uow, cmd, orders)
        request = _request(cmd, payment, orders, gateway.name, notify_url)
        notification = collect(uow, request)
        applied = apply_within(uow, notification)
        uow.commit()
    return applied.payment, PaymentAction(ActionKind.COMPLETED, notification=notification)


def _request(
    cmd: StartPayment, payment: Payment, orders: Sequence[Order], gateway: str,
    notify_url: Callable[[str], str],
) -> PaymentRequest:  # fmt: skip
    return PaymentRequest(
        payment_id=payment.id, amount=payment.amount, buyer_id=cmd.buyer_id,
        subject=f"Agora {len(orders)} order(s)", expires_at=payment.expires_at,
        notify_url=notify_url(gateway), return_url=cmd.return_url,
        account_id=_account_of(orders),
    )  # fmt: skip


def _account_of(orders: Sequence[Order]) -> str | None:
    """A company's purchase orders draw on the company's wallet or credit line; orders of
    different accounts are not paid together."""
    accounts = {o.company_id for o in orders}
    if len(accounts) != 1:
        raise OrdersNotPayableError("Orders of different accounts are paid separately.")
    return accounts.pop()
