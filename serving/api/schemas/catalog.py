"""Schemas of the catalog: categories, products (SPU), SKUs, prices and listings.

Money is always ``{"amount": "12.30", "currency": "CNY"}`` with a string amount; prices
sent in are decimal strings in the currency given beside them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_CAT = "cat_01JD3X8Q6V9M2K4N7P0R5T8W1Y"
_PROD = "prod_01JD3XA1B2C3D4E5F6G7H8J9K0"
_SKU = "sku_01JD3XB1C2D3E4F5G6H7J8K9M0"
_MER = "mer_01JD3X8Q6V9M2K4N7P0R5T8W1Y"
AMOUNT = r"^\d{1,12}(\.\d{1,4})?$"
CURRENCY = r"^[A-Za-z]{3}$"
LOCALE = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,2}$"

Names = dict[str, str]


class Money(BaseModel):
    amount: str = Field(
        description="Decimal string at the currency's minor unit", examples=["199.00"]
    )
    currency: str = Field(description="ISO 4217 code", examples=["CNY"])


# -- categories ---------------------------------------------------------------------------


class CategoryCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"names": {"zh": "连衣裙", "en": "Dresses"}, "parent_id": _CAT}]
        }
    )

    names: Names = Field(
        min_length=1, description="Name per locale; at least one", examples=[{"zh": "女装"}]
    )
    parent_id: str | None = Field(None, description="None: a new root category")
    slug: str | None = Field(
        None, max_length=120, description="URL name; made from the English name when omitted"
    )
    position: int | None = Field(
        None, ge=0, description="Place among its siblings (0 first); omitted: last"
    )
    is_active: bool = True


class CategoryUpdate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"names": {"en": "Women's clothing"}, "position": 0}]}
    )

    names: Names | None = Field(None, description="Names to set; other locales keep theirs")
    slug: str | None = Field(None, max_length=120)
    position: int | None = Field(None, ge=0, description="New place among its siblings")
    is_active: bool | None = Field(
        None, description="false hides the category and its subtree from the public tree"
    )


class CategoryMove(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"parent_id": _CAT}]})

    parent_id: str | None = Field(description="The new parent; null moves it to the root")
    position: int | None = Field(None, ge=0, description="Place among the new siblings")


class CategoryRead(BaseModel):
    id: str = Field(examples=[_CAT])
    parent_id: str | None
    slug: str
    names: Names
    path: str = Field(description="Materialised path of ids from the root: /<root>/.../<id>/")
    depth: int = Field(description="0 for a root")
    position: int
    is_active: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None


class CategoryBrief(BaseModel):
    id: str
    slug: str
    name: str = Field(description="In the requested locale, with the fallback rule")


class CategoryNode(CategoryBrief):
    children: list[CategoryNode]


class CategoryDetailRead(BaseModel):
    id: str
    slug: str
    name: str
    names: Names
    parent_id: str | None
    path: str
    depth: int
    position: int
    is_active: bool
    breadcrumb: list[CategoryBrief] = Field(description="From the root down to this category")
    children: list[CategoryBrief]


# -- prices -----------------------------------------------------------------------------------


class TierIn(BaseModel):
    min_quantity: int = Field(ge=2, le=1_000_000, description="From this many units")
    price: str = Field(pattern=AMOUNT, description="Unit price from min_quantity on")


class MemberPriceIn(BaseModel):
    level: Literal["silver", "gold", "platinum"]
    price: str = Field(pattern=AMOUNT)


class SkuPricesPut(BaseModel):
    """The SKU's complete price set in one currency; it replaces the previous one."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "currency": "CNY",
                    "list_price": "199.00",
                    "tiers": [
                        {"min_quantity": 10, "price": "179.00"},
                        {"min_quantity": 100, "price": "159.00"},
                    ],
                    "member_prices": [{"level": "gold", "price": "189.00"}],
                }
            ]
        }
    )

    currency: str = Field(pattern=CURRENCY, description="ISO 4217")
    list_price: str = Field(pattern=AMOUNT, description="The everyday unit price")
    tiers: list[TierIn] = Field(
        default_factory=list,
        max_length=10,
        description="B2B quantity breaks: at or below the list price, never rising with quantity",
    )
    member_prices: list[MemberPriceIn] = Field(
        default_factory=list, max_length=3, description="A level also gets lower levels' prices"
    )


class TierRead(BaseModel):
    min_quantity: int
    price: Money


class MemberPriceRead(BaseModel):
    level: str
    price: Money


class PriceSetRead(BaseModel):
    currency: str
    list_price: Money
    tiers: list[TierRead]
    member_prices: list[MemberPriceRead]


class PriceQuoteRead(BaseModel):
    sku_id: str = Field(examples=[_SKU])
    product_id: str
    currency: str
    quantity: int
    member_level: str = Field(description="The caller's level (regular when anonymous)")
    unit_price: Money
    total: Money
    list_price: Money
    rule: Literal["list", "tier", "member"] = Field(description="Which price applied")
    tier_min_quantity: int | None = Field(description="The tier applied, for rule=tier")
    applied_member_level: str | None = Field(description="The level priced, for rule=member")


# -- SKUs ----------------------------------------------------------------------------------------


class SkuCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sku_code": "DRESS-RED-M",
                    "sales_attributes": {"colour": "red", "size": "M"},
                    "barcode": "4006381333931",
                    "weight_grams": 250,
                }
            ]
        }
    )

    sku_code: str = Field(min_length=1, max_length=100, description="Unique per merchant")
    sales_attributes: dict[str, str] = Field(
        default_factory=dict,
        max_length=5,
        description="Colour, size...; a combination exists once per product",
    )
    barcode: str | None = Field(None, max_length=64, description="EAN-13 or UPC-A (checked)")
    weight_grams: int | None = Field(None, ge=0, le=10_000_000)
    is_active: bool = True


class SkuUpdate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"is_active": False}]})

    sku_code: str | None = Field(None, min_length=1, max_length=100)
    sales_attributes: dict[str, str] | None = Field(None, max_length=5)
    barcode: str | None = Field(None, max_length=64, description="null removes the barcode")
    weight_grams: int | None = Field(None, ge=0, le=10_000_000)
    is_active: bool | None = None


class SkuRead(BaseModel):
    id: str = Field(examples=[_SKU])
    sku_code: str
    barcode: str | None
    sales_attributes: dict[str, str]
    weight_grams: int | None
    status: Literal["active", "inactive"]
    prices: list[PriceSetRead] = Field(description="One price set per currency")


# -- products -------------------------------------------------------------------------------------


class TranslationIn(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    description: str = Field("", max_length=20_000)


class ProductCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "category_id": _CAT,
                    "brand": "Acme",
                    "attributes": {"material": "cotton"},
                    "translations": {
                        "zh": {"title": "夏季碎花连衣裙", "description": "纯棉,透气"},
                        "en": {"title": "Summer floral dress", "description": "Pure cotton"},
                    },
                }
            ]
        }
    )

    category_id: str
    translations: dict[str, TranslationIn] = Field(
        default_factory=dict, description="Title and description per locale (zh, en, ...)"
    )
    default_locale: str | None = Field(
        None, pattern=LOCALE, description="Fallback locale; the merchant's when omitted"
    )
    shop_id: str | None = Field(None, description="The merchant's shop; its first when omitted")
    brand: str | None = Field(None, max_length=200)
    attributes: dict[str, str] = Field(
        default_factory=dict, max_length=50, description="Spec attributes shown and searchable"
    )


class ProductUpdate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"brand": "Acme", "translations": {"en": {"title": "Floral dress"}}}]
        }
    )

    category_id: str | None = None
    translations: dict[str, TranslationIn] | None = Field(
        None, description="Upserted per locale; locales not given are kept"
    )
    default_locale: str | None = Field(None, pattern=LOCALE)
    shop_id: str | None = None
    brand: str | None = Field(None, max_length=200, description="null removes the brand")
    attributes: dict[str, str] | None = Field(
        None, max_length=50, description="Replaces the spec attributes"
    )
    version: int | None = Field(
        None, description="If given, the update applies only to this version (409 otherwise)"
    )


class MerchantRef(BaseModel):
    id: str = Field(examples=[_MER])
    name: str


class ShopRef(BaseModel):
    id: str
    name: str


class ProductDetailRead(BaseModel):
    """The public product page (served from the cache when warm)."""

    id: str = Field(examples=[_PROD])
    status: str
    locale: str | None = Field(description="The locale served, after the fallback rule")
    available_locales: list[str]
    title: str
    description: str
    brand: str | None
    attributes: dict[str, str]
    category: CategoryBrief
    breadcrumb: list[CategoryBrief]
    merchant: MerchantRef
    shop: ShopRef | None
    price: Money | None = Field(description="Lowest list price of its SKUs (see price_currency)")
    sales_count: int
    skus: list[SkuRead]
    created_at: datetime
    updated_at: datetime
    listed_at: datetime | None


class TranslationRead(BaseModel):
    title: str
    description: str


class MerchantProductRead(ProductDetailRead):
    """The merchant's own view: any status, every SKU and translation, the version."""

    version: int
    default_locale: str
    translations: dict[str, TranslationRead]


class ProductSummary(BaseModel):
    id: str = Field(examples=[_PROD])
    title: str
    locale: str | None
    brand: str | None
    category_id: str
    merchant_id: str
    shop_id: str | None
    price: Money | None
    sales_count: int
    created_at: datetime


class ProductPage(BaseModel):
    items: list[ProductSummary]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null: last")


class MerchantProductSummary(ProductSummary):
    status: str
    version: int
    updated_at: datetime


class MerchantProductPage(BaseModel):
    items: list[MerchantProductSummary]
    next_cursor: str | None
