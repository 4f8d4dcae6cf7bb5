"""The catalogue's product texts, shared by the search family (the index) and the
recommenders (the hybrid's text neighbours).

``build_items`` reads the catalog export with Ray Data and keeps one text row per listed
product (title, category path, attributes): those sellable at extract time, or every listed
one when none is sellable (or when reading existing exports, which carry no sellable list).
The rows go to ``items.jsonl`` in the stage's folder; ``read_items`` gives them back as
recsys ``ItemText`` in the same order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from pipelines.ray_data import read_with_ray

if TYPE_CHECKING:
    from recsys.content.embed import ItemText

ITEMS_FILE = "items.jsonl"
CATALOG_COLUMNS = [
    "product_id", "product_status", "title_en", "title_zh", "category_path_en",
    "category_path_zh", "attributes",
]  # fmt: skip
OTHER_TITLE = "title_zh"  # the attribute holding the Chinese title of an English-titled product


def item_rows(table: pa.Table, sellable: set[str] | None) -> list[dict[str, Any]]:
    """One text row per listed product (its first SKU row); only ``sellable`` ones when
    given. Title: English, else Chinese; the Chinese title also as an attribute."""
    seen: set[str] = set()
    rows = []
    for row in table.select(CATALOG_COLUMNS).to_pylist():
        pid = row["product_id"]
        if pid in seen or row["product_status"] != "listed":
            continue
        if sellable is not None and pid not in sellable:
            continue
        seen.add(pid)
        path = [n for n in row["category_path_en"] or [] if n] or [
            n for n in row["category_path_zh"] or [] if n
        ]
        attrs = dict(row["attributes"] or [])
        if row["title_en"] and row["title_zh"]:  # the keyword side then finds Chinese too
            attrs[OTHER_TITLE] = row["title_zh"]
        title = row["title_en"] or row["title_zh"] or ""
        rows.append({"item_id": pid, "title": title, "category_path": path, "attributes": attrs})
    return rows


def write_items(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def read_items(build_dir: Path) -> list[ItemText]:
    """The catalogue texts as recsys ItemText, in build order (none without the file)."""
    from recsys.content.embed import ItemText

    path = build_dir / ITEMS_FILE
    if not path.is_file():
        return []
    items = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            attrs = {str(k): str(v) for k, v in row["attributes"].items()}
            items.append(ItemText(row["item_id"], row["title"], tuple(row["category_path"]), attrs))
    return items


def build_items(
    extracted: Mapping[str, Any], out: Path, log: Callable[[str], None] = lambda _m: None
) -> int:
    """``items.jsonl`` in ``out`` from the ``extract`` stage's catalog export (read with
    Ray Data); the number of products written (0 without a catalog or a listed product)."""
    catalog = extracted["datasets"].get("catalog")
    if catalog is None:
        return 0
    tables = read_with_ray(Path(catalog), CATALOG_COLUMNS)
    if not tables:
        return 0
    sellable_file = extracted.get("sellable")
    sellable = set(json.loads(Path(sellable_file).read_text())) if sellable_file else set()
    # Only what can be bought now is indexed (and embedded: minutes for a whole large
    # catalogue); a marketplace selling nothing yet gets every listed product.
    rows = item_rows(pa.concat_tables(tables), sellable or None)
    write_items(out / ITEMS_FILE, rows)
    log(f"build: {len(rows)} product texts")
    return len(rows)
