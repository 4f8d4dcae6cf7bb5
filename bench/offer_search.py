"""B2B offer search benchmark: ``marketplace.sourcing.queries.search_offers`` in-process
on one PostgreSQL connection, over 50k offers.

A fresh database (the models' tables, created from the metadata) is seeded with COPY:
several hundred suppliers serving Chinese provinces and a few countries, a three-level
category tree, products and SKUs with attributes and bilingual search text, 50k offers
with 1-4 quantity-break tiers, and contract prices of a few dozen companies. Then each
query shape (with and without category, region, quantity, text, each sort) runs for a
few seconds with random values, and count, p50, p95 and p99 are printed per shape and
overall. Goal: p99 under 50 ms; when a shape misses it, its EXPLAIN ANALYZE is printed.

    python -m bench.offer_search [--offers 50000] [--suppliers 400] [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import psycopg
from sqlalchemy import Connection

from bench.seed_catalog import _copy
from marketplace.db.engine import make_engine
from marketplace.db.schema import load_all_tables, metadata
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money
from marketplace.sourcing import queries
from marketplace.sourcing.queries import OfferQuery

PG_ADMIN = os.environ.get("AGORA_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
DB_NAME = os.environ.get("AGORA_BENCH_OFFERS_DB", "agora_bench_offers")
GOAL_P99_MS = 50.0
TODAY = date(2026, 11, 1)
NOW = datetime(2026, 11, 1, tzinfo=UTC)

PROVINCES = [
    "Beijing",
    "Shanghai",
    "Tianjin",
    "Chongqing",
    "Guangdong",
    "Zhejiang",
    "Jiangsu",
    "Shandong",
    "Fujian",
    "Hebei",
    "Henan",
    "Hubei",
    "Hunan",
    "Sichuan",
    "Anhui",
    "Jiangxi",
    "Shaanxi",
    "Shanxi",
    "Liaoning",
    "Jilin",
    "Heilongjiang",
    "Yunnan",
    "Guizhou",
    "Guangxi",
    "Hainan",
    "Gansu",
    "Qinghai",
    "Ningxia",
    "Xinjiang",
    "Tibet",
    "Inner Mongolia",
]
COUNTRIES = ["US", "DE", "JP", "GB", "FR"]
# (English noun, Chinese noun, attribute name, values) per top-level group.
GROUPS = [
    ("fastener", "紧固件", "material", ["steel", "brass", "nylon", "zinc"]),
    ("cable", "电缆", "gauge", ["12awg", "14awg", "16awg", "18awg"]),
    ("towel", "毛巾", "material", ["cotton", "bamboo", "microfiber", "linen"]),
    ("carton", "纸箱", "ply", ["3", "5", "7"]),
    ("glove", "手套", "material", ["nitrile", "latex", "cotton", "leather"]),
    ("bottle", "瓶子", "capacity", ["250ml", "500ml", "1l", "2l"]),
    ("bearing", "轴承", "bore", ["6mm", "8mm", "10mm", "12mm"]),
    ("led strip", "灯带", "colour", ["warm", "cool", "rgb"]),
    ("tape", "胶带", "width", ["12mm", "24mm", "48mm"]),
    ("mug", "马克杯", "material", ["ceramic", "glass", "steel"]),
]
ADJECTIVES = [
    ("industrial", "工业"),
    ("premium", "优质"),
    ("bulk", "批发"),
    ("eco", "环保"),
    ("heavy duty", "重型"),
    ("custom", "定制"),
    ("standard", "标准"),
]
COLOURS = ["red", "black", "white", "blue", "grey"]


@dataclass
class Seeded:
    category_roots: list[str] = field(default_factory=list)
    category_mids: list[str] = field(default_factory=list)
    category_leaves: list[str] = field(default_factory=list)
    suppliers: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    offers: int = 0


# -- seeding --------------------------------------------------------------------------------------
def _json(value: object) -> str:
    return orjson.dumps(value).decode()


def prepare_database() -> str:
    """A fresh database with every table of the models (the migrations may lag them)."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    url = f"{PG_ADMIN.rpartition('/')[0]}/{DB_NAME}"
    load_all_tables()
    engine = make_engine(url, pool_size=1)
    metadata.create_all(engine)
    engine.dispose()
    return url


def _merchants(conn: psycopg.Connection[Any], rng: random.Random, n: int, out: Seeded) -> None:
    rows = []
    for i in range(n):
        mid = new_id("mer")
        kind = "supplier" if i % 3 else "third_party"
        status = "suspended" if i % 50 == 49 else "approved"
        rows.append(
            (mid, f"Supplier {i}", f"bench-supplier-{i}", kind, status, "CNY", "zh", NOW, NOW, NOW)
        )
        out.suppliers.append(mid)
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
        ],
        iter(rows),
    )
    profiles, regions = [], []
    for mid in out.suppliers:
        rated, verified = rng.random() < 0.8, rng.random() < 0.3
        profiles.append(
            (
                mid,
                "CNY",
                rng.choice([1, 10, 50]),
                "",
                _json([{"name": "ISO 9001", "issuer": "SGS", "valid_until": "2027-12-31"}]),
                verified,
                NOW if verified else None,
                rng.randrange(0, 5000) if rated else 0,
                rng.randrange(6000, 10001) if rated else None,
                rng.randrange(250, 501) if rated else None,
                NOW,
                NOW,
                NOW,
            )
        )
        served = rng.sample(PROVINCES, rng.randrange(3, 16))
        if rng.random() < 0.4:
            served.append("")  # anywhere in China
        for name in served:
            regions.append(
                (
                    mid,
                    "CN",
                    name,
                    rng.randrange(1, 15),
                    rng.randrange(0, 200),
                    rng.randrange(0, 20_000),
                )
            )
        for country in rng.sample(COUNTRIES, rng.randrange(0, 3)):
            regions.append(
                (
                    mid,
                    country,
                    "",
                    rng.randrange(7, 45),
                    rng.randrange(50, 500),
                    rng.randrange(10_000, 100_000),
                )
            )
    _copy(
        conn,
        "supplier_profiles",
        [
            "merchant_id",
            "currency",
            "default_moq",
            "description",
            "certifications",
            "is_verified",
            "verified_at",
            "fulfilled_orders",
            "on_time_bp",
            "rating_centi",
            "metrics_at",
            "created_at",
            "updated_at",
        ],
        iter(profiles),
    )
    _copy(
        conn,
        "supplier_regions",
        [
            "merchant_id",
            "country",
            "region",
            "lead_time_days",
            "shipping_per_unit_minor",
            "shipping_per_order_minor",
        ],
        iter(regions),
    )


def _categories(conn: psycopg.Connection[Any], out: Seeded) -> list[tuple[str, int]]:
    """Ten roots, four children each, three leaves each: (leaf id, group index)."""
    rows, leaves = [], []

    def add(parent: tuple[str, str] | None, slug: str, names: dict[str, str], pos: int) -> str:
        cid = new_id("cat")
        path = f"{parent[1] if parent else '/'}{cid}/"
        depth = path.count("/") - 2
        rows.append(
            (
                cid,
                parent[0] if parent else None,
                slug,
                _json(names),
                path,
                depth,
                pos,
                True,
                NOW,
                NOW,
            )
        )
        return cid

    for g, (en, zh, _, _) in enumerate(GROUPS):
        root = add(None, f"b-{g}", {"en": en, "zh": zh}, g)
        out.category_roots.append(root)
        for m in range(4):
            mid = add((root, f"/{root}/"), f"b-{g}-{m}", {"en": f"{en} {m}"}, m)
            out.category_mids.append(mid)
            for leaf in range(3):
                lid = add((mid, f"/{root}/{mid}/"), f"b-{g}-{m}-{leaf}", {"en": en}, leaf)
                out.category_leaves.append(lid)
                leaves.append((lid, g))
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
        iter(rows),
    )
    return leaves


def _tiers(rng: random.Random) -> list[tuple[int, int]]:
    moq = rng.choice([1, 1, 10, 10, 50, 100, 200, 500, 1000])
    price = rng.randrange(50, 50_000)
    tiers = [(moq, price)]
    for _ in range(rng.randrange(0, 4)):
        moq, price = moq * rng.choice([2, 5, 10]), price * rng.randrange(80, 97) // 100
        tiers.append((moq, price))
    return tiers


def _offers(
    conn: psycopg.Connection[Any],
    rng: random.Random,
    n: int,
    out: Seeded,
    leaves: list[tuple[str, int]],
) -> list[tuple[str, str]]:
    """Products (two SKUs each), their SKUs and one offer per SKU: (sku, merchant)."""
    products, skus, offers, owned = [], [], [], []
    approved = [m for i, m in enumerate(out.suppliers) if i % 50 != 49]
    for p in range(n // 2):
        pid, mid = new_id("prod"), rng.choice(out.suppliers)
        leaf, g = rng.choice(leaves)
        en, zh, attr, values = GROUPS[g]
        adj_en, adj_zh = rng.choice(ADJECTIVES)
        value = rng.choice(values)
        title_en, title_zh = f"{adj_en} {en} {value} #{p}", f"{adj_zh}{zh} {value} {p}号"
        search = f"{title_zh} {title_en} brand{rng.randrange(300)} {value}".lower()
        attrs = {attr: value}
        products.append(
            (pid, mid, leaf, "listed", _json(attrs), "zh", search, "CNY", 100, 0, 1, NOW, NOW, NOW)
        )
        for k in range(2):
            sid, colour = new_id("sku"), COLOURS[(p + k) % len(COLOURS)]
            code = f"B{p}-{k}"
            skus.append(
                (
                    sid,
                    pid,
                    mid,
                    code,
                    _json({"colour": colour}),
                    f"colour={colour}",
                    "active",
                    NOW,
                    NOW,
                )
            )
            tiers = _tiers(rng)
            cols: list[Any] = [tiers[0][1]]
            for t in range(1, 5):
                cols += [tiers[t][0], tiers[t][1]] if t < len(tiers) else [None, None]
            lead = rng.randrange(1, 30) if rng.random() < 0.1 else None
            offers.append(
                (
                    new_id("ofr"),
                    mid,
                    sid,
                    "CNY",
                    tiers[0][0],
                    *cols,
                    lead,
                    rng.random() < 0.95,
                    pid,
                    leaf,
                    code,
                    "zh",
                    _json({"zh": title_zh, "en": title_en}),
                    _json({**attrs, "colour": colour}),
                    f"{search} {code.lower()} {colour}",
                    NOW,
                    NOW,
                )
            )
            if mid in approved:
                owned.append((sid, mid))
    _copy(
        conn,
        "products",
        [
            "id",
            "merchant_id",
            "category_id",
            "status",
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
        "skus",
        [
            "id",
            "product_id",
            "merchant_id",
            "sku_code",
            "sales_attributes",
            "attributes_key",
            "status",
            "created_at",
            "updated_at",
        ],
        iter(skus),
    )
    tier_cols = ["unit_price_1_minor"] + [
        c for t in range(2, 6) for c in (f"min_quantity_{t}", f"unit_price_{t}_minor")
    ]
    out.offers = _copy(
        conn,
        "offers",
        [
            "id",
            "merchant_id",
            "sku_id",
            "currency",
            "moq",
            *tier_cols,
            "lead_time_days",
            "is_active",
            "product_id",
            "category_id",
            "sku_code",
            "default_locale",
            "titles",
            "attributes",
            "search_text",
            "created_at",
            "updated_at",
        ],
        iter(offers),
    )
    return owned


def _contracts(
    conn: psycopg.Connection[Any], rng: random.Random, out: Seeded, owned: list[tuple[str, str]]
) -> None:
    out.companies = [new_id("cmp") for _ in range(40)]
    rows = []
    for company in out.companies:
        for sku_id, mid in rng.sample(owned, 50):
            start = TODAY - timedelta(days=rng.randrange(0, 200))
            end = start + timedelta(days=rng.randrange(30, 400))
            rows.append(
                (
                    new_id("cpr"),
                    company,
                    sku_id,
                    mid,
                    "CNY",
                    rng.randrange(40, 40_000),
                    start,
                    end,
                    None,
                    NOW,
                )
            )
    _copy(
        conn,
        "contract_prices",
        [
            "id",
            "company_id",
            "sku_id",
            "merchant_id",
            "currency",
            "unit_price_minor",
            "valid_from",
            "valid_until",
            "created_by",
            "created_at",
        ],
        iter(rows),
    )


def seed(url: str, *, offers: int, suppliers: int, seed_value: int = 11) -> Seeded:
    rng, out = random.Random(seed_value), Seeded()
    with psycopg.connect(url) as conn:
        _merchants(conn, rng, suppliers, out)
        leaves = _categories(conn, out)
        owned = _offers(conn, rng, offers, out, leaves)
        _contracts(conn, rng, out, owned)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return out


# -- the query mix ------------------------------------------------------------------------------
Shape = Callable[[random.Random], tuple[OfferQuery, str | None]]


def _shapes(s: Seeded) -> dict[str, Shape]:
    def place(r: random.Random) -> dict[str, Any]:
        return {"country": "CN", "region": r.choice(PROVINCES)}

    def qty(r: random.Random) -> int:
        return r.choice([1, 10, 50, 100, 300, 1000, 5000])

    def text(r: random.Random) -> str:
        g = r.choice(GROUPS)
        return r.choice([g[0], g[1], f"{r.choice(ADJECTIVES)[0]} {g[0]}", r.choice(g[3])])

    return {
        "all, landed": lambda r: (OfferQuery(), None),
        "all, quantity+region, landed": lambda r: (OfferQuery(quantity=qty(r), **place(r)), None),
        "root category+region, landed": lambda r: (
            OfferQuery(category_id=r.choice(s.category_roots), quantity=qty(r), **place(r)),
            None,
        ),
        "mid category+region+lead, lead_time": lambda r: (
            OfferQuery(
                category_id=r.choice(s.category_mids),
                max_lead_time_days=7,
                sort="lead_time",
                **place(r),
            ),
            None,
        ),
        "leaf category+attrs+verified, rating": lambda r: (
            OfferQuery(
                category_id=r.choice(s.category_leaves),
                sort="rating",
                attributes={"colour": r.choice(COLOURS)},
                verified_only=r.random() < 0.5,
            ),
            None,
        ),
        "text, landed": lambda r: (OfferQuery(text=text(r), quantity=qty(r)), None),
        "text+region, rating": lambda r: (
            OfferQuery(text=text(r), sort="rating", **place(r)),
            None,
        ),
        "region+max price+max moq, lead_time": lambda r: (
            OfferQuery(
                max_unit_price=Money.from_minor(r.randrange(500, 20_000), "CNY"),
                max_moq=r.choice([10, 100]),
                sort="lead_time",
                **place(r),
            ),
            None,
        ),
        "company contracts+quantity+region, landed": lambda r: (
            OfferQuery(quantity=qty(r), **place(r)),
            r.choice(s.companies),
        ),
        "abroad (US)+quantity, landed": lambda r: (
            OfferQuery(country="US", quantity=qty(r)),
            None,
        ),
        "all, landed, page 5": lambda r: (OfferQuery(offset=80), None),
    }


@dataclass
class ShapeResult:
    name: str
    ms: list[float]
    hits: int

    def pct(self, p: float) -> float:
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _run(
    conn: Connection, name: str, shape: Shape, seconds: float, rng: random.Random
) -> ShapeResult:
    for _ in range(5):  # warm-up: plans, caches
        query, company = shape(rng)
        queries.search_offers(conn, query, company_id=company, on=TODAY)
    ms, hits = [], 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        query, company = shape(rng)
        started = time.perf_counter()
        page = queries.search_offers(conn, query, company_id=company, on=TODAY)
        ms.append((time.perf_counter() - started) * 1000)
        hits += len(page.items)
    return ShapeResult(name, ms, hits)


def explain(conn: Connection, shape: Shape, rng: random.Random) -> Iterator[str]:
    query, company = shape(rng)
    shape_key, params = queries.search_statement(query, company_id=company, on=TODAY)
    stmt = queries.statement(shape_key).params(**params)
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    for row in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql.replace("%", "%%")):
        yield str(row[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=50_000)
    parser.add_argument("--suppliers", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=3.0, help="per query shape")
    args = parser.parse_args()
    url = prepare_database()
    started = time.perf_counter()
    seeded = seed(url, offers=args.offers, suppliers=args.suppliers)
    print(
        f"seeded {seeded.offers:,} offers of {len(seeded.suppliers)} suppliers, "
        f"{len(seeded.category_leaves)} leaf categories, {len(seeded.companies)} companies "
        f"with contract prices in {time.perf_counter() - started:.1f}s",
        flush=True,
    )
    engine = make_engine(url, pool_size=1)
    rng = random.Random(5)
    results = []
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        shapes = _shapes(seeded)
        print(f"\n{'query shape':44} {'count':>6} {'hits/q':>6} {'p50':>7} {'p95':>7} {'p99':>7}")
        for name, shape in shapes.items():
            result = _run(conn, name, shape, args.seconds, rng)
            results.append(result)
            print(
                f"{name:44} {len(result.ms):6d} {result.hits / len(result.ms):6.1f} "
                f"{result.pct(50):7.2f} {result.pct(95):7.2f} {result.pct(99):7.2f}",
                flush=True,
            )
        overall = ShapeResult("overall", [m for r in results for m in r.ms], 0)
        print(
            f"{'overall (ms)':44} {len(overall.ms):6d} {'':6} {overall.pct(50):7.2f} "
            f"{overall.pct(95):7.2f} {overall.pct(99):7.2f}"
        )
        print(f"mean {statistics.fmean(overall.ms):.2f} ms; goal p99 < {GOAL_P99_MS:.0f} ms")
        slowest = max(results, key=lambda r: r.pct(99))
        if slowest.pct(99) >= GOAL_P99_MS:
            print(f"\nMISSED: '{slowest.name}' p99 {slowest.pct(99):.2f} ms. Its plan:")
            for line in explain(conn, shapes[slowest.name], rng):
                print("  " + line)
        else:
            print(f"met: slowest shape '{slowest.name}' p99 {slowest.pct(99):.2f} ms")
    engine.dispose()


if __name__ == "__main__":
    main()
