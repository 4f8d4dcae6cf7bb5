"""Every stock change leaves two traces in its own transaction: the ledger line, and a
``stock.changed`` event in the outbox (for merchants' webhooks, search, forecasting)."""

from __future__ import annotations

from marketplace.events.domain import DomainEvent, Topic
from marketplace.inventory.domain import Movement
from marketplace.inventory.ports import InventoryUnitOfWork


def stock_changed(movement: Movement, merchant_id: str | None) -> DomainEvent:
    """The event of one movement: the levels after it, and what moved them."""
    return DomainEvent(
        topic=Topic.STOCK_CHANGED,
        key=movement.sku_id,
        merchant_id=merchant_id,
        occurred_at=movement.created_at,
        payload={
            "sku_id": movement.sku_id,
            "warehouse_id": movement.warehouse_id,
            "merchant_id": merchant_id,
            "on_hand": movement.on_hand_after,
            "reserved": movement.reserved_after,
            "available": movement.on_hand_after - movement.reserved_after,
            "change": str(movement.kind),
            "delta_on_hand": movement.delta_on_hand,
            "delta_reserved": movement.delta_reserved,
            "reference": movement.reference,
            "reservation_id": movement.reservation_id,
        },
    )


def record_movement(
    uow: InventoryUnitOfWork, movement: Movement, *, merchant_id: str | None = None
) -> None:
    """Append the ledger line and the ``stock.changed`` event (``merchant_id``: the SKU's
    seller, looked up when the caller does not know it)."""
    uow.stock.record(movement)
    owner = merchant_id or uow.stock.sku_owner(movement.sku_id)
    uow.outbox.add(stock_changed(movement, owner))
