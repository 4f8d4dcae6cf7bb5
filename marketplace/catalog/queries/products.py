"""Read side of one product: the public detail (what the product page and its cache
show), the merchant's own view, and a SKU's resolved unit price.

A product page is one statement on PostgreSQL: translations, the categories on its path
and the SKUs with their prices come back as JSON arrays beside the product's columns.
Elsewhere (SQLite) it is three: the product with a row per translation, the breadcrumb,
and the SKUs with a row per price. Both feed the same shaping code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import ARRAY, Connection, Row, Select, String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from marketplace.catalog.adapters.repositories import price_set_from_rows
from marketplace.catalog.adapters.tables import (
    categories,
    product_translations,
    products,
    sku_prices,
    skus,
)
from marketplace.catalog.domain import PriceSet, resolve_unit_price
from marketplace.catalog.domain.categories import path_ids
from marketplace.catalog.domain.errors import (
    PriceNotAvailableError,
    ProductNotFoundError,
    SkuNotFoundError,
)
from marketplace.catalog.domain.locale import resolve_locale
from marketplace.catalog.domain.pricing import parse_member_level
from marketplace.catalog.queries.categories import ancestor_briefs, brief
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


class _Loaded(NamedTuple):
    """A product as read, before it is shaped for a reader's locale."""

    row: Row[Any]  # products columns, merchant_name/status, shop_name, category_path
    translations: dict[str, tuple[str, str]]  # locale -> (title, description)
    trail: list[Any]  # the categories on its path, root first: id, slug, names
    skus: list[dict[str, Any]]


class _Brief(NamedTuple):
    id: str
    slug: str
    names: dict[str, str]


class _Price(NamedTuple):
    price_type: str
    member_level: str
    min_quantity: int
    amount_minor: int


_PRODUCT_COLUMNS = (
    products.c.id, products.c.merchant_id, products.c.shop_id, products.c.category_id,
    products.c.status, products.c.brand, products.c.attributes, products.c.default_locale,
    products.c.price_currency, products.c.min_price_minor, products.c.sales_count,
    products.c.version, products.c.created_at, products.c.updated_at, products.c.listed_at,
    merchants.c.name.label("merchant_name"), merchants.c.status.label("merchant_status"),
    shops.c.name.label("shop_name"), categories.c.path.label("category_path"),
)  # fmt: skip
_SKU_COLUMNS = (
    skus.c.id, skus.c.sku_code, skus.c.barcode, skus.c.sales_attributes, skus.c.weight_grams,
    skus.c.status,
)  # fmt: skip
_PRICE_COLUMNS = (
    sku_prices.c.price_type, sku_prices.c.member_level, sku_prices.c.min_quantity,
    sku_prices.c.amount_minor,
)  # fmt: skip


def _product_statement(*, public: bool, extra: Sequence[Any] = ()) -> Select[Any]:
    """The product with its merchant, shop and category path (and ``extra`` columns).

    Publicly: listed, of an approved merchant; for its merchant (``merchant_id`` bound):
    any status."""
    stmt = (
        select(*_PRODUCT_COLUMNS, *extra)
        .join(merchants, merchants.c.id == products.c.merchant_id)
        .join(categories, categories.c.id == products.c.category_id)
        .outerjoin(shops, shops.c.id == products.c.shop_id)
        .where(products.c.id == bindparam("product_id"))
    )
    if public:
        return stmt.where(products.c.status == "listed", merchants.c.status == "approved")
    return stmt.where(products.c.merchant_id == bindparam("merchant_id"))


def _skus_filter(*, active_only: bool) -> list[Any]:
    conditions: list[Any] = [skus.c.product_id == products.c.id]
    if active_only:
        conditions.append(skus.c.status == "active")
    return conditions


def _aggregated_statement(*, public: bool) -> Select[Any]:
    """PostgreSQL: the whole product page in one statement, its lists as JSON arrays."""
    t, cat = product_translations, categories.alias("ancestor")
    translations = select(
        func.json_agg(func.json_build_array(t.c.locale, t.c.title, t.c.description))
    ).where(t.c.product_id == products.c.id)
    on_path = func.string_to_array(categories.c.path, "/", type_=ARRAY(String))
    trail = select(func.json_agg(func.json_build_array(cat.c.id, cat.c.slug, cat.c.names))).where(
        cat.c.id == any_(on_path)
    )
    prices = select(
        func.json_agg(
            aggregate_order_by(
                func.json_build_array(sku_prices.c.currency, *_PRICE_COLUMNS),
                sku_prices.c.currency,
                sku_prices.c.id,
            )
        )
    ).where(sku_prices.c.sku_id == skus.c.id)
    sku_list = select(
        func.json_agg(
            aggregate_order_by(
                func.json_build_array(*_SKU_COLUMNS, prices.scalar_subquery()),
                skus.c.created_at,
                skus.c.id,
            )
        )
    ).where(*_skus_filter(active_only=public))
    return _product_statement(
        public=public,
        extra=(
            translations.scalar_subquery().label("translations"),
            trail.scalar_subquery().label("trail"),
            sku_list.scalar_subquery().label("skus"),
        ),
    )


def _translations_statement(*, public: bool) -> Select[Any]:
    """Elsewhere: the product, one row per translation (a product without any: one row)."""
    t = product_translations
    stmt = _product_statement(
        public=public,
        extra=(t.c.locale.label("t_locale"), t.c.title.label("t_title"), t.c.description),
    )
    return stmt.outerjoin(t, t.c.product_id == products.c.id)


def _skus_statement(*, active_only: bool) -> Select[Any]:
    """Elsewhere: a product's SKUs with their prices, a row per price (or per bare SKU)."""
    stmt = (
        select(*_SKU_COLUMNS, sku_prices.c.currency, *_PRICE_COLUMNS)
        .select_from(skus.outerjoin(sku_prices, sku_prices.c.sku_id == skus.c.id))
        .where(skus.c.product_id == bindparam("product_id"))
    )
    if active_only:
        stmt = stmt.where(skus.c.status == "active")
    return stmt.order_by(skus.c.created_at, skus.c.id, sku_prices.c.currency, sku_prices.c.id)


# Built once: SQLAlchemy then finds their compiled SQL in its cache without rebuilding them.
_AGGREGATED = {public: _aggregated_statement(public=public) for public in (True, False)}
_TRANSLATIONS = {public: _translations_statement(public=public) for public in (True, False)}
_SKUS = {active_only: _skus_statement(active_only=active_only) for active_only in (True, False)}


def _load(conn: Connection, product_id: str, merchant_id: str | None = None) -> _Loaded | None:
    """The public product (``merchant_id`` None), or any product of ``merchant_id``."""
    public = merchant_id is None
    params = {"product_id": product_id, "merchant_id": merchant_id}
    if conn.dialect.name == "postgresql":
        row = conn.execute(_AGGREGATED[public], params).first()
        if row is None:
            return None
        ids = path_ids(row.category_path)
        found = {c[0]: _Brief(*c) for c in row.trail or ()}
        return _Loaded(
            row,
            {locale: (title, text) for locale, title, text in row.translations or ()},
            [found[i] for i in ids if i in found],
            [_sku(s[:-1], _by_currency(s[-1] or ())) for s in row.skus or ()],
        )
    rows = conn.execute(_TRANSLATIONS[public], params).all()
    if not rows:
        return None
    row = rows[0]
    return _Loaded(
        row,
        {r.t_locale: (r.t_title, r.description) for r in rows if r.t_locale is not None},
        ancestor_briefs(conn, row.category_path),
        _skus(conn, product_id, active_only=public),
    )


def _by_currency(prices: Iterable[Sequence[Any]]) -> dict[str, list[_Price]]:
    grouped: dict[str, list[_Price]] = {}
    for currency, *price in prices:
        grouped.setdefault(currency, []).append(_Price(*price))
    return grouped


def _sku(fields: Sequence[Any], prices: dict[str, list[Any]]) -> dict[str, Any]:
    """A SKU as shown: ``fields`` are the values of ``_SKU_COLUMNS``."""
    sku_id, sku_code, barcode, sales_attributes, weight_grams, status = fields
    return {
        "id": sku_id,
        "sku_code": sku_code,
        "barcode": barcode,
        "sales_attributes": dict(sales_attributes),
        "weight_grams": weight_grams,
        "status": status,
        "prices": [
            price_set_dict(price_set_from_rows(currency, rows)) for currency, rows in prices.items()
        ],
    }


def _skus(conn: Connection, product_id: str, *, active_only: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    last: Row[Any] | None = None
    prices: dict[str, list[Any]] = {}  # of the SKU in ``last``
    for r in conn.execute(_SKUS[active_only], {"product_id": product_id}):
        if last is not None and r.id != last.id:
            out.append(_sku(last[:6], prices))
            prices = {}
        last = r
        if r.currency is not None:
            prices.setdefault(r.currency, []).append(r)
    if last is not None:
        out.append(_sku(last[:6], prices))
    return out


def _detail(loaded: _Loaded, locale: str | None, *, public: bool) -> dict[str, Any]:
    row, translations = loaded.row, loaded.translations
    served = resolve_locale(locale, translations.keys(), row.default_locale)
    title, description = translations[served] if served else ("", "")
    # Category names follow the reader's language, else the language the product is shown in.
    trail = [brief(c, locale or served) for c in loaded.trail]
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
        "title": title,
        "description": description,
        "brand": row.brand,
        "attributes": dict(row.attributes),
        "category": trail[-1] if trail else {"id": row.category_id, "slug": "", "name": ""},
        "breadcrumb": trail,
        "merchant": {"id": row.merchant_id, "name": row.merchant_name},
        "shop": {"id": row.shop_id, "name": row.shop_name} if row.shop_id else None,
        "price": price,
        "sales_count": int(row.sales_count),
        "skus": loaded.skus,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "listed_at": row.listed_at,
    }
    if not public:
        detail["version"] = int(row.version)
        detail["default_locale"] = row.default_locale
        detail["merchant"]["status"] = row.merchant_status
        detail["translations"] = {
            tag: {"title": title, "description": description}
            for tag, (title, description) in sorted(translations.items())
        }
    return detail


def product_detail(conn: Connection, product_id: str, *, locale: str | None) -> dict[str, Any]:
    """The public product page: listed, of an approved merchant, active SKUs only."""
    loaded = _load(conn, product_id)
    if loaded is None:
        raise ProductNotFoundError(product_id)
    return _detail(loaded, locale, public=True)


def merchant_product_detail(
    conn: Connection, merchant_id: str, product_id: str, *, locale: str | None
) -> dict[str, Any]:
    """The merchant's view of its own product: any status, every SKU and translation."""
    loaded = _load(conn, product_id, merchant_id)
    if loaded is None:
        raise ProductNotFoundError(product_id)
    return _detail(loaded, locale, public=False)


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
