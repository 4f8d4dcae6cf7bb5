"""Read side of one product: the public detail (what the product page and its cache
show), the merchant's own view, and a SKU's resolved unit price."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, select

from marketplace.catalog.adapters.repositories import price_set_from_rows
from marketplace.catalog.adapters.tables import (
    categories,
    product_translations,
    products,
    sku_prices,
    skus,
)
from marketplace.catalog.domain import PriceSet, resolve_unit_price
from marketplace.catalog.domain.errors import (
    PriceNotAvailableError,
    ProductNotFoundError,
    SkuNotFoundError,
)
from marketplace.catalog.domain.locale import resolve_locale
from marketplace.catalog.domain.pricing import parse_member_level
from marketplace.catalog.queries.categories import breadcrumb
from marketplace.parties.adapters.tables import merchants, shops
from marketplace.shared.currency import get_currency
from marketplace.shared.money import Money


def price_set_dict(prices: PriceSet) -> dict[str, Any]:
    return {
        "currency": prices.currency.code,
        "list_price": prices.list_price.to_dict(),
        "tiers": [
            {"min_quantity": t.min_quantity, "price": t.amount.to_dict()} for t in prices.tiers
        ],
        "member_prices": [
            {"level": m.level.value, "price": m.amount.to_dict()} for m in prices.member_prices
        ],
    }


def _product_row(conn: Connection, product_id: str, *, public: bool) -> Row[Any] | None:
    stmt = (
        select(
            products,
            merchants.c.name.label("merchant_name"),
            merchants.c.status.label("merchant_status"),
            shops.c.name.label("shop_name"),
            categories.c.path.label("category_path"),
        )
        .join(merchants, merchants.c.id == products.c.merchant_id)
        .join(categories, categories.c.id == products.c.category_id)
        .outerjoin(shops, shops.c.id == products.c.shop_id)
        .where(products.c.id == product_id)
    )
    if public:
        stmt = stmt.where(products.c.status == "listed", merchants.c.status == "approved")
    return conn.execute(stmt).first()


def _skus(conn: Connection, product_id: str, *, active_only: bool) -> list[dict[str, Any]]:
    stmt = select(skus).where(skus.c.product_id == product_id)
    if active_only:
        stmt = stmt.where(skus.c.status == "active")
    rows = conn.execute(stmt.order_by(skus.c.created_at, skus.c.id)).all()
    by_sku: dict[str, dict[str, list[Row[Any]]]] = {r.id: {} for r in rows}
    if rows:
        for price in conn.execute(
            select(sku_prices)
            .where(sku_prices.c.sku_id.in_(list(by_sku)))
            .order_by(sku_prices.c.currency, sku_prices.c.id)
        ):
            by_sku[price.sku_id].setdefault(price.currency, []).append(price)
    return [
        {
            "id": r.id,
            "sku_code": r.sku_code,
            "barcode": r.barcode,
            "sales_attributes": dict(r.sales_attributes),
            "weight_grams": r.weight_grams,
            "status": r.status,
            "prices": [
                price_set_dict(price_set_from_rows(currency, price_rows))
                for currency, price_rows in by_sku[r.id].items()
            ],
        }
        for r in rows
    ]


def _detail(conn: Connection, row: Row[Any], locale: str | None, *, public: bool) -> dict[str, Any]:
    translations = {
        t.locale: t
        for t in conn.execute(
            select(product_translations).where(product_translations.c.product_id == row.id)
        )
    }
    served = resolve_locale(locale, translations.keys(), row.default_locale)
    text = translations[served] if served else None
    # Category names follow the reader's language, else the language the product is shown in.
    trail = breadcrumb(conn, row.category_path, locale=locale or served)
    price = (
        Money.from_minor(int(row.min_price_minor), row.price_currency).to_dict()
        if row.min_price_minor is not None and row.price_currency
        else None
    )
    detail: dict[str, Any] = {
        "id": row.id,
        "status": row.status,
        "locale": served,
        "available_locales": sorted(translations),
        "title": text.title if text else "",
        "description": text.description if text else "",
        "brand": row.brand,
        "attributes": dict(row.attributes),
        "category": trail[-1] if trail else {"id": row.category_id, "slug": "", "name": ""},
        "breadcrumb": trail,
        "merchant": {"id": row.merchant_id, "name": row.merchant_name},
        "shop": {"id": row.shop_id, "name": row.shop_name} if row.shop_id else None,
        "price": price,
        "sales_count": int(row.sales_count),
        "skus": _skus(conn, row.id, active_only=public),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "listed_at": row.listed_at,
    }
    if not public:
        detail["version"] = int(row.version)
        detail["default_locale"] = row.default_locale
        detail["merchant"]["status"] = row.merchant_status
        detail["translations"] = {
            tag: {"title": t.title, "description": t.description}
            for tag, t in sorted(translations.items())
        }
    return detail


def product_detail(conn: Connection, product_id: str, *, locale: str | None) -> dict[str, Any]:
    """The public product page: listed, of an approved merchant, active SKUs only."""
    row = _product_row(conn, product_id, public=True)
    if row is None:
        raise ProductNotFoundError(product_id)
    return _detail(conn, row, locale, public=True)


def merchant_product_detail(
    conn: Connection, merchant_id: str, product_id: str, *, locale: str | None
) -> dict[str, Any]:
    """The merchant's view of its own product: any status, every SKU and translation."""
    row = _product_row(conn, product_id, public=False)
    if row is None or row.merchant_id != merchant_id:
        raise ProductNotFoundError(product_id)
    return _detail(conn, row, locale, public=False)


def sku_price_quote(
    conn: Connection,
    sku_id: str,
    *,
    currency: str,
    quantity: int,
    member_level: str | None = None,
) -> dict[str, Any]:
    """The unit price a buyer would pay for ``quantity`` of a publicly sold SKU."""
    code = get_currency(currency).code
    sku = conn.execute(
        select(skus.c.id, skus.c.product_id)
        .join(products, products.c.id == skus.c.product_id)
        .join(merchants, merchants.c.id == products.c.merchant_id)
        .where(
            skus.c.id == sku_id,
            skus.c.status == "active",
            products.c.status == "listed",
            merchants.c.status == "approved",
        )
    ).first()
    if sku is None:
        raise SkuNotFoundError(sku_id)
    rows: Sequence[Row[Any]] = conn.execute(
        select(sku_prices).where(sku_prices.c.sku_id == sku_id, sku_prices.c.currency == code)
    ).all()
    if not rows:
        raise PriceNotAvailableError(sku_id, code)
    level = parse_member_level(member_level)
    resolved = resolve_unit_price(
        price_set_from_rows(code, rows), quantity=quantity, member_level=level
    )
    return {
        "sku_id": sku_id,
        "product_id": sku.product_id,
        "currency": code,
        "quantity": quantity,
        "member_level": level.value,
        "unit_price": resolved.unit_price.to_dict(),
        "total": resolved.total.to_dict(),
        "list_price": resolved.list_price.to_dict(),
        "rule": resolved.rule.value,
        "tier_min_quantity": resolved.min_quantity,
        "applied_member_level": resolved.member_level.value if resolved.member_level else None,
    }
