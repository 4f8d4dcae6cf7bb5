"""Reservations: reserve, release, commit and expire, each state change exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta

from marketplace.inventory.commands import (
    FinishReservation,
    ReserveStock,
)
from marketplace.inventory.domain import (
    DEFAULT_RESERVATION_TTL,
    RESERVATION_EXIT,
    InsufficientStockError,
    InvalidReferenceError,
    Movement,
    MovementKind,
    Reservation,
    ReservationExpiredError,
    ReservationMismatchError,
    ReservationNotActiveError,
    ReservationNotFoundError,
    ReservationStatus,
    WarehouseInactiveError,
    require_quantity,
    reservation_ttl,
)
from marketplace.inventory.ports import InventoryUnitOfWork, PlaceOutcome
from marketplace.inventory.services.ledger import record_movement
from marketplace.inventory.services.ownership import (
    check_reservable_warehouse,
    check_sku,
    may_touch,
)
from marketplace.shared.ids import new_id

EXPIRY_ACTOR = "system:reservation-expiry"


def reserve_stock(
    cmd: ReserveStock,
    *,
    uow: InventoryUnitOfWork,
    default_ttl: timedelta = DEFAULT_RESERVATION_TTL,
) -> Reservation:
    """Hold stock for a reference (order, cart). Asking again with the same reference,
    SKU and warehouse while that reservation is active returns it unchanged."""
    quantity = require_quantity(cmd.quantity)
    ttl = reservation_ttl(cmd.ttl_seconds, default_ttl)
    reference = cmd.reference.strip()
    if not reference or len(reference) > 200:
        raise InvalidReferenceError("A reservation needs a reference of 1-200 characters.")
    with uow:
        check_sku(uow, cmd.operator, cmd.sku_id)
        if cmd.warehouse_id is not None:
            check_reservable_warehouse(uow, cmd.operator, cmd.warehouse_id)
        now = uow.clock.now()
        reservation = _existing_or_placed(uow, cmd, reference, quantity, now + ttl, now)
        uow.commit()
    if reservation is None:
        raise _why_not_reserved(uow, cmd, quantity)
    return _same_or_mismatch(reservation, quantity)


def _existing_or_placed(
    uow: InventoryUnitOfWork,
    cmd: ReserveStock,
    reference: str,
    quantity: int,
    expires_at: datetime,
    now: datetime,
) -> Reservation | None:
    """The live reservation for this key, or a new one, or None if no stock."""
    existing = uow.stock.find_active(reference, cmd.sku_id, cmd.warehouse_id)
    if existing is not None and not existing.is_past_expiry(now):
        return existing
    if existing is not None:
        _finish(uow, existing.id, ReservationStatus.EXPIRED, actor=EXPIRY_ACTOR, now=now)
        uow.commit()  # its own transaction: never hold two stock rows at once
    candidates = (
        [cmd.warehouse_id]
        if cmd.warehouse_id is not None
        else uow.stock.reservable_warehouses(cmd.sku_id, quantity)
    )
    for warehouse_id in candidates:
        reservation = Reservation(
            id=new_id("rsv"), sku_id=cmd.sku_id, warehouse_id=warehouse_id, quantity=quantity,
            status=ReservationStatus.ACTIVE, reference=reference, expires_at=expires_at,
            created_at=now, updated_at=now,
        )  # fmt: skip
        outcome, level = uow.stock.place(reservation)
        if outcome is PlaceOutcome.DUPLICATE:
            # A concurrent twin committed first; its reservation is the answer.
            duplicate = uow.stock.find_active(reference, cmd.sku_id, warehouse_id)
            if duplicate is not None:
                return duplicate
            outcome, level = uow.stock.place(reservation)
        if outcome is PlaceOutcome.PLACED and level is not None:
            record_movement(
                uow,
                Movement.of(
                    level, MovementKind.RESERVE, delta_on_hand=0, delta_reserved=quantity,
                    reason="reserved", reference=reference, reservation_id=reservation.id,
                    at=now, actor=cmd.operator.actor,
                ),
                merchant_id=cmd.operator.merchant_id,
            )  # fmt: skip
            return reservation
    return None


def _same_or_mismatch(existing: Reservation, quantity: int) -> Reservation:
    if existing.quantity != quantity:
        raise ReservationMismatchError(
            f"This reference already holds {existing.quantity} of the SKU here "
            f"(reservation {existing.id}); release it before asking for {quantity}.",
            reservation_id=existing.id,
        )
    return existing


def _why_not_reserved(uow: InventoryUnitOfWork, cmd: ReserveStock, quantity: int) -> Exception:
    """Read, after the atomic statements refused, only to explain the refusal."""
    if cmd.warehouse_id is None:
        return InsufficientStockError(
            f"No active warehouse has {quantity} available.", sku_id=cmd.sku_id
        )
    with uow:
        warehouse = uow.warehouses.get(cmd.warehouse_id)
        level = uow.stock.level(cmd.sku_id, cmd.warehouse_id)
    if warehouse is not None and not warehouse.is_active:
        return WarehouseInactiveError(
            "The warehouse is deactivated and takes no new reservations.",
            warehouse_id=cmd.warehouse_id,
        )
    available = level.available if level else 0
    return InsufficientStockError(
        f"Only {available} available; {quantity} requested.",
        sku_id=cmd.sku_id, warehouse_id=cmd.warehouse_id, available=available,
    )  # fmt: skip


def release_reservation(cmd: FinishReservation, *, uow: InventoryUnitOfWork) -> Reservation:
    """Give the held stock back."""
    return _finish_one(cmd, ReservationStatus.RELEASED, uow=uow)


def commit_reservation(cmd: FinishReservation, *, uow: InventoryUnitOfWork) -> Reservation:
    """The goods leave: on hand and reserved both drop. Refused once past expiry."""
    return _finish_one(cmd, ReservationStatus.COMMITTED, uow=uow)


def expire_reservations(now: datetime, *, uow: InventoryUnitOfWork, batch_size: int = 200) -> int:
    """Expire every active reservation past its expiry; returns how many this call did.

    One short transaction per reservation, each a conditional status change, so two
    workers may run this at once and a reservation still expires exactly once.
    """
    expired = 0
    with uow:
        while True:
            ids = uow.stock.overdue_reservation_ids(now, limit=batch_size)
            won = 0
            for reservation_id in ids:
                if _finish(uow, reservation_id, ReservationStatus.EXPIRED,
                           actor=EXPIRY_ACTOR, now=now) is not None:  # fmt: skip
                    won += 1
                uow.commit()
            expired += won
            # A short batch is the last one; a batch another worker took entirely is
            # left to that worker.
            if len(ids) < batch_size or won == 0:
                return expired


def _finish_one(
    cmd: FinishReservation, status: ReservationStatus, *, uow: InventoryUnitOfWork
) -> Reservation:
    with uow:
        reservation = uow.stock.get_reservation(cmd.reservation_id)
        if reservation is None or not may_touch(uow, cmd.operator, reservation):
            raise ReservationNotFoundError(
                "No such reservation.", reservation_id=cmd.reservation_id
            )
        now = uow.clock.now()
        is_late = reservation.is_active and reservation.is_past_expiry(now)
        if status is ReservationStatus.COMMITTED and is_late:
            raise ReservationExpiredError(
                "The reservation is past its expiry and can no longer be committed.",
                reservation_id=reservation.id,
            )
        finished = _finish(uow, reservation.id, status, actor=cmd.operator.actor, now=now)
        if finished is None:
            current = uow.stock.get_reservation(reservation.id) or reservation
            raise ReservationNotActiveError(
                f"The reservation is already {current.status}.",
                reservation_id=current.id,
                reservation_status=str(current.status),
            )
        uow.commit()
    return finished


def _finish(
    uow: InventoryUnitOfWork,
    reservation_id: str,
    status: ReservationStatus,
    *,
    actor: str,
    now: datetime,
    merchant_id: str | None = None,
) -> Reservation | None:
    """Move an active reservation to ``status`` and its stock with it; None if it was no
    longer active (another caller got there first; nothing changed). ``merchant_id``: the
    SKU's seller when the caller knows it (saves looking it up for the event)."""
    finished = uow.stock.finish_reservation(reservation_id, status, now=now)
    if finished is None:
        return None
    kind = RESERVATION_EXIT[status]
    q = finished.quantity
    if kind is MovementKind.COMMIT:
        level = uow.stock.ship(finished.sku_id, finished.warehouse_id, q, now=now)
    else:
        level = uow.stock.unreserve(finished.sku_id, finished.warehouse_id, q, now=now)
    if level is None:
        # reserved always covers the active reservations; reaching here is a bug.
        raise RuntimeError(f"stock row does not cover reservation {finished.id}")
    record_movement(
        uow,
        Movement.of(
            level, kind, delta_on_hand=-q if kind is MovementKind.COMMIT else 0,
            delta_reserved=-q, reason=str(status), reference=finished.reference,
            reservation_id=finished.id, at=now, actor=actor,
        ),
        merchant_id=merchant_id,
    )  # fmt: skip
    return finished
