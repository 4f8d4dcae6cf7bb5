"""What may be recommended: the facts of each product that serving-time rules need.

A product is *sellable* when it is listed, its merchant is approved, and one of its active
SKUs has stock available (on hand minus reserved) in an active warehouse. Recommendation
serving keeps these facts in memory and refreshes them every few seconds: a full read at
start-up, then only the products touched since the last read (their row, a SKU, a stock
level or their merchant changed). The "touched" scans have no index on ``updated_at``:
the database scans (tens of ms at 100k products), Python handles only what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, and_, select, union
from sqlalchemy.sql.elements import ColumnElement

from marketplace.catalog.adapters.tables import categories, product_translations, products, skus
from marketplace.catalog.queries import read_connection
from marketplace.inventory.adapters.tables import stock_levels, warehouses
from marketplace.parties.adapters.tables import merchants


@dataclass(frozen=True, slots=True)
class ProductFacts:
    product_id: str
    title: str
    category_id: str
    merchant_id: str
    price_minor: int | None  # the cheapest SKU's list price, minor units
    currency: str | None
    is_sellable: bool
    sales_count: int


def _in_stock() -> ColumnElement[bool]:
    # IN (subquery), not a correlated EXISTS: PostgreSQL hashes the in-stock products once
    # (a hashed semi-join) instead of probing per product.
    return products.c.id.in_(
        select(skus.c.product_id)
        .join(stock_levels, stock_levels.c.sku_id == skus.c.id)
        .join(warehouses, warehouses.c.id == stock_levels.c.warehouse_id)
        .where(
            skus.c.status == "active",
            warehouses.c.is_active.is_(True),
            stock_levels.c.on_hand - stock_levels.c.reserved > 0,
        )
    )


def _touched_since(since: datetime) -> ColumnElement[bool]:
    """Products whose row, merchant, a SKU or a stock level changed since ``since``: a
    union of plain scans, each cheap, instead of a correlated test per product."""
    touched = union(
        select(products.c.id).where(products.c.updated_at >= since),
        select(products.c.id)
        .join(merchants, merchants.c.id == products.c.merchant_id)
        .where(merchants.c.updated_at >= since),
        select(skus.c.product_id).where(skus.c.updated_at >= since),
        select(skus.c.product_id)
        .join(stock_levels, stock_levels.c.sku_id == skus.c.id)
        .where(stock_levels.c.updated_at >= since),
    )
    return products.c.id.in_(select(touched.subquery().c[0]))


def _statement(since: datetime | None) -> Select[Any]:
    p, t = products.c, product_translations.c
    sellable = and_(p.status == "listed", merchants.c.status == "approved", _in_stock())
    stmt = (
        select(
            p.id,
            t.title,
            p.category_id,
            p.merchant_id,
            p.min_price_minor,
            p.price_currency,
            p.sales_count,
            sellable.label("is_sellable"),
        )
        .select_from(
            products.join(merchants, merchants.c.id == p.merchant_id).outerjoin(
                product_translations,
                and_(t.product_id == p.id, t.locale == p.default_locale),
            )
        )
        .order_by(p.id)
    )
    if since is None:
        # A full read needs only what can be shown; the rest is simply absent.
        return stmt.where(p.status == "listed", merchants.c.status == "approved", _in_stock())
    return stmt.where(_touched_since(since))


def product_facts(engine: Engine, *, since: datetime | None = None) -> list[ProductFacts]:
    """Every sellable product (``since`` None), or every product touched since then,
    sellable or not (so that a cache can drop the ones that stopped being sellable)."""
    with read_connection(engine) as conn:
        rows = conn.execute(_statement(since)).all()
    return [
        ProductFacts(
            product_id=r.id,
            title=r.title or "",
            category_id=r.category_id,
            merchant_id=r.merchant_id,
            price_minor=r.min_price_minor,
            currency=r.price_currency,
            is_sellable=bool(r.is_sellable),
            sales_count=int(r.sales_count),
        )
        for r in rows
    ]


def category_parents(engine: Engine) -> dict[str, str | None]:
    """Category id -> parent id, for subtree filters (a small dimension, read whole)."""
    with read_connection(engine) as conn:
        rows = conn.execute(select(categories.c.id, categories.c.parent_id)).all()
    return {r.id: r.parent_id for r in rows}


def product_ids_of_skus(engine: Engine, sku_ids: list[str]) -> list[str]:
    """The products of these SKUs, in the order of the SKUs, each once (cart lines)."""
    if not sku_ids:
        return []
    with read_connection(engine) as conn:
        rows = conn.execute(select(skus.c.id, skus.c.product_id).where(skus.c.id.in_(sku_ids)))
        product_of = {r.id: r.product_id for r in rows}
    return list(dict.fromkeys(product_of[s] for s in sku_ids if s in product_of))
