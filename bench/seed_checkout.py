"""Bulk-load what a place-and-pay benchmark needs on top of the catalog seed: one warehouse
per merchant with deep stock on every SKU, buyers with funded wallets, and a platform
commission rule, all with COPY. Rows have the shape the services write, so checkout and
payment run their ordinary paths (allocation, reservation, commission, ledger) on them.

Buyers get no usable password: the benchmark mints their access tokens directly, since
logging in through argon2 would measure the password hash, not checkout.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench import seed_catalog
from bench.seed_catalog import _copy
from marketplace.shared.ids import new_id

STOCK_PER_SKU = 100_000_000  # never runs out, whatever the run length
WALLET_MINOR = 10**15  # likewise for the buyers' wallets
CURRENCY = "CNY"
COMMISSION_RATE = "0.0500"
REGIONS = ("Shanghai", "Zhejiang", "Jiangsu", "Guangdong")


@dataclass
class SeededMarket:
    buyer_ids: list[str] = field(default_factory=list)
    skus_by_merchant: dict[str, list[str]] = field(default_factory=dict)

    @property
    def sku_count(self) -> int:
        return sum(len(v) for v in self.skus_by_merchant.values())


def seed(
    dsn: str,
    *,
    datasets_dir: Path,
    skus: int = 2_000,
    merchants: int = 50,
    buyers: int = 500,
    seed_value: int = 11,
) -> SeededMarket:
    """Catalog (``skus`` SKUs over ``merchants`` merchants), stock, buyers and wallets."""
    seed_catalog.seed(dsn, datasets_dir=datasets_dir, skus=skus, merchants=merchants)
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    with psycopg.connect(dsn) as conn:
        market = SeededMarket(skus_by_merchant=_stock(conn, rng, now))
        market.buyer_ids = _buyers(conn, buyers, now)
        _commission_rule(conn, now)
        conn.commit()
        conn.execute("ANALYZE")
    return market


def load(dsn: str) -> SeededMarket:
    """What an earlier ``seed`` left in the database."""
    with psycopg.connect(dsn) as conn:
        buyers = [r[0] for r in conn.execute("SELECT id FROM users WHERE email LIKE 'bench-%'")]
        by_merchant: dict[str, list[str]] = defaultdict(list)
        for sku_id, merchant_id in conn.execute(
            "SELECT s.id, s.merchant_id FROM skus s JOIN stock_levels l ON l.sku_id = s.id"
        ):
            by_merchant[merchant_id].append(sku_id)
    return SeededMarket(buyer_ids=buyers, skus_by_merchant=dict(by_merchant))


def _stock(conn: psycopg.Connection, rng: random.Random, now: datetime) -> dict[str, list[str]]:
    """One warehouse per merchant, every SKU of the merchant stocked there."""
    by_merchant: dict[str, list[str]] = defaultdict(list)
    for sku_id, merchant_id in conn.execute("SELECT id, merchant_id FROM skus ORDER BY id"):
        by_merchant[merchant_id].append(sku_id)
    warehouse_of = {m: new_id("wh") for m in sorted(by_merchant)}
    _copy(
        conn,
        "warehouses",
        ["id", "merchant_id", "code", "name", "country", "region", "city", "priority",
         "is_active", "created_at", "updated_at"],
        ((w, m, "MAIN", f"Bench warehouse {i}", "CN", region, region, 0, True, now, now)
         for i, (m, w) in enumerate(warehouse_of.items())
         for region in [REGIONS[rng.randrange(len(REGIONS))]]),
    )  # fmt: skip
    _copy(
        conn,
        "stock_levels",
        ["sku_id", "warehouse_id", "on_hand", "reserved", "updated_at"],
        ((s, warehouse_of[m], STOCK_PER_SKU, 0, now)
         for m, skus in by_merchant.items() for s in skus),
    )  # fmt: skip
    _copy(
        conn,
        "stock_movements",
        ["sku_id", "warehouse_id", "kind", "delta_on_hand", "delta_reserved", "on_hand_after",
         "reserved_after", "reason", "reference", "actor", "created_at"],
        ((s, warehouse_of[m], "inbound", STOCK_PER_SKU, 0, STOCK_PER_SKU, 0, "bench seed",
          None, "bench", now) for m, skus in by_merchant.items() for s in skus),
    )  # fmt: skip
    return dict(by_merchant)


def _buyers(conn: psycopg.Connection, count: int, now: datetime) -> list[str]:
    ids = [new_id("usr") for _ in range(count)]
    _copy(
        conn,
        "users",
        ["id", "email", "password_hash", "display_name", "locale", "member_level",
         "is_platform_admin", "is_active", "created_at", "updated_at"],
        ((u, f"bench-{i}@buyers.example", "!bench-no-login", f"Bench buyer {i}", "zh",
          "regular", False, True, now, now) for i, u in enumerate(ids)),
    )  # fmt: skip
    _copy(
        conn,
        "wallet_accounts",
        ["user_id", "currency", "balance_minor", "updated_at"],
        ((u, CURRENCY, WALLET_MINOR, now) for u in ids),
    )
    _copy(
        conn,
        "wallet_entries",
        ["user_id", "currency", "amount_minor", "balance_after_minor", "kind", "reference",
         "created_at"],
        ((u, CURRENCY, WALLET_MINOR, WALLET_MINOR, "top_up", f"bench-seed:{u}", now)
         for u in ids),
    )  # fmt: skip
    return ids


def _commission_rule(conn: psycopg.Connection, now: datetime) -> None:
    """A platform default rule, as a real marketplace has (else every line logs a warning)."""
    conn.execute(
        "INSERT INTO commission_rules (id, scope, scope_id, rate, is_active, effective_from,"
        " effective_to, note, created_at, updated_at) VALUES"
        " (%s, 'platform', NULL, %s, true, NULL, NULL, 'bench default', %s, %s)",
        (new_id("cr"), COMMISSION_RATE, now, now),
    )
