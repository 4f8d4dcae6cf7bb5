"""Data of the recommendations benchmark: synthetic interactions (numpy, seeded) and a
PostgreSQL catalogue whose products are the models' items, all sellable.

Interactions: each user has a favourite group of items (200 groups) and draws ~80% of
their events there, the rest from the whole catalogue; within both, items follow a
Zipf-like popularity. Kinds are 85% views, 10% add-to-carts, 5% purchases, spread over 60
days. The catalogue is ``bench.seed_catalog`` (4 SKUs per product, approved merchants),
plus one warehouse per merchant holding stock of every product's first SKU.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from bench.seed_catalog import seed as seed_catalog

GROUPS = 200
KINDS = np.array(["view", "add_to_cart", "purchase"])
KIND_P = [0.85, 0.10, 0.05]
DAYS = 60


@dataclass(frozen=True)
class Synthetic:
    user_ids: np.ndarray
    item_ids: np.ndarray
    kinds: np.ndarray
    timestamps: np.ndarray  # epoch seconds


def interactions(
    item_ids: list[str], *, users: int, events_per_user: float, seed: int = 7
) -> Synthetic:
    """Events as parallel arrays; item ids are the given products."""
    rng = np.random.default_rng(seed)
    n_items = len(item_ids)
    popularity = 1.0 / (np.arange(n_items) + 10.0) ** 0.8
    rng.shuffle(popularity)
    group_of = rng.integers(0, GROUPS, n_items)
    counts = rng.poisson(events_per_user, users) + 1
    user_rows = np.repeat(np.arange(users), counts)
    favourite = rng.integers(0, GROUPS, users)[user_rows]
    n = len(user_rows)
    global_pick = rng.choice(n_items, n, p=popularity / popularity.sum())
    # In-group draws: the same popularity, restricted to the user's favourite group.
    order = np.argsort(group_of, kind="stable")
    starts = np.searchsorted(group_of[order], np.arange(GROUPS + 1))
    in_group = np.empty(n, dtype=np.int64)
    for g in range(GROUPS):
        rows = np.flatnonzero(favourite == g)
        members = order[starts[g] : starts[g + 1]]
        w = popularity[members]
        in_group[rows] = rng.choice(members, len(rows), p=w / w.sum())
    items = np.where(rng.random(n) < 0.8, in_group, global_pick)
    now = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
    return Synthetic(
        user_ids=np.char.add("usr_bench_", user_rows.astype(str)),
        item_ids=np.asarray(item_ids)[items],
        kinds=KINDS[rng.choice(3, n, p=KIND_P)],
        timestamps=now - rng.random(n) * DAYS * 86_400,
    )


def seed_products(dsn: str, *, products: int, datasets_dir: Path) -> list[str]:
    """``products`` sellable products (COPY), returned by id."""
    seeded = seed_catalog(dsn, datasets_dir=datasets_dir, skus=products * 4)
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "INSERT INTO warehouses (id, merchant_id, code, name, country, region, priority,"
            " is_active, created_at, updated_at)"
            " SELECT 'wh_' || id, id, 'MAIN', 'Main', 'CN', region, 0, true, now(), now()"
            " FROM merchants"
        )
        conn.execute(
            "INSERT INTO stock_levels (sku_id, warehouse_id, on_hand, reserved, updated_at)"
            " SELECT DISTINCT ON (product_id) id, 'wh_' || merchant_id, 100, 0, now()"
            " FROM skus ORDER BY product_id, id"
        )
        conn.execute("UPDATE products SET status = 'listed' WHERE status <> 'listed'")
        conn.execute("ANALYZE")
    return list(seeded.product_ids)


def admin_token(secret: str) -> str:
    """A platform admin's access token, signed with the server's secret."""
    from types import SimpleNamespace

    from marketplace.parties.adapters.tokens import JwtAccessTokens

    codec = JwtAccessTokens(secret=secret, issuer="agora", ttl_seconds=3600)
    admin: Any = SimpleNamespace(
        id="usr_bench_admin", is_platform_admin=True, member_level=SimpleNamespace(value="regular")
    )
    return codec.issue(admin, now=datetime.now(UTC)).token
