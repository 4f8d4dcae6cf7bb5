"""The catalog export: one row per SKU, as it is now, with its product (SPU), merchant,
category path (ids, Chinese and English names), attributes and list price.

The list price is the one in the product's listing currency (the merchant's default
currency, as the catalog's listing sorts by); a SKU without a price in it has none.
A SKU's ``updated_at`` is the latest change of the SKU, its product or that price.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Select, and_, func, or_, select

from marketplace.catalog.adapters.tables import (
    categories,
    product_translations,
    products,
    sku_prices,
    skus,
)
from marketplace.exports.domain import Dataset, ExportRequest, WrittenFile
from marketplace.exports.writer import (
    Progress,
    dataset_schema,
    record_batch,
    stream,
    write_single,
)
from marketplace.parties.adapters.tables import merchants

_TS = pa.timestamp("us", tz="UTC")
_ATTRS = pa.map_(pa.string(), pa.string())
# "element": the name Parquet gives list items, so the schema reads back unchanged.
_PATH = pa.list_(pa.field("element", pa.string()))
SCHEMA = dataset_schema(
    Dataset.CATALOG,
    [
        pa.field("sku_id", pa.string(), nullable=False),
        pa.field("sku_code", pa.string(), nullable=False),
        pa.field("barcode", pa.string()),
        pa.field("sku_status", pa.string(), nullable=False),
        pa.field("sales_attributes", _ATTRS, nullable=False),
        pa.field("weight_grams", pa.int32()),
        pa.field("product_id", pa.string(), nullable=False),
        pa.field("product_status", pa.string(), nullable=False),
        pa.field("brand", pa.string()),
        pa.field("attributes", _ATTRS, nullable=False),
        pa.field("shop_id", pa.string()),
        pa.field("title_zh", pa.string()),
        pa.field("title_en", pa.string()),
        pa.field("merchant_id", pa.string(), nullable=False),
        pa.field("merchant_name", pa.string(), nullable=False),
        pa.field("merchant_kind", pa.string(), nullable=False),
        pa.field("category_id", pa.string(), nullable=False),
        pa.field("category_path_ids", _PATH, nullable=False),
        pa.field("category_path_zh", _PATH, nullable=False),
        pa.field("category_path_en", _PATH, nullable=False),
        pa.field("list_price_minor", pa.int64()),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("created_at", _TS, nullable=False),
        pa.field("updated_at", _TS, nullable=False),
    ],
)
_CATEGORY = SCHEMA.get_field_index("category_id")


def query(request: ExportRequest) -> Select[Any]:
    """Every SKU whose latest change falls in the window, in id order."""
    s, p, m = skus.c, products.c, merchants.c
    zh, en = product_translations.alias("zh"), product_translations.alias("en")
    listing_currency = func.coalesce(p.price_currency, m.default_currency)
    price = sku_prices.alias("list_price")
    joins = (
        skus.join(products, p.id == s.product_id)
        .join(merchants, m.id == p.merchant_id)
        .outerjoin(zh, and_(zh.c.product_id == p.id, zh.c.locale == "zh"))
        .outerjoin(en, and_(en.c.product_id == p.id, en.c.locale == "en"))
        .outerjoin(price, and_(
            price.c.sku_id == s.id, price.c.price_type == "list", price.c.member_level == "",
            price.c.min_quantity == 1, price.c.currency == listing_currency,
        ))
    )  # fmt: skip
    stmt = select(
        s.id, s.sku_code, s.barcode, s.status, s.sales_attributes, s.weight_grams,
        p.id.label("product_id"), p.status.label("product_status"), p.brand, p.attributes,
        p.shop_id, zh.c.title.label("title_zh"), en.c.title.label("title_en"),
        m.id.label("merchant_id"), m.name.label("merchant_name"), m.kind.label("merchant_kind"),
        p.category_id, price.c.amount_minor, listing_currency.label("currency"), s.created_at,
        p.updated_at.label("product_updated_at"), price.c.updated_at.label("price_updated_at"),
        s.updated_at,
    ).select_from(joins)  # fmt: skip
    changes = (s.updated_at, p.updated_at, price.c.updated_at)
    return stmt.where(*_changed_in(request, changes)).order_by(s.id)


def _changed_in(request: ExportRequest, changes: Sequence[Any]) -> list[Any]:
    """The latest of the changes (SKU, product, nullable price) falls in [since, until)."""
    clauses: list[Any] = []
    if request.since is not None:
        clauses.append(or_(*(changed >= request.since for changed in changes)))
    if request.until is not None:
        clauses += [or_(changed.is_(None), changed < request.until) for changed in changes]
    return clauses


class CategoryPaths:
    """Each category's path from the root as ids and zh/en names. The tree is a small
    dimension (thousands of rows at most), read once per export."""

    def __init__(self, conn: Connection) -> None:
        rows = conn.execute(select(categories.c.id, categories.c.path, categories.c.names))
        self._names: dict[str, dict[str, str]] = {}
        self._paths: dict[str, list[str]] = {}
        for cid, path, names in rows:
            self._names[cid] = names or {}
            self._paths[cid] = [part for part in path.split("/") if part]

    def of(self, category_id: str) -> tuple[list[str], list[str | None], list[str | None]]:
        ids = self._paths.get(category_id, [category_id])
        return ids, [self._name(i, "zh") for i in ids], [self._name(i, "en") for i in ids]

    def _name(self, category_id: str, language: str) -> str | None:
        names = self._names.get(category_id, {})
        if language in names:
            return names[language]
        # A regional tag (zh-CN, en-GB) stands in for its language.
        regional = sorted(tag for tag in names if tag.startswith(f"{language}-"))
        return names[regional[0]] if regional else None


def _row(row: Sequence[Any], paths: CategoryPaths) -> tuple[Any, ...]:
    *head, created_at, product_changed, price_changed, sku_changed = row
    changed = max(t for t in (sku_changed, product_changed, price_changed) if t is not None)
    ids, zh, en = paths.of(row[_CATEGORY])
    listing = head[_CATEGORY + 1 :]
    return (*head[: _CATEGORY + 1], ids, zh, en, *listing, created_at, changed)


def write(
    conn: Connection, request: ExportRequest, root: Path, progress: Progress
) -> list[WrittenFile]:
    """Stream the window's SKUs into ``part-0.parquet``."""
    paths = CategoryPaths(conn)
    batches = (
        record_batch(SCHEMA, [_row(r, paths) for r in rows])
        for rows in stream(conn, query(request), request.batch_rows)
    )
    return write_single(root, SCHEMA, batches, progress)
