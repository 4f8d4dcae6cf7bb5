"""Who may touch which warehouse, SKU and reservation (shared by the use cases)."""

from __future__ import annotations

from marketplace.inventory.domain import (
    Operator,
    Reservation,
    SkuNotFoundError,
    Warehouse,
    WarehouseNotFoundError,
)
from marketplace.inventory.ports import InventoryUnitOfWork


def owned_warehouse(uow: InventoryUnitOfWork, operator: Operator, warehouse_id: str) -> Warehouse:
    """The warehouse the operator manages: its own, or a platform one for the platform."""
    warehouse = uow.warehouses.get(warehouse_id)
    if warehouse is None or warehouse.merchant_id != operator.merchant_id:
        raise WarehouseNotFoundError("No such warehouse.", warehouse_id=warehouse_id)
    return warehouse


def platform_warehouse(uow: InventoryUnitOfWork, warehouse_id: str) -> Warehouse:
    return owned_warehouse(uow, Operator.platform(), warehouse_id)


def check_sku(uow: InventoryUnitOfWork, operator: Operator, sku_id: str) -> None:
    owner = uow.stock.sku_owner(sku_id)
    if owner is None or (not operator.is_platform and owner != operator.merchant_id):
        raise SkuNotFoundError("No such SKU.", sku_id=sku_id)


def check_stocking(
    uow: InventoryUnitOfWork, operator: Operator, sku_id: str, warehouse_id: str
) -> None:
    check_sku(uow, operator, sku_id)
    warehouse = uow.warehouses.get(warehouse_id)
    has_access = (
        warehouse is not None
        and warehouse.is_platform
        and operator.merchant_id is not None
        and uow.warehouses.has_access(warehouse_id, operator.merchant_id)
    )
    if warehouse is None or not warehouse.is_stockable_by(operator, has_access=has_access):
        raise WarehouseNotFoundError("No such warehouse.", warehouse_id=warehouse_id)


def check_reservable_warehouse(
    uow: InventoryUnitOfWork, operator: Operator, warehouse_id: str
) -> None:
    warehouse = uow.warehouses.get(warehouse_id)
    if warehouse is None or not warehouse.is_visible_for_reserving_by(operator):
        raise WarehouseNotFoundError("No such warehouse.", warehouse_id=warehouse_id)


def may_touch(uow: InventoryUnitOfWork, operator: Operator, reservation: Reservation) -> bool:
    return operator.is_platform or uow.stock.sku_owner(reservation.sku_id) == operator.merchant_id
