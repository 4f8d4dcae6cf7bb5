"""Schemas of inventory: warehouses, stock levels, inbound receipts, adjustments, the
movement ledger, reservations and public availability."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from marketplace.inventory.domain import (
    MAX_QUANTITY,
    AdjustmentReason,
    MovementKind,
    ReservationStatus,
)

_WH = "wh_01JD3X8Q6V9M2K4N7P0R5T8W1Y"
_SKU = "sku_01JD3X9A2B3C4D5E6F7G8H9J0K"
_RSV = "rsv_01JD3XB7C8D9E0F1G2H3J4K5M6"

Quantity = Annotated[
    int, Field(ge=1, le=MAX_QUANTITY, description="Units, a positive whole number")
]


# -- warehouses -------------------------------------------------------------------------
class WarehouseCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "HZ-01",
                    "name": "Hangzhou Xiaoshan",
                    "country": "CN",
                    "region": "Zhejiang",
                    "city": "Hangzhou",
                    "address": "88 Airport Road, Xiaoshan",
                    "priority": 10,
                }
            ]
        },
    )

    code: str = Field(
        min_length=1,
        max_length=50,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="Short code, unique among the owner's warehouses; cannot change later",
    )
    name: str = Field(min_length=1, max_length=200)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2, e.g. CN")
    region: str = Field(min_length=1, max_length=100, description="Province or state")
    city: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=1000)
    priority: int = Field(
        100,
        ge=0,
        le=1_000_000,
        description="Lower is tried first when a reservation names no warehouse",
    )
    is_active: bool = Field(True, description="Inactive warehouses take no new reservations")


class WarehouseUpdate(BaseModel):
    """Only the fields sent change; ``is_active: false`` deactivates the warehouse."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"priority": 5}, {"is_active": False}]}
    )

    name: str | None = Field(None, min_length=1, max_length=200)
    country: str | None = Field(None, min_length=2, max_length=2)
    region: str | None = Field(None, min_length=1, max_length=100)
    city: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=1000)
    priority: int | None = Field(None, ge=0, le=1_000_000)
    is_active: bool | None = None

    @model_validator(mode="after")
    def _required_fields_not_null(self) -> Self:
        for name in ("name", "country", "region", "priority", "is_active"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class WarehouseRead(BaseModel):
    id: str = Field(examples=[_WH])
    merchant_id: str | None = Field(description="The owner; null for a platform warehouse")
    is_platform: bool
    code: str
    name: str
    country: str
    region: str
    city: str | None
    address: str | None
    priority: int
    is_active: bool
    created_at: datetime
    updated_at: datetime


class WarehousePage(BaseModel):
    items: list[WarehouseRead]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page"
    )


# -- stock ----------------------------------------------------------------------------------
class StockLevelRead(BaseModel):
    sku_id: str = Field(examples=[_SKU])
    sku_code: str
    product_id: str
    warehouse_id: str = Field(examples=[_WH])
    warehouse_code: str
    warehouse_is_active: bool
    on_hand: int = Field(description="Units physically in the warehouse")
    reserved: int = Field(description="Units held by active reservations")
    available: int = Field(description="on_hand - reserved: what can still be sold")
    updated_at: datetime


class StockLevelPage(BaseModel):
    items: list[StockLevelRead]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page"
    )


class StockChangeRead(BaseModel):
    """The stock row right after a change."""

    sku_id: str = Field(examples=[_SKU])
    warehouse_id: str = Field(examples=[_WH])
    on_hand: int
    reserved: int
    available: int


class InboundCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sku_id": _SKU,
                    "warehouse_id": _WH,
                    "quantity": 120,
                    "reason": "purchase_order",
                    "reference": "PO-2026-0042",
                }
            ]
        },
    )

    sku_id: str = Field(min_length=1, max_length=40)
    warehouse_id: str = Field(min_length=1, max_length=40)
    quantity: Quantity
    reason: str = Field("receipt", min_length=1, max_length=200, description="Why it arrived")
    reference: str | None = Field(
        None, max_length=200, description="Delivery note, purchase order..."
    )


class AdjustmentCreate(BaseModel):
    """Give ``delta`` (signed) or ``count`` (set on hand to a counted number), not both."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"sku_id": _SKU, "warehouse_id": _WH, "delta": -2, "reason": "damage"},
                {
                    "sku_id": _SKU,
                    "warehouse_id": _WH,
                    "count": 37,
                    "reason": "stocktake",
                    "reference": "COUNT-2026-03",
                },
            ]
        },
    )

    sku_id: str = Field(min_length=1, max_length=40)
    warehouse_id: str = Field(min_length=1, max_length=40)
    reason: AdjustmentReason = Field(description="Required: why the number changes")
    delta: int | None = Field(
        None, ge=-MAX_QUANTITY, le=MAX_QUANTITY, description="Signed change of on hand, not 0"
    )
    count: int | None = Field(None, ge=0, le=MAX_QUANTITY, description="Counted units on hand")
    reference: str | None = Field(None, max_length=200)

    @model_validator(mode="after")
    def _delta_or_count(self) -> Self:
        if (self.delta is None) == (self.count is None):
            raise ValueError("give either delta or count")
        if self.delta == 0:
            raise ValueError("delta must not be 0")
        return self


class StockMovementRead(BaseModel):
    id: int
    sku_id: str
    warehouse_id: str
    kind: MovementKind
    delta_on_hand: int
    delta_reserved: int
    on_hand_after: int
    reserved_after: int
    reason: str
    reference: str | None
    reservation_id: str | None
    actor: str | None = Field(description="Who made the change (user id, API key, system)")
    created_at: datetime


class StockMovementPage(BaseModel):
    items: list[StockMovementRead]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next (older) page; null on the last page"
    )


# -- reservations -------------------------------------------------------------------------
class ReservationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"sku_id": _SKU, "quantity": 2, "reference": "order-10042"}]
        },
    )

    sku_id: str = Field(min_length=1, max_length=40)
    quantity: Quantity
    reference: str = Field(
        min_length=1,
        max_length=200,
        description="Order, cart or checkout id. Asking again with the same reference, SKU "
        "and warehouse while that reservation is active returns it.",
    )
    warehouse_id: str | None = Field(
        None,
        max_length=40,
        description="Omit to take the first active warehouse by priority with enough stock",
    )
    ttl_seconds: int | None = Field(
        None, ge=1, le=30 * 24 * 3600, description="Lifetime; the platform default if omitted"
    )


class ReservationRead(BaseModel):
    id: str = Field(examples=[_RSV])
    sku_id: str
    warehouse_id: str
    quantity: int
    status: ReservationStatus
    reference: str
    expires_at: datetime
    created_at: datetime
    updated_at: datetime


class ReservationPage(BaseModel):
    items: list[ReservationRead]
    next_cursor: str | None = Field(None, description="Always null: a reference has few")


# -- public availability --------------------------------------------------------------------
class SkuAvailabilityRead(BaseModel):
    sku_id: str = Field(examples=[_SKU])
    product_id: str
    available: int = Field(description="Units that can be ordered, over active warehouses")
    is_in_stock: bool


class ProductAvailabilityRead(BaseModel):
    product_id: str
    available: int = Field(description="Sum over the product's SKUs")
    skus: list[SkuAvailabilityRead]
