"""Schemas of behaviour events: a batch in, per-event outcomes out.

Every event field is typed ``Any`` here on purpose: a wrongly typed field must refuse
*that event* (with its code, in the answer) and keep the rest of the batch, so the domain
rules check types. The OpenAPI document still shows each field's type and limits.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from marketplace.behaviour.domain import (
    CHANNELS,
    MAX_BATCH,
    MAX_QUERY_CHARS,
    MAX_RESULTS,
    ErrorCode,
    EventType,
)


def _field(schema: dict[str, Any], description: str) -> Any:
    return Field(None, description=description, json_schema_extra=schema)


_ID: dict[str, Any] = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}
_EXAMPLE: JsonDict = {
    "id": "0f8b7c1e-2d3a-4b5c-9d6e-7f8091a2b3c4",
    "type": "view",
    "occurred_at": "2026-12-04T08:15:30.250+08:00",
    "session_id": "s_7Kq2mX9pLw",
    "channel": "web",
    "product_id": "prod_01JD3X8Q6V9M2K4N7P0R5T8W1Y",
    "sku_id": "sku_01JD3X8Q6V9M2K4N7P0R5T8W1Z",
    "unit_price": "199.00",
    "currency": "CNY",
}


class EventCreate(BaseModel):
    """One event. Which fields a type needs or may carry: docs/data/behaviour-events.md."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [_EXAMPLE]})

    type: Any = _field({"type": "string", "enum": [t.value for t in EventType]}, "Event type")
    occurred_at: Any = _field(
        {"type": "string", "format": "date-time"},
        "When it happened, with a UTC offset; at most 5 minutes ahead, 7 days old",
    )
    session_id: Any = _field(
        {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"}, "The client's session"
    )
    id: Any = _field(
        {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$"},
        "Client event id (UUID, ULID): a retried batch is written once",
    )
    channel: Any = _field({"type": "string", "enum": sorted(CHANNELS), "default": "web"}, "")
    product_id: Any = _field(_ID, "view, click, add/remove, purchase")
    sku_id: Any = _field(_ID, "view, click, add/remove; required for purchase")
    merchant_id: Any = _field(_ID, "view, click, add/remove, purchase")
    quantity: Any = _field(
        {"type": "integer", "minimum": 1}, "add_to_cart, remove_from_cart, purchase"
    )
    unit_price: Any = _field(
        {"type": "string", "example": "12.30"},
        "Decimal string, with currency: view, add_to_cart, purchase",
    )
    currency: Any = _field({"type": "string", "example": "CNY"}, "ISO 4217, with unit_price")
    order_id: Any = _field(_ID, "purchase")
    query: Any = _field({"type": "string", "maxLength": MAX_QUERY_CHARS}, "search: not blank")
    results: Any = _field(
        {"type": "array", "items": _ID, "maxItems": MAX_RESULTS},
        "search: the product ids shown, in order",
    )
    position: Any = _field({"type": "integer", "minimum": 0}, "click: place in the list")
    attribution_id: Any = _field(
        _ID, "view, search, click, add_to_cart: the recommendation or search response id"
    )

    def raw(self) -> dict[str, Any]:
        """The fields as sent (unknown ones too: the rules refuse them by name)."""
        return {**self.model_dump(exclude_unset=True), **(self.model_extra or {})}


class EventBatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # ``| Any``: an item that is not an object is refused alone (not_an_object).
    events: list[EventCreate | Any] = Field(
        description=f"At most {MAX_BATCH} events; more is refused whole (413 batch_too_large)",
        json_schema_extra={
            "maxItems": MAX_BATCH,
            "items": {"$ref": "#/components/schemas/EventCreate"},
        },
    )


class EventErrorRead(BaseModel):
    index: int = Field(description="Position of the event in the batch")
    code: ErrorCode
    field: str | None
    detail: str


class EventBatchRead(BaseModel):
    """What became of the batch. ``accepted + duplicates + rejected`` is its size."""

    accepted: int = Field(description="Events written now")
    duplicates: int = Field(description="Events already written (a retried batch)")
    rejected: int = Field(description="Events refused; see errors")
    errors: list[EventErrorRead]
