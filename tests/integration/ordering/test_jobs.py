"""The worker's pass: unpaid orders expire and release their stock, exactly once."""

from __future__ import annotations

from marketplace.ordering.domain import OrderStatus
from serving.jobs import run_once
from tests.integration.ordering.seed import Market


def test_a_pass_expires_orders_and_releases_their_stock(market: Market) -> None:
    seller = market.seller({"tea": "30.00"})
    group = market.checkout(market.buyer(), [(seller.skus["tea"], 4)])
    assert run_once(market.app).orders_expired == 0
    market.later(minutes=31)
    run = run_once(market.app)
    assert run.orders_expired == 1
    assert market.stock(seller, "tea") == (10, 0)
    assert run_once(market.app).orders_expired == 0
    with market.app.uow() as uow:
        assert uow.orders.of_group(group.id)[0].status is OrderStatus.EXPIRED
