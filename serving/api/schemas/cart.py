"""Schemas of the cart: line and currency changes in, the priced cart view out.

Quantities are checked by the domain (``invalid_quantity``: 1..999), so that every client
sees the same stable code whichever way it calls.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from marketplace.cart.domain import MAX_QUANTITY, MergeResult
from marketplace.cart.pricing import NO_RULE, MerchantGroup, PricedLine
from marketplace.cart.queries import CartView
from serving.api.schemas.fx import MoneyRead, rate_text

_SKU = "sku_01JD3X9A2B3C4D5E6F7G8H9J0K"
_QUANTITY = f"Units, 1..{MAX_QUANTITY}"


class CartLineCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"sku_id": _SKU, "quantity": 2}]}
    )

    sku_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(1, description=_QUANTITY + "; added to the line's quantity")


class CartLineUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"quantity": 3}]})

    quantity: int = Field(description=_QUANTITY + "; the line's new quantity")


class CartCurrencyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"currency": "USD"}]})

    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 code")


class PartyBrief(BaseModel):
    id: str
    name: str


class CartFxRead(BaseModel):
    source_currency: str = Field(description="The currency the SKU is priced in")
    rate: str = Field(description="1 source_currency = rate cart currency, exact decimal")
    rate_date: date = Field(description="The date of the rate used (latest on or before today)")


class CartLineRead(BaseModel):
    sku_id: str
    product_id: str
    title: str
    sku_code: str
    sales_attributes: dict[str, str]
    shop: PartyBrief | None
    quantity: int
    unit_price: MoneyRead | None = Field(description="None when the line has no price")
    line_total: MoneyRead | None = Field(description="unit_price x quantity")
    list_price: MoneyRead | None
    price_rule: str | None = Field(description="list, tier or member")
    fx: CartFxRead | None = Field(description="Set when the price was converted")
    available: int = Field(description="Units available now over active warehouses")
    problem: str | None = Field(
        description="not_for_sale, no_price, out_of_stock or insufficient_stock"
    )
    added_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, line: PricedLine, view: CartView) -> CartLineRead:
        snap, stored = line.snapshot, view.line(line.sku_id)
        assert stored is not None
        has_price = line.price_rule != NO_RULE  # unpriced: no PriceSet, or no FX rate
        fx = (
            CartFxRead(source_currency=line.source_currency, rate=rate_text(line.fx_rate),
                       rate_date=line.fx_rate_date)
            if line.fx_rate is not None and line.fx_rate_date is not None
            else None
        )  # fmt: skip
        return cls(
            sku_id=snap.sku_id, product_id=snap.product_id, title=snap.title,
            sku_code=snap.sku_code, sales_attributes=snap.sales_attributes,
            shop=PartyBrief(id=snap.shop_id, name=snap.shop_name or "") if snap.shop_id else None,
            quantity=line.quantity,
            unit_price=MoneyRead.of(line.unit_price) if has_price else None,
            line_total=MoneyRead.of(line.line_total) if has_price else None,
            list_price=MoneyRead.of(line.list_price) if has_price else None,
            price_rule=line.price_rule if has_price else None, fx=fx,
            available=snap.available, problem=line.problem, added_at=stored.added_at,
            updated_at=stored.updated_at,
        )  # fmt: skip


class MerchantGroupRead(BaseModel):
    merchant: PartyBrief
    shop: PartyBrief | None = Field(description="Set when every line comes from one shop")
    lines: list[CartLineRead]
    subtotal: MoneyRead = Field(description="Lines without a problem")

    @classmethod
    def of(cls, group: MerchantGroup, view: CartView) -> MerchantGroupRead:
        shops = {(line.snapshot.shop_id, line.snapshot.shop_name) for line in group.lines}
        shop_id, shop_name = next(iter(shops)) if len(shops) == 1 else (None, None)
        return cls(
            merchant=PartyBrief(id=group.merchant_id, name=group.merchant_name),
            shop=PartyBrief(id=shop_id, name=shop_name or "") if shop_id else None,
            lines=[CartLineRead.of(line, view) for line in group.lines],
            subtotal=MoneyRead.of(group.subtotal),
        )


class CartMergeRead(BaseModel):
    merged: bool = Field(description="False: the guest cart had been merged already")
    lines: int = Field(description="Guest lines merged in")
    capped: list[str] = Field(description="SKUs whose quantity was capped at the maximum")
    skipped: list[str] = Field(description="SKUs left out: the cart was full")

    @classmethod
    def of(cls, result: MergeResult) -> CartMergeRead:
        return cls(
            merged=result.merged, lines=result.lines, capped=list(result.capped),
            skipped=list(result.skipped),
        )  # fmt: skip


class CartRead(BaseModel):
    id: str | None = Field(description="None: no cart yet (nothing is created by reading)")
    currency: str
    version: int | None = Field(description="Bumped by every change of the cart")
    updated_at: datetime | None
    groups: list[MerchantGroupRead] = Field(description="Lines grouped by merchant")
    total: MoneyRead = Field(description="Sum of the lines without a problem")
    quantity: int = Field(description="Units over every line")
    line_count: int
    problem_count: int
    guest_token: str | None = Field(
        None, description="Only in the answer that created a guest cart: keep it, send it back "
        "in X-Cart-Token",
    )  # fmt: skip
    merge: CartMergeRead | None = Field(None, description="Set when this request merged")

    @classmethod
    def of(
        cls, view: CartView, *, guest_token: str | None = None, merge: MergeResult | None = None
    ) -> CartRead:
        cart, totals = view.cart, view.totals
        return cls(
            id=cart.id if cart else None, currency=totals.currency,
            version=cart.version if cart else None, updated_at=cart.updated_at if cart else None,
            groups=[MerchantGroupRead.of(g, view) for g in totals.groups],
            total=MoneyRead.of(totals.total), quantity=totals.quantity,
            line_count=sum(len(g.lines) for g in totals.groups),
            problem_count=totals.problem_count, guest_token=guest_token,
            merge=CartMergeRead.of(merge) if merge else None,
        )  # fmt: skip
