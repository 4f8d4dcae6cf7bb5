"""Commands: what a caller asks the inventory services to do (plain, validated later)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marketplace.inventory.domain import AdjustmentReason, Operator


@dataclass(frozen=True)
class CreateWarehouse:
    operator: Operator  # the platform creates platform warehouses, a merchant its own
    code: str
    name: str
    country: str
    region: str
    city: str | None = None
    address: str | None = None
    priority: int = 100
    is_active: bool = True


@dataclass(frozen=True)
class UpdateWarehouse:
    operator: Operator
    warehouse_id: str
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SetWarehouseAccess:
    """Allow (or stop) a merchant to stock a platform warehouse."""

    warehouse_id: str
    merchant_id: str


@dataclass(frozen=True)
class ReceiveStock:
    operator: Operator
    sku_id: str
    warehouse_id: str
    quantity: int
    reason: str = "receipt"
    reference: str | None = None


@dataclass(frozen=True)
class AdjustStock:
    """Either a signed ``delta`` or a counted ``count`` (set on hand to it); one of them."""

    operator: Operator
    sku_id: str
    warehouse_id: str
    reason: AdjustmentReason
    delta: int | None = None
    count: int | None = None
    reference: str | None = None


@dataclass(frozen=True)
class ReserveStock:
    operator: Operator
    sku_id: str
    quantity: int
    reference: str
    warehouse_id: str | None = None  # None: the first active warehouse by priority with stock
    ttl_seconds: int | None = None


@dataclass(frozen=True)
class FinishReservation:
    """Release or commit one reservation."""

    operator: Operator
    reservation_id: str
