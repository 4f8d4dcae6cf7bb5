"""The catalog export: one row per SKU with its product, merchant, category path in both
languages and list price; --since keeps the SKUs changed since (a price change counts)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import Engine

from marketplace.catalog import services
from marketplace.catalog.domain.commands import SetSkuPrices
from marketplace.exports import catalog
from marketplace.exports.domain import Dataset, ExportRequest
from marketplace.exports.services import export_dataset
from marketplace.shared.clock import FixedClock
from tests.integration.catalog_seed import Catalog, insert_merchant


def _export(
    engine: Engine, clock: FixedClock, out: Path, since: datetime | None,
    until: datetime | None = None,
) -> list[Any]:  # fmt: skip
    request = ExportRequest.of(Dataset.CATALOG, since=since, until=until, now=clock.now())
    export_dataset(request, engine=engine, out_dir=out)
    table = pq.read_table(out / "catalog" / "part-0.parquet")
    # Parquet names a map's entries after its column; the types are the same.
    assert [(f.name, f.type, f.nullable) for f in table.schema] == [
        (f.name, f.type, f.nullable) for f in catalog.SCHEMA
    ]
    assert table.schema.metadata == catalog.SCHEMA.metadata
    return sorted(table.to_pylist(), key=lambda r: r["sku_code"])


def _seed(engine: Engine, clock: FixedClock) -> tuple[Catalog, dict[str, str]]:
    merchant, shop = insert_merchant(engine, clock, name="Tea House")
    shelf = Catalog(engine, clock)
    kitchen = shelf.category("Kitchen", zh="厨房")
    cups = shelf.category("Cups", kitchen, zh="杯子")
    pot = shelf.product(merchant, kitchen, titles={"en": "Teapot"}, skus=(({}, "88.00"),))
    clock.advance(timedelta(days=1))
    cup = shelf.product(
        merchant, cups, titles={"zh": "茶杯", "en": "Tea cup"}, brand="Jingdezhen",
        attributes={"material": "porcelain"},
        skus=(({"colour": "white"}, "12.50"), ({"colour": "blue"}, None)),
    )  # fmt: skip
    ids = {"merchant": merchant, "shop": shop, "kitchen": kitchen, "cups": cups, "pot": pot,
           "cup": cup}  # fmt: skip
    return shelf, ids


def test_every_sku_with_its_product_category_path_and_list_price(
    any_engine: Engine, clock: FixedClock, out: Path
) -> None:
    _, ids = _seed(any_engine, clock)

    rows = _export(any_engine, clock, out, since=None)

    by_product = {(r["product_id"], r["list_price_minor"]): r for r in rows}
    assert sorted(by_product, key=str) == sorted(
        [(ids["pot"], 8800), (ids["cup"], 1250), (ids["cup"], None)], key=str
    )
    white = by_product[(ids["cup"], 1250)]
    assert {k: white[k] for k in (
        "sku_status", "product_status", "brand", "shop_id", "title_zh", "title_en",
        "merchant_id", "merchant_name", "merchant_kind", "category_id", "category_path_ids",
        "category_path_zh", "category_path_en", "currency", "weight_grams", "barcode",
    )} == {
        "sku_status": "active", "product_status": "listed", "brand": "Jingdezhen",
        "shop_id": ids["shop"], "title_zh": "茶杯", "title_en": "Tea cup",
        "merchant_id": ids["merchant"], "merchant_name": "Tea House",
        "merchant_kind": "third_party", "category_id": ids["cups"],
        "category_path_ids": [ids["kitchen"], ids["cups"]],
        "category_path_zh": ["厨房", "杯子"], "category_path_en": ["Kitchen", "Cups"],
        "currency": "CNY", "weight_grams": None, "barcode": None,
    }  # fmt: skip
    assert white["sales_attributes"] == [("colour", "white")]
    assert white["attributes"] == [("material", "porcelain")]
    assert white["updated_at"] >= white["created_at"]
    pot = by_product[(ids["pot"], 8800)]
    assert (pot["title_zh"], pot["title_en"], pot["category_path_zh"]) == (None, "Teapot", ["厨房"])
    manifest = json.loads((out / "catalog" / "_manifest.json").read_text())
    assert (manifest["rows"], manifest["time_range"]["since"]) == (3, None)


def test_since_keeps_the_skus_changed_in_the_window(
    any_engine: Engine, clock: FixedClock, out: Path
) -> None:
    shelf, ids = _seed(any_engine, clock)
    clock.advance(timedelta(days=1))
    since = clock.now()
    assert _export(any_engine, clock, out, since=since) == []  # nothing changed since

    clock.advance(timedelta(hours=1))
    pot_sku = next(r["sku_id"] for r in _export(any_engine, clock, out, since=None)
                   if r["product_id"] == ids["pot"])  # fmt: skip
    services.set_sku_prices(
        SetSkuPrices(ids["merchant"], pot_sku, currency="CNY", list_price="79.90"),
        uow=shelf.uow(), cache=shelf.cache,
    )  # fmt: skip
    clock.advance(timedelta(hours=1))

    rows = _export(any_engine, clock, out, since=since)
    assert [(r["sku_id"], r["list_price_minor"]) for r in rows] == [(pot_sku, 7990)]
    assert rows[0]["updated_at"] >= since
    unchanged = _export(any_engine, clock, out, since=None, until=since)  # changed before
    assert sorted(r["product_id"] for r in unchanged) == [ids["cup"], ids["cup"]]
