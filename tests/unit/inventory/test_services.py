"""Inventory use cases against in-memory fakes of the ports: the orchestration (checks,
ledger lines, commits, what a refusal leaves behind), without a database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.inventory import services as svc
from marketplace.inventory.domain import (
    AdjustmentReason,
    InsufficientStockError,
    InvalidAdjustmentError,
    InvalidQuantityError,
    InvalidReferenceError,
    MerchantNotFoundError,
    Operator,
    ReservationMismatchError,
    ReservationNotActiveError,
    WarehouseInactiveError,
    WarehouseNotFoundError,
)
from marketplace.shared.clock import FixedClock
from tests.unit.inventory.fakes import FakeUnitOfWork

A = Operator.merchant("mer_a", "usr_a")
PLATFORM = Operator.platform("usr_admin")
SKU = "sku_1"


@pytest.fixture
def uow(clock: FixedClock) -> FakeUnitOfWork:
    uow = FakeUnitOfWork(clock)
    uow.stock.sku_owners[SKU] = "mer_a"
    uow.warehouses.merchants.add("mer_a")
    return uow


def make_warehouse(uow: FakeUnitOfWork, code: str = "HZ", op: Operator = A, **kw: object) -> str:
    cmd = svc.CreateWarehouse(op, code, code, " cn ", "Zhejiang", **kw)  # type: ignore[arg-type]
    return svc.create_warehouse(cmd, uow=uow).id


def test_create_warehouse_normalises_and_commits(uow: FakeUnitOfWork) -> None:
    wh = make_warehouse(uow)
    assert uow.warehouses.rows[wh].country == "CN"
    assert uow.commits == 1


def test_inbound_writes_one_ledger_line_with_the_row_after(uow: FakeUnitOfWork) -> None:
    wh = make_warehouse(uow)
    svc.receive_stock(svc.ReceiveStock(A, SKU, wh, 5, reason=" ", reference="PO"), uow=uow)
    svc.receive_stock(svc.ReceiveStock(A, SKU, wh, 2), uow=uow)
    last = uow.stock.ledger[-1]
    assert (last.kind, last.delta_on_hand, last.on_hand_after, last.actor) == (
        "inbound", 2, 7, "usr_a",
    )  # fmt: skip
    assert uow.stock.ledger[0].reason == "receipt"  # a blank reason falls back


def test_count_records_the_difference_as_delta(uow: FakeUnitOfWork) -> None:
    wh = make_warehouse(uow)
    svc.receive_stock(svc.ReceiveStock(A, SKU, wh, 10), uow=uow)
    cmd = svc.AdjustStock(A, SKU, wh, AdjustmentReason.STOCKTAKE, count=4)
    assert svc.adjust_stock(cmd, uow=uow).on_hand == 4
    assert uow.stock.ledger[-1].delta_on_hand == -6


@pytest.mark.parametrize(
    "kw", [{}, {"delta": 1, "count": 1}, {"delta": 0}, {"count": -1}, {"delta": 10**10}]
)
def test_malformed_adjustments_are_refused(uow: FakeUnitOfWork, kw: dict[str, int]) -> None:
    wh = make_warehouse(uow)
    with pytest.raises((InvalidAdjustmentError, InvalidQuantityError)):
        svc.adjust_stock(svc.AdjustStock(A, SKU, wh, AdjustmentReason.LOSS, **kw), uow=uow)
    assert uow.stock.ledger == []


def test_reserve_uses_default_ttl_and_records_the_reference(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    wh = make_warehouse(uow)
    svc.receive_stock(svc.ReceiveStock(A, SKU, wh, 5), uow=uow)
    r = svc.reserve_stock(
        svc.ReserveStock(A, SKU, 2, " cart-1 "), uow=uow, default_ttl=timedelta(seconds=90)
    )
    assert (r.reference, r.expires_at) == ("cart-1", clock.now() + timedelta(seconds=90))
    move = uow.stock.ledger[-1]
    assert (move.kind, move.reservation_id, move.reserved_after) == ("reserve", r.id, 2)


def test_reserve_refusals_leave_nothing(uow: FakeUnitOfWork) -> None:
    wh = make_warehouse(uow, is_active=False)
    svc.receive_stock(svc.ReceiveStock(A, SKU, wh, 5), uow=uow)
    ledger = list(uow.stock.ledger)
    with pytest.raises(WarehouseInactiveError):
        svc.reserve_stock(svc.ReserveStock(A, SKU, 1, "r", warehouse_id=wh), uow=uow)
    with pytest.raises(InsufficientStockError):
        svc.reserve_stock(svc.ReserveStock(A, SKU, 1, "r"), uow=uow)
    with pytest.raises(InvalidReferenceError):
        svc.reserve_stock(svc.ReserveStock(A, SKU, 1, "  "), uow=uow)
    assert uow.stock.ledger == ledger
    assert uow.stock.reservations == {}


def test_same_key_returns_existing_or_refuses_another_quantity(uow: FakeUnitOfWork) -> None:
    wh = make_warehouse(uow)
    svc.receive_stock(svc.ReceiveStock(A, SKU, wh, 5), uow=uow)
    first = svc.reserve_stock(svc.ReserveStock(A, SKU, 2, "o"), uow=uow)
    assert svc.reserve_stock(svc.ReserveStock(A, SKU, 2, "o"), uow=uow) == first
    with pytest.raises(ReservationMismatchError) as err:
        svc.reserve_stock(svc.ReserveStock(A, SKU, 3, "o"), uow=uow)
    assert err.value.details["reservation_id"] == first.id
    assert uow.stock.levels[(SKU, wh)] == (5, 2)


def test_finishing_twice_is_refused(uow: FakeUnitOfWork) -> None:
    wh = make_warehouse(uow)
    svc.receive_stock(svc.ReceiveStock(A, SKU, wh, 5), uow=uow)
    r = svc.reserve_stock(svc.ReserveStock(A, SKU, 2, "o"), uow=uow)
    svc.commit_reservation(svc.FinishReservation(A, r.id), uow=uow)
    with pytest.raises(ReservationNotActiveError) as err:
        svc.release_reservation(svc.FinishReservation(A, r.id), uow=uow)
    assert err.value.details["reservation_status"] == "committed"
    assert uow.stock.levels[(SKU, wh)] == (3, 0)


def test_platform_warehouse_access_needs_a_real_platform_warehouse_and_merchant(
    uow: FakeUnitOfWork,
) -> None:
    own = make_warehouse(uow)
    platform = make_warehouse(uow, "P", op=PLATFORM)
    with pytest.raises(WarehouseNotFoundError):
        svc.grant_warehouse_access(svc.SetWarehouseAccess(own, "mer_a"), uow=uow)
    with pytest.raises(MerchantNotFoundError):
        svc.grant_warehouse_access(svc.SetWarehouseAccess(platform, "mer_x"), uow=uow)
    svc.grant_warehouse_access(svc.SetWarehouseAccess(platform, "mer_a"), uow=uow)
    assert uow.warehouses.access == {(platform, "mer_a")}


def test_expiry_counts_only_what_it_expired(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    wh = make_warehouse(uow)
    svc.receive_stock(svc.ReceiveStock(A, SKU, wh, 5), uow=uow)
    for i in range(3):
        svc.reserve_stock(svc.ReserveStock(A, SKU, 1, f"o{i}", ttl_seconds=10 * (i + 1)), uow=uow)
    assert svc.expire_reservations(clock.now() + timedelta(seconds=20), uow=uow) == 2
    assert uow.stock.levels[(SKU, wh)] == (5, 1)
    assert [m.kind for m in uow.stock.ledger[-2:]] == ["expire", "expire"]
