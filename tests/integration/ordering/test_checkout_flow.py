"""Checkout splits by merchant, holds stock, and one payment pays every order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.ordering.domain import OrderStatus
from marketplace.ordering.services import expire_orders
from marketplace.payments.domain import (
    GatewayNotification,
    NotificationMismatchError,
    PaymentStatus,
    TransactionKind,
    TransactionPhase,
)
from marketplace.payments.services import StartPayment, apply_notification, start_payment
from marketplace.settlement.adapters.tables import ledger_postings
from marketplace.shared.money import Money
from tests.integration.ordering.seed import Market


def _capture(market: Market, payment_id: str, amount: Money, ref: str = "T1") -> str:
    n = GatewayNotification(
        gateway="sandbox", payment_id=payment_id, gateway_reference=ref,
        kind=TransactionKind.CAPTURE, phase=TransactionPhase.SUCCESS, amount=amount,
    )  # fmt: skip
    return apply_notification(n, uow=market.app.uow()).outcome


def _start(market: Market, buyer: str, group_id: str, method: str = "sandbox"):  # type: ignore[no-untyped-def]
    return start_payment(
        StartPayment(buyer_id=buyer, method=method, group_id=group_id), uow=market.app.uow(),
        gateways=market.app.gateways, notify_url=market.app.notify_url,
    )  # fmt: skip


def test_three_merchants_three_orders_one_payment(market: Market) -> None:
    a = market.seller({"tea": "30.00"})
    b = market.seller({"cup": "45.50"})
    c = market.seller({"pot": "120.00"})
    buyer = market.buyer()

    group = market.checkout(buyer, [(a.skus["tea"], 2), (b.skus["cup"], 1), (c.skus["pot"], 1)])

    assert len(group.orders) == 3
    assert {o.merchant_id for o in group.orders} == {a.merchant_id, b.merchant_id, c.merchant_id}
    by_merchant = {o.merchant_id: o for o in group.orders}
    # tea 60.00 + 8.00 shipping; cup 45.50 + 8.00; pot 120.00 ships free (>= 99)
    assert by_merchant[a.merchant_id].total == Money.of("68.00", "CNY")
    assert by_merchant[b.merchant_id].total == Money.of("53.50", "CNY")
    assert by_merchant[c.merchant_id].total == Money.of("120.00", "CNY")
    assert group.total == Money.of("241.50", "CNY")
    assert market.stock(a, "tea") == (10, 2)

    payment, action = _start(market, buyer, group.id)
    assert payment.amount == group.total
    assert action.url
    assert "/sandbox/pay/" in action.url
    assert _capture(market, payment.id, payment.amount) == "applied"

    with market.app.uow() as uow:
        orders = uow.orders.of_group(group.id)
        stored = uow.payments.get(payment.id)
    assert {o.status for o in orders} == {OrderStatus.PAID}
    assert stored is not None
    assert stored.status is PaymentStatus.CAPTURED
    assert market.stock(a, "tea") == (8, 0)  # reserved, then committed
    with market.engine.connect() as conn:
        total = conn.execute(select(func.sum(ledger_postings.c.amount_minor))).scalar_one()
        count = conn.execute(select(func.count()).select_from(ledger_postings)).scalar_one()
    assert total == 0
    assert count >= 4


def test_duplicate_and_tampered_capture(market: Market) -> None:
    a = market.seller({"tea": "30.00"})
    buyer = market.buyer()
    group = market.checkout(buyer, [(a.skus["tea"], 1)])
    payment, _ = _start(market, buyer, group.id)

    with pytest.raises(NotificationMismatchError):
        _capture(market, payment.id, Money.of("0.01", "CNY"))
    assert _capture(market, payment.id, payment.amount) == "applied"
    assert _capture(market, payment.id, payment.amount) == "duplicate"
    assert market.stock(a, "tea") == (9, 0)


def test_unpaid_orders_expire_and_release_stock(market: Market) -> None:
    a = market.seller({"tea": "30.00"})
    buyer = market.buyer()
    group = market.checkout(buyer, [(a.skus["tea"], 3)])
    assert market.stock(a, "tea") == (10, 3)

    assert expire_orders(market.clock.now(), uow=market.app.uow()) == 0
    market.later(minutes=31)
    assert expire_orders(market.clock.now(), uow=market.app.uow()) == 1
    assert expire_orders(market.clock.now(), uow=market.app.uow()) == 0
    assert market.stock(a, "tea") == (10, 0)
    with market.app.uow() as uow:
        order = uow.orders.of_group(group.id)[0]
        history = uow.orders.history(order.id)
    assert order.status is OrderStatus.EXPIRED
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, OrderStatus.PENDING_PAYMENT), (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED)
    ]  # fmt: skip


def test_late_payment_holds_stock_again_or_refunds(market: Market) -> None:
    a = market.seller({"tea": "30.00"}, stock={"tea": 1})
    buyer, rival = market.buyer(), market.buyer()
    group = market.checkout(buyer, [(a.skus["tea"], 1)])
    payment, _ = _start(market, buyer, group.id)
    market.later(minutes=31)
    expire_orders(market.clock.now(), uow=market.app.uow())
    market.checkout(rival, [(a.skus["tea"], 1)])  # the rival takes the last unit

    applied = apply_notification(GatewayNotification(
        gateway="sandbox", payment_id=payment.id, gateway_reference="LATE",
        kind=TransactionKind.CAPTURE, phase=TransactionPhase.SUCCESS, amount=payment.amount,
    ), uow=market.app.uow())  # fmt: skip

    assert len(applied.refunds_to_send) == 1  # no stock: the money goes back
    with market.app.uow() as uow:
        order = uow.orders.of_group(group.id)[0]
        refund = uow.refunds.get(applied.refunds_to_send[0])
    assert order.status is OrderStatus.EXPIRED
    assert refund is not None
    assert refund.amount == payment.amount
    assert Decimal(str(market.stock(a, "tea")[1])) == 1  # only the rival's hold
