"""Reservations placed and finished inside a caller's open unit of work.

Checkout and payments hold, commit and release stock in the same transaction as their
own changes (an order and its reservations exist together or not at all), so these
functions neither open nor commit the unit of work. Each stock change is still one
atomic conditional statement, and each writes its movement line.
"""

from __future__ import annotations

from datetime import datetime

from marketplace.inventory.domain import (
    Movement,
    MovementKind,
    Reservation,
    ReservationStatus,
)
from marketplace.inventory.ports import InventoryUnitOfWork, PlaceOutcome
from marketplace.inventory.services.ledger import record_movement
from marketplace.inventory.services.reservations import _finish
from marketplace.shared.ids import new_id


def place_hold(
    uow: InventoryUnitOfWork,
    *,
    sku_id: str,
    warehouse_id: str,
    quantity: int,
    reference: str,
    expires_at: datetime,
    actor: str,
    now: datetime,
    merchant_id: str | None = None,
) -> Reservation | None:
    """Reserve ``quantity`` in one warehouse; None when it is not available (or the
    warehouse is inactive, or this reference already holds the SKU there)."""
    reservation = Reservation(
        id=new_id("rsv"), sku_id=sku_id, warehouse_id=warehouse_id, quantity=quantity,
        status=ReservationStatus.ACTIVE, reference=reference, expires_at=expires_at,
        created_at=now, updated_at=now,
    )  # fmt: skip
    outcome, level = uow.stock.place(reservation)
    if outcome is not PlaceOutcome.PLACED or level is None:
        return None
    record_movement(
        uow,
        Movement.of(
            level, MovementKind.RESERVE, delta_on_hand=0, delta_reserved=quantity,
            reason="reserved", reference=reference, reservation_id=reservation.id,
            at=now, actor=actor,
        ),
        merchant_id=merchant_id,
    )  # fmt: skip
    return reservation


def commit_hold(
    uow: InventoryUnitOfWork, reservation_id: str, *, actor: str, now: datetime,
    merchant_id: str | None = None,
) -> Reservation | None:  # fmt: skip
    """The held goods are sold: on hand and reserved both drop. None if not active."""
    return _finish(uow, reservation_id, ReservationStatus.COMMITTED, actor=actor, now=now,
                   merchant_id=merchant_id)  # fmt: skip


def release_hold(
    uow: InventoryUnitOfWork, reservation_id: str, *, actor: str, now: datetime,
    merchant_id: str | None = None,
) -> Reservation | None:  # fmt: skip
    """Give the held stock back. None if the reservation was no longer active."""
    return _finish(uow, reservation_id, ReservationStatus.RELEASED, actor=actor, now=now,
                   merchant_id=merchant_id)  # fmt: skip


def restock(
    uow: InventoryUnitOfWork,
    *,
    sku_id: str,
    warehouse_id: str,
    quantity: int,
    reason: str,
    reference: str,
    actor: str,
    now: datetime,
) -> None:
    """Put sold goods back on hand (a refund before shipment, a return received)."""
    level = uow.stock.receive(sku_id, warehouse_id, quantity, now=now)
    record_movement(
        uow,
        Movement.of(
            level, MovementKind.INBOUND, delta_on_hand=quantity, delta_reserved=0,
            reason=reason, reference=reference, reservation_id=None, at=now, actor=actor,
        )
    )  # fmt: skip
