"""Schemas of RFQs and quotes. Responses are the read models of ``marketplace.rfq.queries``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from marketplace.purchasing.commands import RequestLine
from marketplace.rfq.commands import ItemRequest, QuoteLineRequest
from marketplace.rfq.services import AcceptedQuote
from serving.api.schemas.settlement import MoneyIn

JsonObject = dict[str, Any]
_ID = Field(min_length=1, max_length=40)


class RfqItemIn(BaseModel):
    """A catalog SKU, or a free-text spec (optionally in a category)."""

    model_config = ConfigDict(extra="forbid")

    sku_id: str | None = Field(None, max_length=40)
    spec: str = Field("", max_length=2000, examples=["M8 stainless hex bolts, 40 mm, A2-70"])
    category_id: str | None = Field(None, max_length=40)
    quantity: int = Field(ge=1, le=1_000_000)
    unit: str = Field("pcs", min_length=1, max_length=20, examples=["pcs", "kg", "box"])

    @model_validator(mode="after")
    def _sku_or_spec(self) -> Self:
        if not self.sku_id and not self.spec.strip():
            raise ValueError("name a sku_id or describe a spec")
        return self

    def to_request(self) -> ItemRequest:
        return ItemRequest(quantity=self.quantity, unit=self.unit, sku_id=self.sku_id,
                           spec=self.spec, category_id=self.category_id)  # fmt: skip


class RfqCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "title": "Bolts for line 3", "location_id": "loc_01JD3X8Q6V9M2K4N7P0R5T8W1Y",
            "deadline": "2026-02-01T10:00:00Z",
            "items": [{"spec": "M8 hex bolts, 40 mm, A2-70", "quantity": 5000, "unit": "pcs"}],
        }]},
    )  # fmt: skip

    title: str = Field(min_length=1, max_length=200)
    items: list[RfqItemIn] = Field(min_length=1, max_length=100)
    deadline: AwareDatetime = Field(description="Quotes are accepted until then")
    location_id: str = _ID
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$", description="Default: the company's")
    notes: str = Field("", max_length=4000)


class RfqSend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    supplier_ids: list[str] = Field(
        min_length=1, max_length=50, description="Approved supplier or third-party merchants"
    )


class QuoteAccept(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_method: str = Field("credit_terms", min_length=1, max_length=30,
                                description="How the purchase order will be paid")  # fmt: skip


class QuoteLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_no: int = Field(ge=1, le=100, description="The RFQ item this line answers")
    sku_id: str = Field(min_length=1, max_length=40, description="Your SKU that fulfils it")
    unit_price: MoneyIn
    lead_time_days: int = Field(ge=0, le=3650)
    quantity: int | None = Field(None, ge=1, le=1_000_000, description="Default: as asked")

    def to_request(self) -> QuoteLineRequest:
        return QuoteLineRequest(
            item_no=self.item_no, sku_id=self.sku_id, unit_price=self.unit_price.money(),
            lead_time_days=self.lead_time_days, quantity=self.quantity,
        )  # fmt: skip


class QuoteCreate(BaseModel):
    """A quote, or a revision: it supersedes your open quote on the RFQ."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "valid_until": "2026-02-15T00:00:00Z",
            "lines": [{"item_no": 1, "sku_id": "sku_01JD3X8Q6V9M2K4N7P0R5T8W1Y",
                       "unit_price": {"amount": "0.42", "currency": "CNY"},
                       "lead_time_days": 7}],
        }]},
    )  # fmt: skip

    lines: list[QuoteLineIn] = Field(min_length=1, max_length=100)
    valid_until: AwareDatetime
    notes: str = Field("", max_length=4000)


def accepted_dict(accepted: AcceptedQuote) -> JsonObject:
    return {
        "rfq_id": accepted.rfq_id, "quote_id": accepted.quote_id,
        "company_id": accepted.company_id, "merchant_id": accepted.merchant_id,
        "location_id": accepted.location_id, "accepted_by": accepted.accepted_by,
        "total": accepted.total.to_dict(), "accepted_at": accepted.accepted_at.isoformat(),
        "lines": _lines(accepted.lines),
    }  # fmt: skip


def _lines(lines: Sequence[RequestLine]) -> list[JsonObject]:
    return [
        {"sku_id": x.sku_id, "quantity": x.quantity,
         "unit_price": x.unit_price.to_dict() if x.unit_price else None,
         "price_source": x.price_source}
        for x in lines
    ]  # fmt: skip
