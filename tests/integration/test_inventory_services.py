"""Inventory use cases on both databases: warehouses, inbound, adjustments, reservations,
expiry, ownership. Each refusal checks its error code and that nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from marketplace.db.uow import SqlUnitOfWork
from marketplace.inventory import services as svc
from marketplace.inventory.domain import (
    AdjustmentBelowReservedError,
    AdjustmentReason,
    InsufficientStockError,
    InvalidWarehouseError,
    Operator,
    Reservation,
    ReservationExpiredError,
    ReservationMismatchError,
    ReservationNotActiveError,
    ReservationNotFoundError,
    ReservationStatus,
    SkuNotFoundError,
    StockLevel,
    WarehouseCodeTakenError,
    WarehouseInactiveError,
    WarehouseNotFoundError,
)
from marketplace.shared.clock import FixedClock
from tests.integration.inventory_seed import (
    assert_stock_consistent,
    count_rows,
    seed_merchant,
    seed_sku,
    stock_row,
)

PLATFORM = Operator.platform("user:admin")


@dataclass
class World:
    engine: Engine
    clock: FixedClock
    a: Operator  # merchant A
    b: Operator  # merchant B
    sku_a: str
    sku_b: str
    wh_a: str  # A's warehouse, priority 10
    wh_b: str  # B's warehouse
    wh_p: str  # a platform warehouse

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, clock=self.clock)

    def receive(self, quantity: int, *, sku: str | None = None, wh: str | None = None) -> None:
        svc.receive_stock(
            svc.ReceiveStock(self.a, sku or self.sku_a, wh or self.wh_a, quantity), uow=self.uow()
        )

    def reserve(self, quantity: int, reference: str = "order-1", **kw: object) -> Reservation:
        cmd = svc.ReserveStock(self.a, self.sku_a, quantity, reference, **kw)  # type: ignore[arg-type]
        return svc.reserve_stock(cmd, uow=self.uow())


@pytest.fixture
def world(any_engine: Engine, clock: FixedClock) -> World:
    a = Operator.merchant(seed_merchant(any_engine), "user:alice")
    b = Operator.merchant(seed_merchant(any_engine), "user:bob")
    uow = SqlUnitOfWork(any_engine, clock=clock)

    def warehouse(op: Operator, code: str, priority: int) -> str:
        cmd = svc.CreateWarehouse(op, code, f"{code} hall", "CN", "Zhejiang", priority=priority)
        return svc.create_warehouse(cmd, uow=uow).id

    return World(
        engine=any_engine, clock=clock, a=a, b=b,
        sku_a=seed_sku(any_engine, a.merchant_id or ""),
        sku_b=seed_sku(any_engine, b.merchant_id or ""),
        wh_a=warehouse(a, "HZ-1", 10), wh_b=warehouse(b, "HZ-1", 10),
        wh_p=warehouse(PLATFORM, "PLAT-1", 50),
    )  # fmt: skip


# -- warehouses ---------------------------------------------------------------------
def test_warehouse_codes_are_unique_per_owner(world: World) -> None:
    before = world.uow()
    for op, code in [(world.a, "HZ-1"), (PLATFORM, "PLAT-1")]:
        with pytest.raises(WarehouseCodeTakenError) as err:
            svc.create_warehouse(svc.CreateWarehouse(op, code, "x", "CN", "Z"), uow=before)
        assert err.value.code == "warehouse_code_taken"
    # Merchant B used "HZ-1" too (in the fixture): codes are per owner.
    with world.uow() as uow:
        assert uow.warehouses.get(world.wh_b).code == "HZ-1"  # type: ignore[union-attr]


def test_invalid_warehouse_fields_are_refused(world: World) -> None:
    with pytest.raises(InvalidWarehouseError) as err:
        svc.create_warehouse(svc.CreateWarehouse(world.a, "X", "x", "China", "Z"), uow=world.uow())
    assert err.value.details["field"] == "country"


def test_update_and_deactivate_own_warehouse_only(world: World) -> None:
    cmd = svc.UpdateWarehouse(world.a, world.wh_a, {"name": "Main", "is_active": False})
    updated = svc.update_warehouse(cmd, uow=world.uow())
    assert (updated.name, updated.is_active) == ("Main", False)
    for op, wh in [(world.b, world.wh_a), (world.a, world.wh_p), (PLATFORM, world.wh_a)]:
        with pytest.raises(WarehouseNotFoundError):
            svc.update_warehouse(svc.UpdateWarehouse(op, wh, {"name": "Hijack"}), uow=world.uow())
    with world.uow() as uow:
        assert uow.warehouses.get(world.wh_a).name == "Main"  # type: ignore[union-attr]
        assert uow.warehouses.get(world.wh_p).name == "PLAT-1 hall"  # type: ignore[union-attr]


def test_code_cannot_be_changed(world: World) -> None:
    with pytest.raises(InvalidWarehouseError):
        svc.update_warehouse(
            svc.UpdateWarehouse(world.a, world.wh_a, {"code": "NEW"}), uow=world.uow()
        )


# -- inbound and ownership ---------------------------------------------------------------
def test_inbound_creates_then_adds_and_writes_the_ledger(world: World) -> None:
    world.receive(5)
    world.receive(7)
    assert stock_row(world.engine, world.sku_a, world.wh_a) == (12, 0)
    assert count_rows(world.engine, "stock_movements") == 2
    assert_stock_consistent(world.engine)


@pytest.mark.parametrize(
    ("who", "sku", "wh", "error"),
    [
        ("a", "sku_b", "wh_a", SkuNotFoundError),  # another merchant's SKU
        ("a", "sku_a", "wh_b", WarehouseNotFoundError),  # another merchant's warehouse
        ("a", "sku_a", "wh_p", WarehouseNotFoundError),  # platform, not granted
        ("platform", "sku_a", "wh_a", WarehouseNotFoundError),  # platform in a merchant's
        ("a", "sku_nope", "wh_a", SkuNotFoundError),
        ("a", "sku_a", "wh_nope", WarehouseNotFoundError),
    ],
)
def test_inbound_outside_ownership_is_not_found_and_changes_nothing(
    world: World, who: str, sku: str, wh: str, error: type[Exception]
) -> None:
    op = PLATFORM if who == "platform" else world.a
    sku_id = getattr(world, sku, sku)
    wh_id = getattr(world, wh, wh)
    with pytest.raises(error):
        svc.receive_stock(svc.ReceiveStock(op, sku_id, wh_id, 3), uow=world.uow())
    assert count_rows(world.engine, "stock_levels") == 0
    assert count_rows(world.engine, "stock_movements") == 0


def test_granted_platform_warehouse_can_be_stocked_until_revoked(world: World) -> None:
    access = svc.SetWarehouseAccess(world.wh_p, world.a.merchant_id or "")
    svc.grant_warehouse_access(access, uow=world.uow())
    svc.grant_warehouse_access(access, uow=world.uow())  # twice is harmless
    world.receive(4, wh=world.wh_p)
    svc.receive_stock(svc.ReceiveStock(PLATFORM, world.sku_b, world.wh_p, 2), uow=world.uow())
    assert stock_row(world.engine, world.sku_a, world.wh_p) == (4, 0)
    svc.revoke_warehouse_access(access, uow=world.uow())
    with pytest.raises(WarehouseNotFoundError):
        world.receive(1, wh=world.wh_p)
    assert stock_row(world.engine, world.sku_a, world.wh_p) == (4, 0)
    # The stock that is there can still be reserved.
    assert world.reserve(4, warehouse_id=world.wh_p).warehouse_id == world.wh_p


# -- adjustments --------------------------------------------------------------------------
def adjust(world: World, **kw: object) -> StockLevel:
    cmd = svc.AdjustStock(world.a, world.sku_a, world.wh_a, **kw)  # type: ignore[arg-type]
    return svc.adjust_stock(cmd, uow=world.uow())


def test_adjustments_by_delta_and_by_count(world: World) -> None:
    world.receive(10)
    assert adjust(world, reason=AdjustmentReason.DAMAGE, delta=-3).on_hand == 7
    assert adjust(world, reason=AdjustmentReason.FOUND, delta=2).on_hand == 9
    level = adjust(world, reason=AdjustmentReason.STOCKTAKE, count=4, reference="count-7")
    assert (level.on_hand, level.reserved) == (4, 0)
    assert_stock_consistent(world.engine)


def test_count_creates_a_missing_row(world: World) -> None:
    level = adjust(world, reason=AdjustmentReason.STOCKTAKE, count=6)
    assert level.on_hand == 6
    assert_stock_consistent(world.engine)


@pytest.mark.parametrize(
    ("kw", "error", "code"),
    [
        ({"delta": -11}, InsufficientStockError, "insufficient_stock"),
        ({"delta": -7}, AdjustmentBelowReservedError, "adjustment_below_reserved"),
        ({"count": 3}, AdjustmentBelowReservedError, "adjustment_below_reserved"),
    ],
)
def test_adjustment_below_reserved_or_zero_is_refused(
    world: World, kw: dict[str, int], error: type[Exception], code: str
) -> None:
    world.receive(10)
    world.reserve(4)
    movements = count_rows(world.engine, "stock_movements")
    with pytest.raises(error) as err:
        adjust(world, reason=AdjustmentReason.LOSS, **kw)
    assert err.value.code == code  # type: ignore[attr-defined]
    assert stock_row(world.engine, world.sku_a, world.wh_a) == (10, 4)
    assert count_rows(world.engine, "stock_movements") == movements


def test_negative_delta_on_missing_row_is_insufficient(world: World) -> None:
    with pytest.raises(InsufficientStockError):
        adjust(world, reason=AdjustmentReason.LOSS, delta=-1)
    assert count_rows(world.engine, "stock_levels") == 0


# -- reservations -------------------------------------------------------------------------
def test_reserve_release_commit(world: World) -> None:
    world.receive(10)
    r1 = world.reserve(3, "order-1", warehouse_id=world.wh_a)
    r2 = world.reserve(2, "order-2")
    assert r1.expires_at == world.clock.now() + timedelta(minutes=15)
    assert stock_row(world.engine, world.sku_a, world.wh_a) == (10, 5)
    released = svc.release_reservation(svc.FinishReservation(world.a, r1.id), uow=world.uow())
    committed = svc.commit_reservation(svc.FinishReservation(world.a, r2.id), uow=world.uow())
    assert (released.status, committed.status) == ("released", "committed")
    assert stock_row(world.engine, world.sku_a, world.wh_a) == (8, 0)
    for finish in (svc.release_reservation, svc.commit_reservation):
        for rid in (r1.id, r2.id):
            with pytest.raises(ReservationNotActiveError):
                finish(svc.FinishReservation(world.a, rid), uow=world.uow())
    assert stock_row(world.engine, world.sku_a, world.wh_a) == (8, 0)
    assert_stock_consistent(world.engine)


def test_same_reference_returns_the_same_reservation(world: World) -> None:
    world.receive(10)
    first = world.reserve(3, "cart-9", warehouse_id=world.wh_a)
    again = world.reserve(3, "cart-9", warehouse_id=world.wh_a)
    auto = world.reserve(3, "cart-9")
    assert first.id == again.id == auto.id
    with pytest.raises(ReservationMismatchError):
        world.reserve(4, "cart-9", warehouse_id=world.wh_a)
    assert stock_row(world.engine, world.sku_a, world.wh_a) == (10, 3)
    assert count_rows(world.engine, "reservations") == 1


def test_same_reference_after_release_reserves_anew(world: World) -> None:
    world.receive(10)
    first = world.reserve(3, "cart-9")
    svc.release_reservation(svc.FinishReservation(world.a, first.id), uow=world.uow())
    assert world.reserve(3, "cart-9").id != first.id


def test_insufficient_and_inactive_are_refused_and_change_nothing(world: World) -> None:
    world.receive(2)
    with pytest.raises(InsufficientStockError) as err:
        world.reserve(3, warehouse_id=world.wh_a)
    assert err.value.details["available"] == 2
    with pytest.raises(InsufficientStockError):
        world.reserve(3)
    svc.update_warehouse(
        svc.UpdateWarehouse(world.a, world.wh_a, {"is_active": False}), uow=world.uow()
    )
    with pytest.raises(WarehouseInactiveError):
        world.reserve(1, warehouse_id=world.wh_a)
    with pytest.raises(InsufficientStockError):
        world.reserve(1)
    assert stock_row(world.engine, world.sku_a, world.wh_a) == (2, 0)
    assert count_rows(world.engine, "reservations") == 0


def test_auto_pick_takes_the_best_priority_with_enough_stock(world: World) -> None:
    second = svc.create_warehouse(
        svc.CreateWarehouse(world.a, "SH-1", "Shanghai", "CN", "Shanghai", priority=1),
        uow=world.uow(),
    ).id
    world.receive(10)  # wh_a, priority 10
    world.receive(2, wh=second)  # priority 1, but small
    assert world.reserve(2, "o-1").warehouse_id == second
    assert world.reserve(2, "o-2").warehouse_id == world.wh_a  # second is now empty
    assert_stock_consistent(world.engine)


def test_other_merchants_cannot_touch_reservations_or_sku(world: World) -> None:
    world.receive(5)
    r = world.reserve(2)
    for finish in (svc.release_reservation, svc.commit_reservation):
        with pytest.raises(ReservationNotFoundError):
            finish(svc.FinishReservation(world.b, r.id), uow=world.uow())
    with pytest.raises(SkuNotFoundError):
        svc.reserve_stock(svc.ReserveStock(world.b, world.sku_a, 1, "x"), uow=world.uow())
    with pytest.raises(WarehouseNotFoundError):
        svc.reserve_stock(
            svc.ReserveStock(world.a, world.sku_a, 1, "x", warehouse_id=world.wh_b),
            uow=world.uow(),
        )
    assert stock_row(world.engine, world.sku_a, world.wh_a) == (5, 2)


# -- expiry -------------------------------------------------------------------------------
def test_expire_reservations_expires_only_overdue_ones(world: World) -> None:
    world.receive(10)
    short = world.reserve(3, "short", ttl_seconds=60)
    long = world.reserve(2, "long", ttl_seconds=3600)
    world.clock.advance(timedelta(seconds=61))
    assert svc.expire_reservations(world.clock.now(), uow=world.uow()) == 1
    assert svc.expire_reservations(world.clock.now(), uow=world.uow()) == 0
    with world.uow() as uow:
        assert uow.stock.get_reservation(short.id).status is ReservationStatus.EXPIRED  # type: ignore[union-attr]
        assert uow.stock.get_reservation(long.id).status is ReservationStatus.ACTIVE  # type: ignore[union-attr]
    assert stock_row(world.engine, world.sku_a, world.wh_a) == (10, 2)
    assert_stock_consistent(world.engine)


def test_expire_in_small_batches(world: World) -> None:
    world.receive(10)
    for i in range(5):
        world.reserve(1, f"o-{i}", ttl_seconds=1)
    world.clock.advance(timedelta(seconds=5))
    assert svc.expire_reservations(world.clock.now(), uow=world.uow(), batch_size=2) == 5
    assert stock_row(world.engine, world.sku_a, world.wh_a) == (10, 0)


def test_commit_past_expiry_is_refused_but_release_works(world: World) -> None:
    world.receive(10)
    r = world.reserve(3, ttl_seconds=60)
    world.clock.advance(timedelta(seconds=60))
    with pytest.raises(ReservationExpiredError):
        svc.commit_reservation(svc.FinishReservation(world.a, r.id), uow=world.uow())
    assert stock_row(world.engine, world.sku_a, world.wh_a) == (10, 3)
    svc.release_reservation(svc.FinishReservation(world.a, r.id), uow=world.uow())
    assert stock_row(world.engine, world.sku_a, world.wh_a) == (10, 0)


def test_same_reference_past_expiry_expires_the_old_one_and_reserves_anew(world: World) -> None:
    world.receive(10)
    old = world.reserve(3, "cart", ttl_seconds=60)
    world.clock.advance(timedelta(seconds=61))
    new = world.reserve(3, "cart")
    assert new.id != old.id
    with world.uow() as uow:
        assert uow.stock.get_reservation(old.id).status == "expired"  # type: ignore[union-attr]
    assert stock_row(world.engine, world.sku_a, world.wh_a) == (10, 3)
    assert_stock_consistent(world.engine)
