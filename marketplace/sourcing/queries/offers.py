"""Sourcing's read side: the B2B offer search, supplier profiles, a merchant's lists.

``search_offers`` is one statement: the offer rows (filters on their own columns, the
category subtree, search-text terms), joined to the approved suppliers and to the one
region entry serving the delivery address (both small), and, for a company, to its
contract prices valid on the day. Price at the quantity, landed unit price and lead time
are computed per row from fixed tier columns (see ``adapters/tables.py``), so sorting by
them is a top-N sort of the matching rows. Statements are built once per shape of query,
every value bound, like the catalog listing.

Regions: with ``country`` and ``region``, a supplier matches through its entry for that
region, else its whole-country entry (region ""). With ``country`` alone, through its
whole-country entry, else the best figures of its entries in that country (shortest lead
time, lowest shipping). Without a country, the shortest lead time of all its entries
counts and no shipping is added. A supplier that
serves no region is not found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
)

from marketplace.catalog.adapters.sql import like_anywhere
from marketplace.catalog.domain.locale import resolve_locale
from marketplace.catalog.queries.listing import search_terms
from marketplace.shared.money import Money
from marketplace.sourcing.adapters.repositories import (
    tiers_of,
)
from marketplace.sourcing.domain import (
    MAX_QUANTITY,
    InvalidOfferQueryError,
    PriceTier,
)
from marketplace.sourcing.queries.statement import Shape, statement

SORTS = ("landed_price", "lead_time", "rating")
MAX_LIMIT = 100
MAX_OFFSET = 1000
MAX_ATTRIBUTE_FILTERS = 10
MAX_SUPPLIER_IDS = 50


@dataclass(frozen=True)
class OfferQuery:
    category_id: str | None = None  # and its descendants
    attributes: Mapping[str, str] = field(default_factory=dict)  # exact match
    text: str | None = None  # every term in the title/search text (any language)
    max_moq: int | None = None
    quantity: int | None = None  # price at it; offers whose MOQ exceeds it are left out
    max_unit_price: Money | None = None  # the unit price at the quantity (contract wins)
    currency: str | None = None
    country: str | None = None  # delivery address (ISO 3166 alpha-2) ...
    region: str | None = None  # ... and province/state
    max_lead_time_days: int | None = None
    verified_only: bool = False
    supplier_ids: Sequence[str] = ()
    sort: str = "landed_price"  # landed_price | lead_time | rating
    limit: int = 20
    offset: int = 0
    locale: str | None = None


@dataclass(frozen=True)
class OfferHit:
    offer_id: str
    merchant_id: str
    supplier_name: str
    sku_id: str
    product_id: str
    category_id: str
    title: str
    sku_code: str
    attributes: dict[str, str]
    moq: int
    quantity: int  # the quantity priced (the MOQ when none was asked)
    tiers: tuple[PriceTier, ...]
    unit_price: Money
    price_rule: str  # "contract:<id>" | "tier:<min_quantity>"
    shipping_per_unit: Money | None  # the region's estimate spread over the quantity
    landed_unit_price: Money
    landed_total: Money
    lead_time_days: int | None
    is_verified: bool
    rating: Decimal | None
    on_time_rate: Decimal | None
    fulfilled_orders: int


@dataclass(frozen=True)
class OfferPage:
    items: list[OfferHit]
    next_offset: int | None


def search_offers(
    conn: Connection, query: OfferQuery, *, company_id: str | None = None, on: date
) -> OfferPage:
    """One page of active offers of approved suppliers (see the module docstring)."""
    shape, params = search_statement(query, company_id=company_id, on=on)
    rows = conn.execute(statement(shape), params).all()
    page, more = rows[: query.limit], len(rows) > query.limit
    items = [_hit(row._mapping, query.locale) for row in page]
    return OfferPage(items, query.offset + query.limit if more else None)


def search_statement(
    query: OfferQuery, *, company_id: str | None, on: date
) -> tuple[Shape, dict[str, Any]]:
    """Check the query; the statement's shape (``statement(shape)``) and its values."""
    _check(query)
    params: dict[str, Any] = {"limit": query.limit + 1, "offset": query.offset, "on": on}
    if query.category_id:
        params["category_id"] = query.category_id
    names = tuple(sorted(query.attributes))
    for i, name in enumerate(names):
        params[f"attr_{i}"] = str(query.attributes[name])
    terms = search_terms(query.text)
    for i, term in enumerate(terms):
        params[f"term_{i}"] = like_anywhere(term)
    currency = query.currency.strip().upper() if query.currency else None
    if query.max_unit_price is not None:
        price_currency = query.max_unit_price.currency.code
        if currency and currency != price_currency:
            raise InvalidOfferQueryError("max_unit_price is in another currency.")
        currency, params["max_price"] = price_currency, query.max_unit_price.minor
    optional = {
        "currency": currency, "max_moq": query.max_moq, "quantity": query.quantity,
        "max_lead": query.max_lead_time_days, "company_id": company_id,
        "country": query.country.strip().upper() if query.country else None,
        "region": " ".join(query.region.split()).lower() if query.region else None,
    }  # fmt: skip
    params.update({k: v for k, v in optional.items() if v is not None})
    if query.supplier_ids:
        params["supplier_ids"] = list(dict.fromkeys(query.supplier_ids))
    shape = Shape(
        sort=query.sort, category="category_id" in params, attributes=names,
        terms=len(terms), max_moq="max_moq" in params, quantity="quantity" in params,
        currency="currency" in params, max_price="max_price" in params,
        country="country" in params, region="region" in params, max_lead="max_lead" in params,
        verified_only=query.verified_only, suppliers="supplier_ids" in params,
        company="company_id" in params,
    )  # fmt: skip
    return shape, params


def _check(query: OfferQuery) -> None:
    def bad(message: str, name: str) -> InvalidOfferQueryError:
        return InvalidOfferQueryError(message, field=name)

    if query.sort not in SORTS:
        raise bad(f"sort must be one of {', '.join(SORTS)}.", "sort")
    if not 1 <= query.limit <= MAX_LIMIT:
        raise bad(f"limit must be between 1 and {MAX_LIMIT}.", "limit")
    if not 0 <= query.offset <= MAX_OFFSET:
        raise bad(f"offset must be between 0 and {MAX_OFFSET}.", "offset")
    for name in ("quantity", "max_moq"):
        value = getattr(query, name)
        if value is not None and not 1 <= value <= MAX_QUANTITY:
            raise bad(f"{name} must be between 1 and {MAX_QUANTITY}.", name)
    if query.max_lead_time_days is not None and query.max_lead_time_days < 0:
        raise bad("max_lead_time_days cannot be negative.", "max_lead_time_days")
    if query.region and not query.country:
        raise bad("A region needs a country.", "region")
    if len(query.attributes) > MAX_ATTRIBUTE_FILTERS:
        raise bad(f"At most {MAX_ATTRIBUTE_FILTERS} attribute filters.", "attributes")
    for name in query.attributes:
        if not name or len(name) > 100 or any(ch in name for ch in '"\\'):
            raise bad(f"{name!r} cannot be filtered on.", "attributes")
    if len(query.supplier_ids) > MAX_SUPPLIER_IDS:
        raise bad(f"At most {MAX_SUPPLIER_IDS} suppliers.", "supplier_ids")


def _hit(m: Any, locale: str | None) -> OfferHit:
    currency = m["currency"]

    def money(minor: Any) -> Money:
        return Money.from_minor(int(minor), currency)

    titles = m["titles"] or {}
    served = resolve_locale(locale, titles.keys(), m["default_locale"])
    quantity, landed = int(m["q"]), money(m["landed_minor"])
    rule = f"contract:{m['contract_id']}" if m["contract_id"] else f"tier:{int(m['tier_min'])}"
    rating, on_time = m["rating_centi"], m["on_time_bp"]
    return OfferHit(
        offer_id=m["id"], merchant_id=m["merchant_id"], supplier_name=m["supplier_name"],
        sku_id=m["sku_id"], product_id=m["product_id"], category_id=m["category_id"],
        title=titles[served] if served else "", sku_code=m["sku_code"],
        attributes=dict(m["attributes"] or {}), moq=int(m["moq"]), quantity=quantity,
        tiers=tiers_of(m), unit_price=money(m["unit_minor"]), price_rule=rule,
        shipping_per_unit=None if m["spread_minor"] is None else money(m["spread_minor"]),
        landed_unit_price=landed, landed_total=landed * quantity,
        lead_time_days=None if m["lead"] is None else int(m["lead"]),
        is_verified=bool(m["is_verified"]),
        rating=None if rating is None else Decimal(rating) / 100,
        on_time_rate=None if on_time is None else Decimal(on_time) / 10000,
        fulfilled_orders=int(m["fulfilled_orders"]),
    )  # fmt: skip
