"""Receipts and adjustments: on_hand changes, each one statement plus a ledger line."""

from __future__ import annotations

from datetime import datetime

from marketplace.inventory.commands import (
    AdjustStock,
    ReceiveStock,
)
from marketplace.inventory.domain import (
    ConcurrentUpdateError,
    InvalidAdjustmentError,
    InvalidQuantityError,
    Movement,
    MovementKind,
    StockLevel,
    adjustment_error,
    require_quantity,
)
from marketplace.inventory.ports import InventoryUnitOfWork
from marketplace.inventory.services.ledger import record_movement
from marketplace.inventory.services.ownership import (
    check_stocking,
)

SET_COUNT_ATTEMPTS = 10


def receive_stock(cmd: ReceiveStock, *, uow: InventoryUnitOfWork) -> StockLevel:
    """An inbound receipt: on hand goes up by a positive quantity."""
    quantity = require_quantity(cmd.quantity)
    reason = (cmd.reason or "").strip() or "receipt"
    with uow:
        check_stocking(uow, cmd.operator, cmd.sku_id, cmd.warehouse_id)
        now = uow.clock.now()
        level = uow.stock.receive(cmd.sku_id, cmd.warehouse_id, quantity, now=now)
        record_movement(
            uow,
            Movement.of(
                level, MovementKind.INBOUND, delta_on_hand=quantity, delta_reserved=0,
                reason=reason, reference=cmd.reference, at=now, actor=cmd.operator.actor,
            ),
            merchant_id=cmd.operator.merchant_id,
        )  # fmt: skip
        uow.commit()
    return level


def adjust_stock(cmd: AdjustStock, *, uow: InventoryUnitOfWork) -> StockLevel:
    """A signed correction or a stocktake count; never below reserved, never below 0."""
    _validate_adjustment(cmd)
    with uow:
        check_stocking(uow, cmd.operator, cmd.sku_id, cmd.warehouse_id)
        now = uow.clock.now()
        if cmd.delta is not None:
            level, delta = _apply_delta(uow, cmd, cmd.delta, now), cmd.delta
        else:
            assert cmd.count is not None
            level, delta = _apply_count(uow, cmd, cmd.count, now)
        record_movement(
            uow,
            Movement.of(
                level, MovementKind.ADJUSTMENT, delta_on_hand=delta, delta_reserved=0,
                reason=str(cmd.reason), reference=cmd.reference, at=now,
                actor=cmd.operator.actor,
            ),
            merchant_id=cmd.operator.merchant_id,
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
