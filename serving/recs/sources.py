"""Training inputs read from the Parquet exports (docs/data/exports.md): the events as
recsys ``Interactions``, the catalog as the search index's item texts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

_CATALOG_COLUMNS = [
    "product_id", "product_status", "title_en", "title_zh", "category_path_en",
    "category_path_zh", "attributes",
]  # fmt: skip


def interactions_from_export(events_dir: Path, *, half_life_days: float | None = 30.0) -> Any:
    """Every event with a user and a product, weighted and decayed towards the last one."""
    from recsys.interactions import Interactions
    from recsys.schema import load_events

    log = load_events(events_dir)
    return Interactions.from_events(
        log.user_ids, log.item_ids, log.kinds, log.timestamps,
        half_life_days=half_life_days, basket_ids=log.order_ids,
    )  # fmt: skip


def catalog_path(export_dir: Path) -> Path | None:
    """``<export>/catalog`` (or the folder itself) when it holds a catalog export."""
    for path in (export_dir / "catalog", export_dir):
        if (path / "_manifest.json").exists() and any(path.glob("*.parquet")):
            return path
    return None


def _names(values: list[str | None] | None) -> list[str]:
    return [v for v in values or [] if v]


def item_texts_from_catalog(path: Path) -> list[Any]:
    """One text per listed product (its first SKU row): title (English, else Chinese),
    category path, attributes."""
    from recsys.content.embed import ItemText

    table = ds.dataset(path, format="parquet").to_table(columns=_CATALOG_COLUMNS)
    seen: set[str] = set()
    items = []
    for row in table.to_pylist():
        pid = row["product_id"]
        if pid in seen or row["product_status"] != "listed":
            continue
        seen.add(pid)
        title = row["title_en"] or row["title_zh"] or ""
        path_names = _names(row["category_path_en"]) or _names(row["category_path_zh"])
        attrs = dict(row["attributes"] or [])
        if row["title_en"] and row["title_zh"]:  # the keyword side then finds Chinese too
            attrs["title_zh"] = row["title_zh"]
        items.append(ItemText(pid, title, tuple(path_names), attrs))
    return items
