"""The outbox on both databases: a row exists iff the transaction that added it committed;
inventory and catalog write their events in the transaction of the change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from marketplace.catalog import services as catalog
from marketplace.catalog.domain.commands import SetSkuPrices, TierInput
from marketplace.catalog.domain.errors import InvalidTierPricesError
from marketplace.db.uow import SqlUnitOfWork
from marketplace.events.adapters.tables import outbox_events
from marketplace.events.domain import DomainEvent, Topic
from marketplace.inventory import services as inventory
from marketplace.inventory.domain import InsufficientStockError, Operator
from marketplace.shared.adapters.cache import InMemoryCache
from marketplace.shared.clock import FixedClock
from tests.integration.inventory_seed import seed_merchant, seed_sku


def _rows(engine: Engine, topic: Topic | None = None) -> list[dict[str, Any]]:
    query = select(outbox_events).order_by(outbox_events.c.id)
    if topic is not None:
        query = query.where(outbox_events.c.topic == topic.value)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def _event(clock: FixedClock, key: str = "ord_1") -> DomainEvent:
    return DomainEvent(
        Topic.ORDER_PAID, key, {"total": {"amount": "9.90", "currency": "CNY"}}, clock.now(),
        merchant_id="mer_x",
    )  # fmt: skip


def test_an_event_is_stored_when_its_transaction_commits(
    any_engine: Engine, clock: FixedClock
) -> None:
    event = _event(clock)
    with SqlUnitOfWork(any_engine, clock=clock) as uow:
        uow.outbox.add(event)
        uow.commit()
    [row] = _rows(any_engine)
    assert row["event_id"] == event.id
    assert (row["topic"], row["key"], row["merchant_id"]) == ("order.paid", "ord_1", "mer_x")
    assert row["payload"] == {"total": {"amount": "9.90", "currency": "CNY"}}
    assert row["occurred_at"] == clock.now()
    assert row["published_at"] is None


def _add_then_fail(uow: SqlUnitOfWork, event: DomainEvent) -> None:
    with uow:
        uow.outbox.add(event)
        raise RuntimeError("the use case failed after adding its event")


def test_an_event_is_not_stored_when_its_transaction_rolls_back(
    any_engine: Engine, clock: FixedClock
) -> None:
    with SqlUnitOfWork(any_engine, clock=clock) as uow:
        uow.outbox.add(_event(clock))
        # left without commit: rolled back
    with pytest.raises(RuntimeError):
        _add_then_fail(SqlUnitOfWork(any_engine, clock=clock), _event(clock, "ord_2"))
    with SqlUnitOfWork(any_engine, clock=clock) as uow:
        uow.outbox.add(_event(clock, "ord_3"))
        uow.rollback()
        uow.commit()
    assert _rows(any_engine) == []


def test_stock_changes_emit_stock_changed_in_their_transaction(
    any_engine: Engine, clock: FixedClock
) -> None:
    merchant = seed_merchant(any_engine)
    sku = seed_sku(any_engine, merchant)
    op = Operator.merchant(merchant, "usr_1")

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(any_engine, clock=clock)

    wh = inventory.create_warehouse(inventory.CreateWarehouse(op, "W1", "W", "CN", "ZJ"), uow=uow())
    inventory.receive_stock(inventory.ReceiveStock(op, sku, wh.id, 3), uow=uow())
    reservation = inventory.reserve_stock(
        inventory.ReserveStock(op, sku, 2, "order-1", wh.id), uow=uow()
    )
    with pytest.raises(InsufficientStockError):
        inventory.reserve_stock(inventory.ReserveStock(op, sku, 2, "order-2", wh.id), uow=uow())
    clock.advance(timedelta(hours=1))
    assert inventory.expire_reservations(clock.now(), uow=uow()) == 1
    rows = _rows(any_engine, Topic.STOCK_CHANGED)
    assert [r["payload"]["change"] for r in rows] == ["inbound", "reserve", "expire"]
    assert [(r["payload"]["on_hand"], r["payload"]["reserved"], r["payload"]["available"])
            for r in rows] == [(3, 0, 3), (3, 2, 1), (3, 0, 3)]  # fmt: skip
    assert {(r["key"], r["merchant_id"], r["payload"]["warehouse_id"]) for r in rows} == {
        (sku, merchant, wh.id)
    }
    assert rows[1]["payload"]["reservation_id"] == reservation.id


def test_replacing_sku_prices_emits_price_changed_with_the_old_prices(
    any_engine: Engine, clock: FixedClock
) -> None:
    merchant = seed_merchant(any_engine)
    sku = seed_sku(any_engine, merchant)
    cache = InMemoryCache()

    def set_prices(list_price: str, tiers: tuple[TierInput, ...] = ()) -> None:
        cmd = SetSkuPrices(merchant, sku, "CNY", list_price, tiers=tiers)
        catalog.set_sku_prices(cmd, uow=SqlUnitOfWork(any_engine, clock=clock), cache=cache)

    set_prices("12.30")
    set_prices("11.00", (TierInput(10, "9.50"),))
    with pytest.raises(InvalidTierPricesError):
        set_prices("11.00", (TierInput(10, "19.50"),))  # above the list price: refused
    rows = _rows(any_engine, Topic.PRICE_CHANGED)
    assert len(rows) == 2
    first, second = (r["payload"] for r in rows)
    assert first["previous"] is None
    assert first["prices"]["list_price"] == {"amount": "12.30", "currency": "CNY"}
    assert second["previous"]["list_price"] == {"amount": "12.30", "currency": "CNY"}
    assert second["prices"]["tiers"] == [
        {"min_quantity": 10, "price": {"amount": "9.50", "currency": "CNY"}}
    ]
    assert {(r["key"], r["merchant_id"]) for r in rows} == {(sku, merchant)}
    with any_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbox_events)).scalar_one() == 2
