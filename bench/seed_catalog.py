"""Bulk-load a realistic catalog (merchants, category tree, SPUs, SKUs, prices) into
PostgreSQL with COPY, for benchmarks. Rows have the same shape the catalog services write;
category names come from Olist's real category list when the data set is present."""

from __future__ import annotations

import csv
import gzip
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import psycopg

from marketplace.shared.ids import new_id

COLOURS = [("红色", "red"), ("黑色", "black"), ("白色", "white"), ("蓝色", "blue")]
SIZES = ["S", "M", "L", "XL"]
GROUPS = [
    ("home", "家居生活", "Home & living"),
    ("fashion", "服饰箱包", "Fashion"),
    ("electronics", "数码电器", "Electronics"),
    ("beauty", "美妆个护", "Beauty & health"),
    ("sports", "运动户外", "Sports & outdoors"),
    ("kids", "母婴玩具", "Baby & toys"),
    ("office", "办公文具", "Office & stationery"),
    ("food", "食品生鲜", "Food"),
    ("auto", "汽车用品", "Automotive"),
    ("other", "其他", "Other"),
]
ADJECTIVES = [
    ("经典", "classic"),
    ("轻便", "lightweight"),
    ("耐用", "durable"),
    ("时尚", "stylish"),
    ("高端", "premium"),
    ("环保", "eco-friendly"),
]


@dataclass
class SeededCatalog:
    category_ids: list[str] = field(default_factory=list)
    root_category_ids: list[str] = field(default_factory=list)
    product_ids: list[str] = field(default_factory=list)
    sku_count: int = 0


def olist_category_names(datasets_dir: Path) -> list[str]:
    path = datasets_dir / "olist-brazilian-ecommerce" / "product_category_name_translation.csv.gz"
    if not path.exists():
        return [f"category_{i}" for i in range(70)]
    with gzip.open(path, "rt", encoding="utf-8-sig") as fh:
        return [row["product_category_name_english"] for row in csv.DictReader(fh)]


def _copy(conn: psycopg.Connection, table: str, columns: list[str], rows: Iterator[tuple]) -> int:  # type: ignore[type-arg]
    count = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)
            count += 1
    return count


def seed(
    dsn: str, *, datasets_dir: Path, skus: int = 100_000, merchants: int = 100, seed_value: int = 7
) -> SeededCatalog:
    """Insert ``skus`` SKUs (4 per product) and everything they hang on."""
    rng = random.Random(seed_value)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    out = SeededCatalog()
    with psycopg.connect(dsn) as conn:
        merchant_ids = [new_id("mer") for _ in range(merchants)]
        shop_ids = [new_id("shop") for _ in merchant_ids]
        _copy(
            conn,
            "merchants",
            [
                "id",
                "name",
                "slug",
                "kind",
                "status",
                "default_currency",
                "default_locale",
                "created_at",
                "updated_at",
                "approved_at",
                "region",
                "city",
            ],
            (
                (
                    m,
                    f"Bench Merchant {i}",
                    f"bench-merchant-{i}",
                    "third_party",
                    "approved",
                    "CNY",
                    "zh",
                    now,
                    now,
                    now,
                    "Zhejiang",
                    "Hangzhou",
                )
                for i, m in enumerate(merchant_ids)
            ),
        )
        _copy(
            conn,
            "shops",
            ["id", "merchant_id", "name", "slug", "is_open", "created_at", "updated_at"],
            (
                (s, m, f"Bench Shop {i}", f"bench-shop-{i}", True, now, now)
                for i, (s, m) in enumerate(zip(shop_ids, merchant_ids, strict=True))
            ),
        )
        leaves: list[tuple[str, str]] = []  # (id, english name)
        cat_rows = []
        for pos, (slug, zh, en) in enumerate(GROUPS):
            gid = new_id("cat")
            out.root_category_ids.append(gid)
            cat_rows.append(
                (
                    gid,
                    None,
                    f"bench-{slug}",
                    orjson.dumps({"zh": zh, "en": en}).decode(),
                    f"/{gid}/",
                    0,
                    pos,
                    True,
                    now,
                    now,
                )
            )
        for i, name in enumerate(olist_category_names(datasets_dir)):
            parent = out.root_category_ids[i % len(GROUPS)]
            cid = new_id("cat")
            label = name.replace("_", " ")
            cat_rows.append(
                (
                    cid,
                    parent,
                    f"bench-{name}-{i}",
                    orjson.dumps({"en": label, "zh": f"{label}(类目)"}).decode(),
                    f"/{parent}/{cid}/",
                    1,
                    i,
                    True,
                    now,
                    now,
                )
            )
            leaves.append((cid, label))
        _copy(
            conn,
            "categories",
            [
                "id",
                "parent_id",
                "slug",
                "names",
                "path",
                "depth",
                "position",
                "is_active",
                "created_at",
                "updated_at",
            ],
            iter(cat_rows),
        )
        out.category_ids = [r[0] for r in cat_rows]

        n_products = skus // 4
        products, translations, sku_rows, prices = [], [], [], []
        for p in range(n_products):
            pid = new_id("prod")
            m = rng.randrange(merchants)
            cid, label = leaves[rng.randrange(len(leaves))]
            adj_zh, adj_en = ADJECTIVES[rng.randrange(len(ADJECTIVES))]
            brand = f"Brand{rng.randrange(300)}"
            title_en = f"{adj_en.title()} {label} {p}"
            title_zh = f"{adj_zh}{label} {p}号"
            desc_en = f"A {adj_en} {label} from {brand}, model {p}."
            desc_zh = f"{brand}出品的{adj_zh}{label},型号{p}。"
            base_minor = rng.randrange(990, 99_900)
            attrs = {"material": rng.choice(["cotton", "steel", "plastic", "wood"])}
            search = " ".join(
                [title_zh, desc_zh, title_en, desc_en, brand, *attrs.values()]
            ).lower()
            created = now - timedelta(minutes=n_products - p)
            products.append(
                (
                    pid,
                    merchant_ids[m],
                    shop_ids[m],
                    cid,
                    "listed",
                    brand,
                    orjson.dumps(attrs).decode(),
                    "zh",
                    search,
                    "CNY",
                    base_minor,
                    rng.randrange(10_000),
                    1,
                    created,
                    created,
                    created,
                )
            )
            translations.append((pid, "zh", title_zh, desc_zh))
            translations.append((pid, "en", title_en, desc_en))
            for k in range(4):
                sid = new_id("sku")
                colour_zh, _ = COLOURS[k % 4]
                size = SIZES[(k + p) % 4]
                sales = {"colour": colour_zh, "size": size}
                sku_rows.append(
                    (
                        sid,
                        pid,
                        merchant_ids[m],
                        f"P{p}-{k}",
                        None,
                        orjson.dumps(sales).decode(),
                        f"colour={colour_zh}|size={size}",
                        200 + k * 10,
                        "active",
                        created,
                        created,
                    )
                )
                amount = base_minor + k * 100
                prices.append((sid, "CNY", "list", "", 1, amount, created))
                prices.append((sid, "CNY", "tier", "", 10, amount * 9 // 10, created))
                prices.append((sid, "CNY", "member", "gold", 1, amount * 95 // 100, created))
            out.product_ids.append(pid)
        _copy(
            conn,
            "products",
            [
                "id",
                "merchant_id",
                "shop_id",
                "category_id",
                "status",
                "brand",
                "attributes",
                "default_locale",
                "search_text",
                "price_currency",
                "min_price_minor",
                "sales_count",
                "version",
                "created_at",
                "updated_at",
                "listed_at",
            ],
            iter(products),
        )
        _copy(
            conn,
            "product_translations",
            ["product_id", "locale", "title", "description"],
            iter(translations),
        )
        out.sku_count = _copy(
            conn,
            "skus",
            [
                "id",
                "product_id",
                "merchant_id",
                "sku_code",
                "barcode",
                "sales_attributes",
                "attributes_key",
                "weight_grams",
                "status",
                "created_at",
                "updated_at",
            ],
            iter(sku_rows),
        )
        _copy(
            conn,
            "sku_prices",
            [
                "sku_id",
                "currency",
                "price_type",
                "member_level",
                "min_quantity",
                "amount_minor",
                "updated_at",
            ],
            iter(prices),
        )
        conn.execute("ANALYZE")
    return out


def ids_file(ids: list[str]) -> str:
    buf = io.StringIO()
    buf.writelines(f"{i}\n" for i in ids)
    return buf.getvalue()
