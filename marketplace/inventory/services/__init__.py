"""Inventory use cases. Each opens the unit of work, changes stock only through the
repository's atomic conditional statements, writes the ledger line in the same
transaction, and commits."""

from marketplace.inventory.commands import (
    AdjustStock,
    CreateWarehouse,
    FinishReservation,
    ReceiveStock,
    ReserveStock,
    SetWarehouseAccess,
    UpdateWarehouse,
)
from marketplace.inventory.services.reservations import (
    commit_reservation,
    expire_reservations,
    release_reservation,
    reserve_stock,
)
from marketplace.inventory.services.stock import adjust_stock, receive_stock
from marketplace.inventory.services.warehouses import (
    create_warehouse,
    grant_warehouse_access,
    revoke_warehouse_access,
    update_warehouse,
)

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
