"""Schemas of the merchant's replenishment advice (``serving.advice.replenishment``).
Units of stock and orders are integers; demand statistics are numbers rounded to 2
decimals."""

from __future__ import annotations

from pydantic import BaseModel, Field

from serving.api.schemas.advice import NEXT_CURSOR, ModelRead


class LeadTimeDemand(BaseModel):
    mean: float = Field(description="Expected units sold over the lead time")
    sigma: float = Field(description="Their standard deviation")


class ReplenishmentPositionRead(BaseModel):
    sku_id: str
    warehouse_id: str
    warehouse_code: str
    on_hand: int
    reserved: int
    available: int = Field(description="on_hand - reserved, never below 0")
    on_order: int = Field(description="Always 0: inbound purchase orders are not recorded yet")
    demand_share: float = Field(
        description="Part of the SKU's forecast demand given to this warehouse", examples=[0.75]
    )
    lead_time_days: int
    lead_time_source: str = Field(description="offer, supplier_region or default")
    moq: int = Field(description="Minimum order quantity used (1: see assumptions)")
    pack_size: int
    lead_time_demand: LeadTimeDemand | None
    review_period_demand: float | None = Field(
        description="Expected units sold in the review period after the lead time"
    )
    safety_stock: float | None = Field(description="z(service level) x lead-time sigma")
    reorder_point: float | None = Field(description="Lead-time demand + safety stock")
    order_up_to: float | None = Field(description="Reorder point + review-period demand")
    inventory_position: int = Field(description="available + on_order")
    order_quantity: int | None = Field(
        description="Suggested order: order_up_to - inventory_position, rounded up, >= 0"
    )
    below_reorder_point: bool | None = Field(
        description="The inventory position no longer covers the lead time"
    )
    unavailable_reason: str | None = Field(
        description="forecast_too_short when the forecast's days left do not cover lead time "
        "+ review period (the figures above are then null)"
    )


class ForecastUsed(BaseModel):
    model: ModelRead
    generated_at: str
    start_date: str = Field(description="The stored forecast's first day")
    first_day_used: str = Field(description="The forecast day read as today")
    days_left: int = Field(description="Forecast days from first_day_used on")


class SkuReplenishmentRead(BaseModel):
    sku_id: str
    forecast: ForecastUsed
    positions: list[ReplenishmentPositionRead] = Field(
        description="One per active warehouse the merchant may stock, by priority"
    )


class ReplenishmentPage(BaseModel):
    as_of: str = Field(description="Today (UTC), the day the advice is for")
    service_level: float = Field(examples=[0.95])
    review_period_days: int = Field(examples=[7])
    assumptions: dict[str, str] = Field(description="What the advice takes for granted")
    items: list[SkuReplenishmentRead]
    next_cursor: str | None = NEXT_CURSOR
