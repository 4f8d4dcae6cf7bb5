"""Ports of inventory: the repositories and unit of work the services need.

Every method that changes stock is one atomic conditional statement in the SQL adapter:
it returns the row as it is *after* the change, or ``None`` when the condition did not
hold (nothing changed).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Protocol

from marketplace.events.ports import Outbox
from marketplace.inventory.domain import (
    Movement,
    Reservation,
    ReservationStatus,
    StockLevel,
    Warehouse,
)
from marketplace.shared.ports import UnitOfWork


class PlaceOutcome(Enum):
    PLACED = "placed"
    INSUFFICIENT = "insufficient"  # not enough available, or the warehouse is inactive
    DUPLICATE = "duplicate"  # an active reservation with the same key exists


class WarehouseRepository(Protocol):
    def add(self, warehouse: Warehouse) -> None:
        """Insert; raises WarehouseCodeTakenError when the owner already uses the code."""
        ...

    def get(self, warehouse_id: str) -> Warehouse | None: ...

    def update(self, warehouse: Warehouse) -> None: ...

    def has_access(self, warehouse_id: str, merchant_id: str) -> bool:
        """Whether a merchant may stock a platform warehouse."""
        ...

    def grant_access(self, warehouse_id: str, merchant_id: str, *, now: datetime) -> None: ...

    def revoke_access(self, warehouse_id: str, merchant_id: str) -> bool: ...

    def merchant_exists(self, merchant_id: str) -> bool: ...


class StockRepository(Protocol):
    def sku_owner(self, sku_id: str) -> str | None:
        """The merchant that sells the SKU, or None when there is no such SKU."""
        ...

    def level(self, sku_id: str, warehouse_id: str) -> StockLevel | None: ...

    def receive(
        self, sku_id: str, warehouse_id: str, quantity: int, *, now: datetime
    ) -> StockLevel:
        """on_hand += quantity (quantity > 0), creating the row if needed."""
        ...

    def change_on_hand(
        self, sku_id: str, warehouse_id: str, delta: int, *, now: datetime
    ) -> StockLevel | None:
        """on_hand += delta, only if the result stays >= reserved (and so >= 0)."""
        ...

    def set_on_hand(
        self, sku_id: str, warehouse_id: str, *, expected: int, count: int, now: datetime
    ) -> StockLevel | None:
        """on_hand := count, only if on_hand is still ``expected`` and count >= reserved."""
        ...

    def reserve(
        self, sku_id: str, warehouse_id: str, quantity: int, *, now: datetime
    ) -> StockLevel | None:
        """reserved += quantity, only if that much is available and the warehouse active."""
        ...

    def unreserve(
        self, sku_id: str, warehouse_id: str, quantity: int, *, now: datetime
    ) -> StockLevel | None:
        """reserved -= quantity, only if at least that much is reserved."""
        ...

    def ship(
        self, sku_id: str, warehouse_id: str, quantity: int, *, now: datetime
    ) -> StockLevel | None:
        """on_hand -= quantity and reserved -= quantity: reserved goods leave."""
        ...

    def record(self, movement: Movement) -> None:
        """Append a line to the ledger."""
        ...

    def reservable_warehouses(self, sku_id: str, quantity: int) -> list[str]:
        """Active warehouses holding at least ``quantity`` available, best priority first."""
        ...

    def place(self, reservation: Reservation) -> tuple[PlaceOutcome, StockLevel | None]:
        """Reserve the stock and insert the reservation, both or neither."""
        ...

    def get_reservation(self, reservation_id: str) -> Reservation | None: ...

    def find_active(
        self, reference: str, sku_id: str, warehouse_id: str | None
    ) -> Reservation | None: ...

    def finish_reservation(
        self, reservation_id: str, status: ReservationStatus, *, now: datetime
    ) -> Reservation | None:
        """active -> status, only if it is still active; None when it was not."""
        ...

    def overdue_reservation_ids(self, now: datetime, *, limit: int) -> list[str]: ...


class InventoryUnitOfWork(UnitOfWork, Protocol):
    @property
    def warehouses(self) -> WarehouseRepository: ...

    @property
    def stock(self) -> StockRepository: ...

    @property
    def outbox(self) -> Outbox: ...

    def rollback(self) -> None: ...
