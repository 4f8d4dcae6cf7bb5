"""Inventory emits ``stock.changed`` with every ledger line, in the same unit of work
(inventory's in-memory fakes: a refused change leaves neither line nor event)."""

from __future__ import annotations

import pytest

from marketplace.events.domain import Topic
from marketplace.inventory import services as svc
from marketplace.inventory.domain import (
    AdjustmentBelowReservedError,
    AdjustmentReason,
    InsufficientStockError,
    Operator,
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
    return uow


@pytest.fixture
def wh(uow: FakeUnitOfWork) -> str:
    return svc.create_warehouse(svc.CreateWarehouse(A, "HZ", "HZ", "CN", "ZJ"), uow=uow).id


def test_each_stock_change_records_one_event_with_the_levels_after(
    uow: FakeUnitOfWork, wh: str, clock: FixedClock
) -> None:
    svc.receive_stock(svc.ReceiveStock(A, SKU, wh, 5, reference="PO-1"), uow=uow)
    reservation = svc.reserve_stock(svc.ReserveStock(A, SKU, 2, "order-1", wh), uow=uow)
    svc.commit_reservation(svc.FinishReservation(PLATFORM, reservation.id), uow=uow)
    events = uow.outbox.events
    assert [e.topic for e in events] == [Topic.STOCK_CHANGED] * 3
    assert [e.key for e in events] == [SKU] * 3
    assert [e.merchant_id for e in events] == ["mer_a"] * 3  # the platform's commit too
    assert [(e.payload["on_hand"], e.payload["reserved"], e.payload["available"])
            for e in events] == [(5, 0, 5), (5, 2, 3), (3, 0, 3)]  # fmt: skip
    assert [e.payload["change"] for e in events] == ["inbound", "reserve", "commit"]
    assert events[1].payload["reservation_id"] == reservation.id
    assert events[0].payload["reference"] == "PO-1"
    assert {e.occurred_at for e in events} == {clock.now()}
    assert len({e.id for e in events}) == 3
    assert len(uow.stock.ledger) == len(events)


def test_a_refused_change_records_no_event(uow: FakeUnitOfWork, wh: str) -> None:
    svc.receive_stock(svc.ReceiveStock(A, SKU, wh, 2), uow=uow)
    svc.reserve_stock(svc.ReserveStock(A, SKU, 2, "order-1", wh), uow=uow)
    before = list(uow.outbox.events)
    with pytest.raises(InsufficientStockError):
        svc.reserve_stock(svc.ReserveStock(A, SKU, 1, "order-2", wh), uow=uow)
    with pytest.raises(AdjustmentBelowReservedError):
        svc.adjust_stock(svc.AdjustStock(A, SKU, wh, AdjustmentReason.LOSS, delta=-1), uow=uow)
    assert uow.outbox.events == before
    assert len(before) == 2
