"""Small synthetic interaction data for the recommender tests (fast, deterministic)."""

from __future__ import annotations

import numpy as np
import pytest

from recsys.interactions import Interactions

START = np.datetime64("2026-01-01T00:00:00", "us")


def synthetic_events(seed: int = 7, n_users: int = 60, n_items: int = 40, n: int = 1500) -> dict:
    """Two taste clusters (even and odd items), popularity skew, some purchases in orders."""
    rng = np.random.default_rng(seed)
    users = rng.integers(0, n_users, n)
    cluster = users % 2
    picks = np.minimum(rng.geometric(0.12, n) - 1, n_items // 2 - 1)
    items = picks * 2 + cluster
    kinds = rng.choice(
        ["view", "click", "add_to_cart", "purchase", "search"], n, p=[0.5, 0.15, 0.15, 0.15, 0.05]
    )
    seconds = rng.integers(0, 60 * 86_400, n).astype("timedelta64[s]")
    orders = np.array([f"ord_{u}_{d}" for u, d in zip(users, seconds // 86_400 // 7, strict=True)])
    return {
        "user_ids": np.array([f"usr_{u:03d}" for u in users]),
        "item_ids": np.array([f"prd_{i:03d}" for i in items]),
        "kinds": kinds,
        "timestamps": START + seconds.astype("timedelta64[us]"),
        "basket_ids": orders,
    }


@pytest.fixture(scope="session")
def events() -> dict:
    return synthetic_events()


@pytest.fixture(scope="session")
def interactions(events: dict) -> Interactions:
    e = events
    return Interactions.from_events(
        e["user_ids"],
        e["item_ids"],
        e["kinds"],
        e["timestamps"],
        half_life_days=30.0,
        basket_ids=e["basket_ids"],
    )
