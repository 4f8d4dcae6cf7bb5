"""Warehouses: merchants' own and the platform's, and who may stock the latter."""

from __future__ import annotations

from marketplace.inventory.commands import (
    CreateWarehouse,
    SetWarehouseAccess,
    UpdateWarehouse,
)
from marketplace.inventory.domain import (
    MerchantNotFoundError,
    Warehouse,
)
from marketplace.inventory.ports import InventoryUnitOfWork
from marketplace.inventory.services.ownership import (
    owned_warehouse,
    platform_warehouse,
)
from marketplace.shared.ids import new_id


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
        current = owned_warehouse(uow, cmd.operator, cmd.warehouse_id)
        updated = current.with_changes(cmd.changes, now=uow.clock.now())
        uow.warehouses.update(updated)
        uow.commit()
    return updated


def grant_warehouse_access(cmd: SetWarehouseAccess, *, uow: InventoryUnitOfWork) -> None:
    with uow:
        platform_warehouse(uow, cmd.warehouse_id)
        if not uow.warehouses.merchant_exists(cmd.merchant_id):
            raise MerchantNotFoundError("No such merchant.", merchant_id=cmd.merchant_id)
        uow.warehouses.grant_access(cmd.warehouse_id, cmd.merchant_id, now=uow.clock.now())
        uow.commit()


def revoke_warehouse_access(cmd: SetWarehouseAccess, *, uow: InventoryUnitOfWork) -> None:
    """Stops new stocking; stock already there stays and can still be reserved."""
    with uow:
        platform_warehouse(uow, cmd.warehouse_id)
        uow.warehouses.revoke_access(cmd.warehouse_id, cmd.merchant_id)
        uow.commit()
