"""Races on PostgreSQL: buyers for the last units, twin notifications for one payment."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.ordering.domain import OrderStatus
from marketplace.ordering.domain.allocation import OutOfStockError
from marketplace.payments.adapters.tables import payment_transactions
from marketplace.payments.domain import (
    GatewayNotification,
    PaymentStatus,
    TransactionKind,
    TransactionPhase,
)
from marketplace.payments.services import StartPayment, apply_notification, start_payment
from marketplace.settlement.adapters.tables import ledger_entries, ledger_postings
from marketplace.shared.errors import ConflictError
from marketplace.shared.money import Money
from tests.factories import race
from tests.integration.ordering.seed import Market


def test_buyers_racing_for_the_last_units_never_oversell(pg_market: Market) -> None:
    market = pg_market
    seller = market.seller({"lamp": "99.00", "bulb": "5.00"}, stock={"lamp": 5, "bulb": 40})
    buyers = [market.buyer() for _ in range(16)]
    lamp, bulb = seller.skus["lamp"], seller.skus["bulb"]

    results = race(16, lambda i: market.checkout(buyers[i], [(bulb, 2), (lamp, 1)]))

    placed = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(placed) == 5, refused
    assert all(isinstance(r, OutOfStockError | ConflictError) for r in refused), refused
    assert market.stock(seller, "lamp") == (5, 5)
    assert market.stock(seller, "bulb") == (40, 10)  # the losers' bulbs were rolled back


def test_twin_notifications_racing_apply_once(pg_market: Market) -> None:
    market = pg_market
    a, b = market.seller({"tea": "30.00"}), market.seller({"cup": "12.00"})
    buyer = market.buyer()
    group = market.checkout(buyer, [(a.skus["tea"], 1), (b.skus["cup"], 2)])
    payment, _ = start_payment(
        StartPayment(buyer_id=buyer, method="sandbox", group_id=group.id),
        uow=market.app.uow(), gateways=market.app.gateways, notify_url=market.app.notify_url,
    )  # fmt: skip
    notification = GatewayNotification(
        gateway="sandbox", payment_id=payment.id, gateway_reference="SBX-1",
        kind=TransactionKind.CAPTURE, phase=TransactionPhase.SUCCESS, amount=payment.amount,
    )  # fmt: skip

    results = race(8, lambda i: apply_notification(notification, uow=market.app.uow()).outcome)

    assert sorted(results) == ["applied"] + ["duplicate"] * 7
    with market.app.uow() as uow:
        stored = uow.payments.get(payment.id)
        orders = uow.orders.of_group(group.id)
    assert stored is not None
    assert stored.status is PaymentStatus.CAPTURED
    assert stored.captured == payment.amount
    assert {o.status for o in orders} == {OrderStatus.PAID}
    assert market.stock(a, "tea") == (9, 0)
    assert market.stock(b, "cup") == (8, 0)
    with market.engine.connect() as conn:
        captures = conn.execute(
            select(func.count()).select_from(payment_transactions)
            .where(payment_transactions.c.kind == "capture",
                   payment_transactions.c.phase == "success")
        ).scalar_one()  # fmt: skip
        entries = conn.execute(select(func.count()).select_from(ledger_entries)).scalar_one()
        balance = conn.execute(select(func.sum(ledger_postings.c.amount_minor))).scalar_one()
    assert (captures, entries, balance) == (1, 1, 0)


def test_checkouts_and_payments_sharing_hot_skus_neither_deadlock_nor_fail(
    pg_market: Market,
) -> None:
    """Checkout holds and payment commits lock the same stock rows in one order."""
    market = pg_market
    a = market.seller({"x": "1.00", "y": "2.00"}, stock={"x": 500, "y": 500})
    b = market.seller({"z": "3.00"}, stock={"z": 500})
    buyers = [market.buyer() for _ in range(12)]
    wallet = market.app.wallet
    assert wallet is not None
    for buyer in buyers:
        wallet.top_up(buyer, Money.of("1000", "CNY"), reference=f"hot-{buyer}")
    skus = [a.skus["y"], b.skus["z"], a.skus["x"]]

    def shop(i: int) -> str:
        done = 0
        for round_ in range(3):
            lines = [(s, 1) for s in (skus if (i + round_) % 2 else list(reversed(skus)))]
            group = market.checkout(buyers[i], lines)
            payment, _ = start_payment(
                StartPayment(buyer_id=buyers[i], method="wallet", group_id=group.id),
                uow=market.app.uow(), gateways=market.app.gateways,
                notify_url=market.app.notify_url,
            )  # fmt: skip
            done += payment.status is PaymentStatus.CAPTURED
        return f"captured {done}"

    deadlocks_before = _deadlocks(market)
    results = race(12, shop)

    assert results == ["captured 3"] * 12, results
    assert _deadlocks(market) == deadlocks_before  # none broken by PostgreSQL, none retried
    assert market.stock(a, "x") == (500 - 36, 0)
    assert market.stock(b, "z") == (500 - 36, 0)


def _deadlocks(market: Market) -> int:
    from sqlalchemy import text

    with market.engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        )).scalar_one())  # fmt: skip
