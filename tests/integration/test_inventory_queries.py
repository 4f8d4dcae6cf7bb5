"""The read side of inventory on both databases: lists with filters and keyset pages,
public availability, the ledger and reservations by reference."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from marketplace.db.uow import SqlUnitOfWork
from marketplace.inventory import queries
from marketplace.inventory import services as svc
from marketplace.inventory.domain import MovementKind, Operator
from marketplace.shared.clock import FixedClock
from tests.integration.inventory_seed import SeededProduct, seed_merchant, seed_product

PLATFORM = Operator.platform("user:admin")


@dataclass
class Stocked:
    engine: Engine
    op: Operator
    product: SeededProduct
    near: str  # priority 1
    far: str  # priority 5
    platform: str  # granted platform warehouse
    other_merchant: str


@pytest.fixture
def stocked(any_engine: Engine, clock: FixedClock) -> Stocked:
    """Merchant with 3 SKUs: sku0 10 near + 4 far (3 reserved near), sku1 2 near,
    sku2 1 in the platform warehouse; another merchant with its own stock."""
    op = Operator.merchant(seed_merchant(any_engine), "user:m")
    product = seed_product(any_engine, op.merchant_id or "", sku_count=3)
    uow = SqlUnitOfWork(any_engine, clock=clock)

    def warehouse(owner: Operator, code: str, priority: int) -> str:
        cmd = svc.CreateWarehouse(owner, code, code, "CN", "Z", priority=priority)
        return svc.create_warehouse(cmd, uow=uow).id

    near, far = warehouse(op, "NEAR", 1), warehouse(op, "FAR", 5)
    platform = warehouse(PLATFORM, "PLAT", 3)
    warehouse(PLATFORM, "PLAT-UNUSED", 4)
    svc.grant_warehouse_access(svc.SetWarehouseAccess(platform, op.merchant_id or ""), uow=uow)
    s0, s1, s2 = product.sku_ids
    for sku, wh, q in [(s0, near, 10), (s0, far, 4), (s1, near, 2), (s2, platform, 1)]:
        svc.receive_stock(svc.ReceiveStock(op, sku, wh, q, reference=f"PO-{q}"), uow=uow)
    svc.reserve_stock(svc.ReserveStock(op, s0, 3, "order-1"), uow=uow)

    other = Operator.merchant(seed_merchant(any_engine), "user:o")
    other_sku = seed_product(any_engine, other.merchant_id or "").sku_ids[0]
    other_wh = warehouse(other, "NEAR", 1)
    svc.receive_stock(svc.ReceiveStock(other, other_sku, other_wh, 9), uow=uow)
    return Stocked(any_engine, op, product, near, far, platform, other.merchant_id or "")


def test_list_warehouses_for_merchant_and_platform(stocked: Stocked) -> None:
    mine = queries.list_warehouses(stocked.engine, merchant_id=stocked.op.merchant_id)
    assert [w.code for w in mine.items] == ["NEAR", "PLAT", "FAR"]  # by priority
    first = queries.list_warehouses(stocked.engine, merchant_id=stocked.op.merchant_id, limit=2)
    assert first.has_more
    last = first.items[-1]
    rest = queries.list_warehouses(
        stocked.engine, merchant_id=stocked.op.merchant_id, after=(last.priority, last.id)
    )
    assert [w.code for w in rest.items] == ["FAR"]
    assert not rest.has_more
    platform = queries.list_warehouses(stocked.engine, merchant_id=None)
    assert [w.code for w in platform.items] == ["PLAT", "PLAT-UNUSED"]


def test_list_stock_filters_and_pages(stocked: Stocked) -> None:
    s0, s1, s2 = stocked.product.sku_ids
    everything = queries.list_stock(stocked.engine, merchant_id=stocked.op.merchant_id or "")
    assert {(v.sku_id, v.warehouse_id, v.on_hand, v.reserved) for v in everything.items} == {
        (s0, stocked.near, 10, 3), (s0, stocked.far, 4, 0), (s1, stocked.near, 2, 0),
        (s2, stocked.platform, 1, 0),
    }  # fmt: skip
    low = queries.list_stock(
        stocked.engine, merchant_id=stocked.op.merchant_id or "", low_stock_threshold=2
    )
    assert {(v.sku_id, v.available) for v in low.items} == {(s1, 2), (s2, 1)}
    only = queries.list_stock(
        stocked.engine,
        merchant_id=stocked.op.merchant_id or "",
        sku_id=s0,
        warehouse_id=stocked.near,
    )
    assert [(v.available, v.warehouse_code) for v in only.items] == [(7, "NEAR")]

    seen, after = [], None
    while True:
        page = queries.list_stock(
            stocked.engine, merchant_id=stocked.op.merchant_id or "", limit=3, after=after
        )
        seen += [(v.sku_id, v.warehouse_id) for v in page.items]
        if not page.has_more:
            break
        after = seen[-1]
    assert seen == sorted((v.sku_id, v.warehouse_id) for v in everything.items)


def test_availability_sums_active_warehouses(stocked: Stocked) -> None:
    s0, s1, s2 = stocked.product.sku_ids
    assert queries.sku_availability(stocked.engine, s0).available == 11  # type: ignore[union-attr]
    svc.update_warehouse(
        svc.UpdateWarehouse(stocked.op, stocked.far, {"is_active": False}),
        uow=SqlUnitOfWork(stocked.engine),
    )
    product = queries.product_availability(stocked.engine, stocked.product.product_id)
    assert product is not None
    assert {(s.sku_id, s.available) for s in product.skus} == {(s0, 7), (s1, 2), (s2, 1)}
    assert product.available == 10
    assert queries.sku_availability(stocked.engine, "sku_nope") is None
    assert queries.product_availability(stocked.engine, "prod_nope") is None


def test_product_without_stock_has_zero_per_sku(stocked: Stocked) -> None:
    empty = seed_product(stocked.engine, stocked.op.merchant_id or "", sku_count=2)
    product = queries.product_availability(stocked.engine, empty.product_id)
    assert product is not None
    assert [s.available for s in product.skus] == [0, 0]
    assert not product.skus[0].is_in_stock


def test_movements_newest_first_with_filters_and_keyset(stocked: Stocked) -> None:
    merchant_id = stocked.op.merchant_id or ""
    s0 = stocked.product.sku_ids[0]
    ledger = queries.list_movements(stocked.engine, merchant_id=merchant_id)
    assert [m.kind for m in ledger.items] == ["reserve"] + ["inbound"] * 4
    assert [m.id for m in ledger.items] == sorted((m.id or 0 for m in ledger.items), reverse=True)
    first = queries.list_movements(stocked.engine, merchant_id=merchant_id, limit=2)
    older = queries.list_movements(
        stocked.engine, merchant_id=merchant_id, before_id=first.items[-1].id
    )
    assert [m.id for m in first.items + older.items] == [m.id for m in ledger.items]
    filtered = queries.list_movements(
        stocked.engine, merchant_id=merchant_id, sku_id=s0, kind=MovementKind.INBOUND
    )
    assert sorted(m.delta_on_hand for m in filtered.items) == [4, 10]
    other = queries.list_movements(stocked.engine, merchant_id=stocked.other_merchant)
    assert [m.delta_on_hand for m in other.items] == [9]


def test_reservations_by_reference_are_scoped_to_the_merchant(stocked: Stocked) -> None:
    merchant_id = stocked.op.merchant_id or ""
    found = queries.reservations_by_reference(
        stocked.engine, merchant_id=merchant_id, reference="order-1"
    )
    assert [(r.quantity, r.warehouse_id, r.status) for r in found] == [(3, stocked.near, "active")]
    assert (
        queries.reservations_by_reference(
            stocked.engine, merchant_id=stocked.other_merchant, reference="order-1"
        )
        == []
    )
