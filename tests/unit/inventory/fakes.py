"""In-memory fakes of the inventory ports, for fast service tests. Each conditional
method checks its condition and changes the dictionaries in one step, like the SQL."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from types import TracebackType
from typing import Self

from marketplace.events.domain import DomainEvent
from marketplace.inventory.domain import (
    Movement,
    Reservation,
    ReservationStatus,
    StockLevel,
    Warehouse,
    WarehouseCodeTakenError,
)
from marketplace.inventory.ports import PlaceOutcome
from marketplace.shared.clock import Clock

Key = tuple[str, str]


class FakeWarehouses:
    def __init__(self) -> None:
        self.rows: dict[str, Warehouse] = {}
        self.access: set[Key] = set()
        self.merchants: set[str] = set()

    def add(self, warehouse: Warehouse) -> None:
        if any(
            (w.merchant_id, w.code) == (warehouse.merchant_id, warehouse.code)
            for w in self.rows.values()
        ):
            raise WarehouseCodeTakenError("taken")
        self.rows[warehouse.id] = warehouse

    def get(self, warehouse_id: str) -> Warehouse | None:
        return self.rows.get(warehouse_id)

    def update(self, warehouse: Warehouse) -> None:
        self.rows[warehouse.id] = warehouse

    def has_access(self, warehouse_id: str, merchant_id: str) -> bool:
        return (warehouse_id, merchant_id) in self.access

    def grant_access(self, warehouse_id: str, merchant_id: str, *, now: datetime) -> None:
        self.access.add((warehouse_id, merchant_id))

    def revoke_access(self, warehouse_id: str, merchant_id: str) -> bool:
        found = (warehouse_id, merchant_id) in self.access
        self.access.discard((warehouse_id, merchant_id))
        return found

    def merchant_exists(self, merchant_id: str) -> bool:
        return merchant_id in self.merchants


class FakeStock:
    def __init__(self, warehouses: FakeWarehouses) -> None:
        self.warehouses = warehouses
        self.sku_owners: dict[str, str] = {}
        self.levels: dict[Key, tuple[int, int]] = {}
        self.ledger: list[Movement] = []
        self.reservations: dict[str, Reservation] = {}

    def sku_owner(self, sku_id: str) -> str | None:
        return self.sku_owners.get(sku_id)

    def level(self, sku_id: str, warehouse_id: str) -> StockLevel | None:
        row = self.levels.get((sku_id, warehouse_id))
        return StockLevel(sku_id, warehouse_id, *row) if row else None

    def _set(self, sku_id: str, warehouse_id: str, on_hand: int, reserved: int) -> StockLevel:
        assert on_hand >= reserved >= 0, "CHECK constraint"
        self.levels[(sku_id, warehouse_id)] = (on_hand, reserved)
        return StockLevel(sku_id, warehouse_id, on_hand, reserved)

    def receive(
        self, sku_id: str, warehouse_id: str, quantity: int, *, now: datetime
    ) -> StockLevel:
        on_hand, reserved = self.levels.get((sku_id, warehouse_id), (0, 0))
        return self._set(sku_id, warehouse_id, on_hand + quantity, reserved)

    def change_on_hand(
        self, sku_id: str, warehouse_id: str, delta: int, *, now: datetime
    ) -> StockLevel | None:
        row = self.levels.get((sku_id, warehouse_id))
        if row is None or row[0] + delta < row[1]:
            return None
        return self._set(sku_id, warehouse_id, row[0] + delta, row[1])

    def set_on_hand(
        self, sku_id: str, warehouse_id: str, *, expected: int, count: int, now: datetime
    ) -> StockLevel | None:
        on_hand, reserved = self.levels.get((sku_id, warehouse_id), (0, 0))
        if on_hand != expected or count < reserved:
            return None
        return self._set(sku_id, warehouse_id, count, reserved)

    def reserve(
        self, sku_id: str, warehouse_id: str, quantity: int, *, now: datetime
    ) -> StockLevel | None:
        row = self.levels.get((sku_id, warehouse_id))
        warehouse = self.warehouses.rows.get(warehouse_id)
        if row is None or warehouse is None or not warehouse.is_active:
            return None
        if row[0] - row[1] < quantity:
            return None
        return self._set(sku_id, warehouse_id, row[0], row[1] + quantity)

    def unreserve(
        self, sku_id: str, warehouse_id: str, quantity: int, *, now: datetime
    ) -> StockLevel | None:
        row = self.levels.get((sku_id, warehouse_id))
        if row is None or row[1] < quantity:
            return None
        return self._set(sku_id, warehouse_id, row[0], row[1] - quantity)

    def ship(
        self, sku_id: str, warehouse_id: str, quantity: int, *, now: datetime
    ) -> StockLevel | None:
        row = self.levels.get((sku_id, warehouse_id))
        if row is None or row[1] < quantity:
            return None
        return self._set(sku_id, warehouse_id, row[0] - quantity, row[1] - quantity)

    def record(self, movement: Movement) -> None:
        self.ledger.append(dataclasses.replace(movement, id=len(self.ledger) + 1))

    def reservable_warehouses(self, sku_id: str, quantity: int) -> list[str]:
        candidates = [
            w
            for (sku, wh), (on_hand, reserved) in self.levels.items()
            if sku == sku_id
            and on_hand - reserved >= quantity
            and (w := self.warehouses.rows[wh]).is_active
        ]
        return [w.id for w in sorted(candidates, key=lambda w: (w.priority, w.code, w.id))]

    def place(self, reservation: Reservation) -> tuple[PlaceOutcome, StockLevel | None]:
        if self.find_active(reservation.reference, reservation.sku_id, reservation.warehouse_id):
            return PlaceOutcome.DUPLICATE, None
        level = self.reserve(
            reservation.sku_id, reservation.warehouse_id, reservation.quantity,
            now=reservation.created_at,
        )  # fmt: skip
        if level is None:
            return PlaceOutcome.INSUFFICIENT, None
        self.reservations[reservation.id] = reservation
        return PlaceOutcome.PLACED, level

    def get_reservation(self, reservation_id: str) -> Reservation | None:
        return self.reservations.get(reservation_id)

    def find_active(
        self, reference: str, sku_id: str, warehouse_id: str | None
    ) -> Reservation | None:
        for r in self.reservations.values():
            if (r.reference, r.sku_id, r.status) == (reference, sku_id, "active") and (
                warehouse_id is None or r.warehouse_id == warehouse_id
            ):
                return r
        return None

    def finish_reservation(
        self, reservation_id: str, status: ReservationStatus, *, now: datetime
    ) -> Reservation | None:
        r = self.reservations.get(reservation_id)
        if r is None or not r.is_active:
            return None
        self.reservations[r.id] = dataclasses.replace(r, status=status, updated_at=now)
        return self.reservations[r.id]

    def overdue_reservation_ids(self, now: datetime, *, limit: int) -> list[str]:
        due = [r for r in self.reservations.values() if r.is_active and r.expires_at <= now]
        return [r.id for r in sorted(due, key=lambda r: (r.expires_at, r.id))][:limit]


class FakeOutbox:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def add(self, event: DomainEvent) -> None:
        self.events.append(event)


class FakeUnitOfWork:
    """Commits are counted; a block left without commit restores the saved state."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._warehouses = FakeWarehouses()
        self._stock = FakeStock(self._warehouses)
        self._outbox = FakeOutbox()
        self.commits = 0
        self._saved: tuple[object, ...] | None = None

    @property
    def warehouses(self) -> FakeWarehouses:
        return self._warehouses

    @property
    def stock(self) -> FakeStock:
        return self._stock

    @property
    def outbox(self) -> FakeOutbox:
        return self._outbox

    def _snapshot(self) -> tuple[object, ...]:
        w, s = self._warehouses, self._stock
        return (dict(w.rows), set(w.access), dict(s.levels), list(s.ledger),
                dict(s.reservations), list(self._outbox.events))  # fmt: skip

    def _restore(self, saved: tuple[object, ...]) -> None:
        w, s = self._warehouses, self._stock
        w.rows, w.access, s.levels, s.ledger, s.reservations, self._outbox.events = saved  # type: ignore[assignment]

    def __enter__(self) -> Self:
        self._saved = self._snapshot()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._saved is not None:
            self._restore(self._saved)
        self._saved = None

    def commit(self) -> None:
        self.commits += 1
        self._saved = self._snapshot()

    def rollback(self) -> None:
        if self._saved is not None:
            self._restore(self._saved)
