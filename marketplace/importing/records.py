"""Plain records of marketplace facts, made by the importers and the synthetic generator
and written by ``BulkWriter``. Money is a Decimal with a currency code; ids come from
``marketplace.importing.ids.stable_id`` (the writer derives the ids of child rows, such as
an order's lines, from their parent's)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

# Buyers imported from history have never chosen a password: this hash matches none (it
# is not an argon2 hash, so verification fails) until a password is set or reset.
NO_PASSWORD = "!imported:no-password"

MERCHANT_KINDS = ("third_party", "supplier", "self_operated")
ORDER_FINAL_STATUSES = ("paid", "shipped", "delivered", "completed", "cancelled")


@dataclass(frozen=True, slots=True)
class MerchantRecord:
    """An approved merchant with one open shop and an owner account."""

    id: str
    shop_id: str
    owner_user_id: str
    owner_email: str
    name: str
    kind: str  # third_party | supplier | self_operated
    created_at: datetime
    source: str  # written into the approval's reason: "imported from <source>"
    city: str | None = None
    region: str | None = None
    legal_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    default_currency: str = "CNY"
    default_locale: str = "zh"
    shop_name: str | None = None  # default: "<name> shop"


@dataclass(frozen=True, slots=True)
class CategoryRecord:
    """A category; parents must be written before (or in the same call as) children."""

    id: str
    slug: str
    names: Mapping[str, str]  # {"zh": ..., "en": ...}
    created_at: datetime
    parent_id: str | None = None
    position: int = 0


@dataclass(frozen=True, slots=True)
class PriceRecord:
    currency: str
    list_price: Decimal
    tiers: tuple[tuple[int, Decimal], ...] = ()  # (min_quantity, unit price)


@dataclass(frozen=True, slots=True)
class SkuRecord:
    id: str
    sku_code: str
    prices: tuple[PriceRecord, ...]
    sales_attributes: Mapping[str, str] = field(default_factory=dict)
    weight_grams: int | None = None
    barcode: str | None = None


@dataclass(frozen=True, slots=True)
class ProductRecord:
    """An SPU with its SKUs, listed for sale unless ``is_listed`` is false."""

    id: str
    merchant_id: str
    shop_id: str | None
    category_id: str
    titles: Mapping[str, str]  # locale -> title
    skus: tuple[SkuRecord, ...]
    created_at: datetime
    descriptions: Mapping[str, str] = field(default_factory=dict)
    attributes: Mapping[str, str] = field(default_factory=dict)
    brand: str | None = None
    default_locale: str = "zh"
    price_currency: str = "CNY"  # the merchant's default currency (listing sort)
    is_listed: bool = True


@dataclass(frozen=True, slots=True)
class BuyerRecord:
    id: str
    email: str
    display_name: str
    created_at: datetime
    locale: str = "zh"
    member_level: str = "regular"


@dataclass(frozen=True, slots=True)
class CompanyRecord:
    """A B2B buyer company; ``admin_user_id`` (a buyer written before) is its buyer admin."""

    id: str
    name: str
    admin_user_id: str
    created_at: datetime
    currency: str = "CNY"
    tax_id: str | None = None
    approval_ttl_days: int = 7


@dataclass(frozen=True, slots=True)
class OrderLineRecord:
    sku_id: str
    quantity: int
    unit_price: Decimal
    list_price: Decimal | None = None  # default: the unit price
    price_rule: str = "list"
    commission_rate: Decimal = Decimal(0)  # frozen at placement; history predates rules


@dataclass(frozen=True, slots=True)
class HistoricalOrderRecord:
    """One checkout: split into one order per merchant of its lines, as checkout does.

    ``id`` is the checkout group's id; orders, lines and the payment get ids derived from
    it. ``status`` is where the orders ended: paid, shipped, delivered, completed (each
    reached through the legal chain of moves) or cancelled (never paid).
    """

    id: str
    buyer_id: str
    placed_at: datetime
    currency: str
    lines: tuple[OrderLineRecord, ...]
    status: str = "completed"
    paid_at: datetime | None = None  # default: placed_at (not for cancelled orders)
    channel: str = "web"
    company_id: str | None = None
    shipping: Mapping[str, Decimal] = field(default_factory=dict)  # merchant_id -> amount
    address: Mapping[str, Any] = field(default_factory=dict)
    payment_method: str = "external"  # paid outside Agora: funding account gateway:external
    gateway_reference: str | None = None
    locale: str | None = None  # the titles copied onto the lines
    source: str = "import"  # the actor of the moves after payment: "import:<source>"


@dataclass(frozen=True, slots=True)
class RefundRecord:
    """A refund that succeeded: ``quantity`` units of the line of ``sku_id`` in the order
    of checkout group ``group_id``, ``amount`` back to the buyer."""

    id: str
    group_id: str
    sku_id: str
    quantity: int
    amount: Decimal
    at: datetime
    reason: str = "-"


@dataclass(frozen=True, slots=True)
class BehaviourEventRecord:
    """A row of ``behaviour_events`` (see marketplace.behaviour.adapters.tables)."""

    id: str
    occurred_at: datetime
    type: str
    source: str  # import_olist | import_online_retail | synthetic
    session_id: str
    channel: str = "web"
    user_id: str | None = None
    product_id: str | None = None
    sku_id: str | None = None
    merchant_id: str | None = None
    quantity: int | None = None
    price: Decimal | None = None
    currency: str | None = None
    order_id: str | None = None
    query: str | None = None
    results: tuple[str, ...] | None = None
    position: int | None = None
    attribution_id: str | None = None
    received_at: datetime | None = None  # default: occurred_at
