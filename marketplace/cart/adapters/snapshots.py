"""SKU snapshots for the cart and checkout, in two statements whatever the number of SKUs:

1. each SKU with its product, merchant and shop, its titles (every locale, as one JSON
   object) and its available stock (on hand - reserved over active warehouses) as
   correlated subqueries;
2. the SKUs' prices, a row per price.

The primary currency of a SKU (see ``marketplace.cart.pricing``) is put first in
``SkuSnapshot.prices``: the product's ``price_currency`` when the SKU is priced in it, else
the currency of the SKU's first stored price.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, select

from marketplace.cart.pricing import SkuSnapshot
from marketplace.catalog.adapters.repositories import price_set_from_rows
from marketplace.catalog.adapters.sql import JsonObjectAgg
from marketplace.catalog.adapters.tables import product_translations, products, sku_prices, skus
from marketplace.catalog.domain.locale import resolve_locale
from marketplace.catalog.domain.pricing import PriceSet
from marketplace.inventory.adapters.tables import stock_levels, warehouses
from marketplace.parties.adapters.tables import merchants, shops

_SELLABLE = {"sku": "active", "product": "listed", "merchant": "approved"}


_COLUMNS = (
    skus.c.id, skus.c.product_id, skus.c.sku_code, skus.c.sales_attributes, skus.c.weight_grams,
    skus.c.status, products.c.merchant_id, products.c.shop_id, products.c.category_id,
    products.c.status.label("product_status"), products.c.default_locale,
    products.c.price_currency, merchants.c.status.label("merchant_status"),
    merchants.c.name.label("merchant_name"), shops.c.name.label("shop_name"),
)  # fmt: skip


def _snapshot_statement() -> Any:
    available = (
        select(func.coalesce(func.sum(stock_levels.c.on_hand - stock_levels.c.reserved), 0))
        .join(warehouses, warehouses.c.id == stock_levels.c.warehouse_id)
        .where(stock_levels.c.sku_id == skus.c.id, warehouses.c.is_active.is_(True))
        .scalar_subquery()
    )
    t = product_translations
    titles = (
        select(JsonObjectAgg(t.c.locale, t.c.title))
        .where(t.c.product_id == products.c.id)
        .scalar_subquery()
    )
    return (
        select(*_COLUMNS, available.label("available"), titles.label("titles"))
        .join(products, products.c.id == skus.c.product_id)
        .join(merchants, merchants.c.id == products.c.merchant_id)
        .outerjoin(shops, shops.c.id == products.c.shop_id)
        .where(skus.c.id.in_(bindparam("ids", expanding=True)))
    )


_SNAPSHOTS = _snapshot_statement()
_PRICES = (
    select(sku_prices)
    .where(sku_prices.c.sku_id.in_(bindparam("ids", expanding=True)))
    .order_by(sku_prices.c.sku_id, sku_prices.c.id)
)


class SqlSkuSnapshotReader:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def snapshots(self, sku_ids: Collection[str], *, locale: str | None) -> dict[str, SkuSnapshot]:
        ids = sorted(set(sku_ids))
        if not ids:
            return {}
        rows = self._conn.execute(_SNAPSHOTS, {"ids": ids}).all()
        if not rows:
            return {}
        prices = self._prices([r.id for r in rows])
        return {r.id: _snapshot(r, prices.get(r.id, {}), locale) for r in rows}

    def _prices(self, sku_ids: list[str]) -> dict[str, dict[str, PriceSet]]:
        grouped: dict[str, dict[str, list[Row[Any]]]] = {}
        for row in self._conn.execute(_PRICES, {"ids": sku_ids}):
            grouped.setdefault(row.sku_id, {}).setdefault(row.currency, []).append(row)
        return {
            sku_id: {code: price_set_from_rows(code, rs) for code, rs in by_currency.items()}
            for sku_id, by_currency in grouped.items()
        }


def _primary_first(
    prices: dict[str, PriceSet], product_currency: str | None
) -> dict[str, PriceSet]:
    """The product's price currency first when the SKU has it (dicts keep that order)."""
    if product_currency is not None and product_currency in prices:
        return {product_currency: prices[product_currency]} | prices
    return prices


def _snapshot(row: Row[Any], prices: dict[str, PriceSet], locale: str | None) -> SkuSnapshot:
    titles: dict[str, str] = dict(row.titles or {})
    served = resolve_locale(locale, titles.keys(), row.default_locale)
    is_sellable = (row.status, row.product_status, row.merchant_status) == tuple(_SELLABLE.values())
    return SkuSnapshot(
        sku_id=row.id, product_id=row.product_id, merchant_id=row.merchant_id,
        shop_id=row.shop_id, category_id=row.category_id,
        title=titles[served] if served else "", sku_code=row.sku_code,
        sales_attributes=dict(row.sales_attributes or {}), weight_grams=row.weight_grams,
        is_sellable=is_sellable, prices=_primary_first(prices, row.price_currency),
        available=max(int(row.available or 0), 0), merchant_name=row.merchant_name,
        shop_name=row.shop_name,
    )  # fmt: skip
