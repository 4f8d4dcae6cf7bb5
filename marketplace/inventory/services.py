"""Inventory use cases. Each opens the unit of work, changes stock only through the
repository's atomic conditional statements, writes the ledger line in the same
transaction, and commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from marketplace.inventory.commands import (
    AdjustStock,
    CreateWarehouse,
    FinishReservation,
    ReceiveStock,
    ReserveStock,
    SetWarehouseAccess,
    UpdateWarehouse,
)
from marketplace.inventory.domain import (
    DEFAULT_RESERVATION_TTL,
    RESERVATION_EXIT,
    ConcurrentUpdateError,
    InsufficientStockError,
    InvalidAdjustmentError,
    InvalidQuantityError,
    InvalidReferenceError,
    MerchantNotFoundError,
    Movement,
    MovementKind,
    Operator,
    Reservation,
    ReservationExpiredError,
    ReservationMismatchError,
    ReservationNotActiveError,
    ReservationNotFoundError,
    ReservationStatus,
    SkuNotFoundError,
    StockLevel,
    Warehouse,
    WarehouseInactiveError,
    WarehouseNotFoundError,
    adjustment_error,
    require_quantity,
    reservation_ttl,
)
from marketplace.inventory.ports import InventoryUnitOfWork, PlaceOutcome
from marketplace.shared.ids import new_id

SET_COUNT_ATTEMPTS = 10
EXPIRY_ACTOR = "system:reservation-expiry"


# -- warehouses -------------------------------------------------------------------------
def create_warehouse(cmd: CreateWarehouse, *, uow: InventoryUnitOfWork) -> Warehouse:
    """A merchant's warehouse, or a platform one when the operator is the platform."""
    with uow:
        now = uow.clock.now()
        warehouse = Warehouse(
            id=new_id("wh"),
            merchant_id=cmd.operator.merchant_id,
            code=cmd.code.strip(),
            name=cmd.name.strip(),
            country=cmd.country.strip().upper(),
            region=cmd.region.strip(),
            city=cmd.city,
            address=cmd.address,
            priority=cmd.priority,
            is_active=cmd.is_active,
            created_at=now,
            updated_at=now,
        )
        warehouse.validate()
        uow.warehouses.add(warehouse)
        uow.commit()
    return warehouse


def update_warehouse(cmd: UpdateWarehouse, *, uow: InventoryUnitOfWork) -> Warehouse:
    """Change fields; ``is_active=False`` deactivates (no new reservations there)."""
    with uow:
        current = _owned_warehouse(uow, cmd.operator, cmd.warehouse_id)
        updated = current.with_changes(cmd.changes, now=uow.clock.now())
        uow.warehouses.update(updated)
        uow.commit()
    return updated


def grant_warehouse_access(cmd: SetWarehouseAccess, *, uow: InventoryUnitOfWork) -> None:
    with uow:
        _platform_warehouse(uow, cmd.warehouse_id)
        if not uow.warehouses.merchant_exists(cmd.merchant_id):
            raise MerchantNotFoundError("No such merchant.", merchant_id=cmd.merchant_id)
        uow.warehouses.grant_access(cmd.warehouse_id, cmd.merchant_id, now=uow.clock.now())
        uow.commit()


def revoke_warehouse_access(cmd: SetWarehouseAccess, *, uow: InventoryUnitOfWork) -> None:
    """Stops new stocking; stock already there stays and can still be reserved."""
    with uow:
        _platform_warehouse(uow, cmd.warehouse_id)
        uow.warehouses.revoke_access(cmd.warehouse_id, cmd.merchant_id)
        uow.commit()


# -- stock --------------------------------------------------------------------------
def receive_stock(cmd: ReceiveStock, *, uow: InventoryUnitOfWork) -> StockLevel:
    """An inbound receipt: on hand goes up by a positive quantity."""
    quantity = require_quantity(cmd.quantity)
    reason = (cmd.reason or "").strip() or "receipt"
    with uow:
        _check_stocking(uow, cmd.operator, cmd.sku_id, cmd.warehouse_id)
        now = uow.clock.now()
        level = uow.stock.receive(cmd.sku_id, cmd.warehouse_id, quantity, now=now)
        uow.stock.record(
            Movement.of(
                level, MovementKind.INBOUND, delta_on_hand=quantity, delta_reserved=0,
                reason=reason, reference=cmd.reference, at=now, actor=cmd.operator.actor,
            )
        )  # fmt: skip
        uow.commit()
    return level


def adjust_stock(cmd: AdjustStock, *, uow: InventoryUnitOfWork) -> StockLevel:
    """A signed correction or a stocktake count; never below reserved, never below 0."""
    _validate_adjustment(cmd)
    with uow:
        _check_stocking(uow, cmd.operator, cmd.sku_id, cmd.warehouse_id)
        now = uow.clock.now()
        if cmd.delta is not None:
            level, delta = _apply_delta(uow, cmd, cmd.delta, now), cmd.delta
        else:
            assert cmd.count is not None
            level, delta = _apply_count(uow, cmd, cmd.count, now)
        uow.stock.record(
            Movement.of(
                level, MovementKind.ADJUSTMENT, delta_on_hand=delta, delta_reserved=0,
                reason=str(cmd.reason), reference=cmd.reference, at=now,
                actor=cmd.operator.actor,
            )
        )  # fmt: skip
        uow.commit()
    return level


def _validate_adjustment(cmd: AdjustStock) -> None:
    if (cmd.delta is None) == (cmd.count is None):
        raise InvalidAdjustmentError("Give either a delta or a count, not both.")
    if cmd.delta is not None and cmd.delta == 0:
        raise InvalidQuantityError("A delta must not be zero.", field="delta")
    if cmd.delta is not None and abs(cmd.delta) > 1_000_000_000:
        raise InvalidQuantityError("The delta is too large.", field="delta")
    if cmd.count is not None and not 0 <= cmd.count <= 1_000_000_000:
        raise InvalidQuantityError("A count must be between 0 and 1e9.", field="count")


def _apply_delta(
    uow: InventoryUnitOfWork, cmd: AdjustStock, delta: int, now: datetime
) -> StockLevel:
    if delta > 0:
        return uow.stock.receive(cmd.sku_id, cmd.warehouse_id, delta, now=now)
    level = uow.stock.change_on_hand(cmd.sku_id, cmd.warehouse_id, delta, now=now)
    if level is None:
        # The statement refused; read the row only to say why.
        current = uow.stock.level(cmd.sku_id, cmd.warehouse_id)
        raise adjustment_error(current, (current.on_hand if current else 0) + delta)
    return level


def _apply_count(
    uow: InventoryUnitOfWork, cmd: AdjustStock, count: int, now: datetime
) -> tuple[StockLevel, int]:
    """Compare-and-set on_hand from what was just read; retry if someone moved it."""
    for _ in range(SET_COUNT_ATTEMPTS):
        current = uow.stock.level(cmd.sku_id, cmd.warehouse_id)
        on_hand, reserved = (current.on_hand, current.reserved) if current else (0, 0)
        if count < reserved:
            raise adjustment_error(current, count)
        level = uow.stock.set_on_hand(
            cmd.sku_id, cmd.warehouse_id, expected=on_hand, count=count, now=now
        )
        if level is not None:
            return level, count - on_hand
    raise ConcurrentUpdateError("The stock kept changing during the count; try again.")


# -- reservations ---------------------------------------------------------------------
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
        _check_sku(uow, cmd.operator, cmd.sku_id)
        if cmd.warehouse_id is not None:
            _check_reservable_warehouse(uow, cmd.operator, cmd.warehouse_id)
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
            uow.stock.record(
                Movement.of(
                    level, MovementKind.RESERVE, delta_on_hand=0, delta_reserved=quantity,
                    reason="reserved", reference=reference, reservation_id=reservation.id,
                    at=now, actor=cmd.operator.actor,
                )
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
        if reservation is None or not _may_touch(uow, cmd.operator, reservation):
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
) -> Reservation | None:
    """Move an active reservation to ``status`` and its stock with it; None if it was no
    longer active (another caller got there first; nothing changed)."""
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
    uow.stock.record(
        Movement.of(
            level, kind, delta_on_hand=-q if kind is MovementKind.COMMIT else 0,
            delta_reserved=-q, reason=str(status), reference=finished.reference,
            reservation_id=finished.id, at=now, actor=actor,
        )
    )  # fmt: skip
    return finished


# -- ownership checks -------------------------------------------------------------------
def _owned_warehouse(uow: InventoryUnitOfWork, operator: Operator, warehouse_id: str) -> Warehouse:
    """The warehouse the operator manages: its own, or a platform one for the platform."""
    warehouse = uow.warehouses.get(warehouse_id)
    if warehouse is None or warehouse.merchant_id != operator.merchant_id:
        raise WarehouseNotFoundError("No such warehouse.", warehouse_id=warehouse_id)
    return warehouse


def _platform_warehouse(uow: InventoryUnitOfWork, warehouse_id: str) -> Warehouse:
    return _owned_warehouse(uow, Operator.platform(), warehouse_id)


def _check_sku(uow: InventoryUnitOfWork, operator: Operator, sku_id: str) -> None:
    owner = uow.stock.sku_owner(sku_id)
    if owner is None or (not operator.is_platform and owner != operator.merchant_id):
        raise SkuNotFoundError("No such SKU.", sku_id=sku_id)


def _check_stocking(
    uow: InventoryUnitOfWork, operator: Operator, sku_id: str, warehouse_id: str
) -> None:
    _check_sku(uow, operator, sku_id)
    warehouse = uow.warehouses.get(warehouse_id)
    has_access = (
        warehouse is not None
        and warehouse.is_platform
        and operator.merchant_id is not None
        and uow.warehouses.has_access(warehouse_id, operator.merchant_id)
    )
    if warehouse is None or not warehouse.is_stockable_by(operator, has_access=has_access):
        raise WarehouseNotFoundError("No such warehouse.", warehouse_id=warehouse_id)


def _check_reservable_warehouse(
    uow: InventoryUnitOfWork, operator: Operator, warehouse_id: str
) -> None:
    warehouse = uow.warehouses.get(warehouse_id)
    if warehouse is None or not warehouse.is_visible_for_reserving_by(operator):
        raise WarehouseNotFoundError("No such warehouse.", warehouse_id=warehouse_id)


def _may_touch(uow: InventoryUnitOfWork, operator: Operator, reservation: Reservation) -> bool:
    return operator.is_platform or uow.stock.sku_owner(reservation.sku_id) == operator.merchant_id


__all__ = [
    "AdjustStock",
    "CreateWarehouse",
    "FinishReservation",
    "ReceiveStock",
    "ReserveStock",
    "SetWarehouseAccess",
    "UpdateWarehouse",
    "adjust_stock",
    "commit_reservation",
    "create_warehouse",
    "expire_reservations",
    "grant_warehouse_access",
    "receive_stock",
    "release_reservation",
    "reserve_stock",
    "revoke_warehouse_access",
    "update_warehouse",
]
