"""Interactions: event weights, time decay, purchases, baskets."""

from __future__ import annotations

import numpy as np
import pytest

from recsys.interactions import DEFAULT_WEIGHTS, Interactions

DAY = 86_400.0


def build(**kwargs: object) -> Interactions:
    users = ["u1", "u1", "u1", "u2", "u2", "u2"]
    items = ["a", "b", "a", "b", "c", "c"]
    kinds = ["view", "add_to_cart", "purchase", "purchase", "search", "remove_from_cart"]
    times = [0.0, DAY, 2 * DAY, 2 * DAY, 2 * DAY, 2 * DAY]
    return Interactions.from_events(users, items, kinds, times, **kwargs)  # type: ignore[arg-type]


def test_weights_order_view_below_cart_below_purchase() -> None:
    assert DEFAULT_WEIGHTS["view"] < DEFAULT_WEIGHTS["add_to_cart"] < DEFAULT_WEIGHTS["purchase"]
    assert DEFAULT_WEIGHTS["search"] == DEFAULT_WEIGHTS["remove_from_cart"] == 0


def test_weights_sum_per_pair_without_decay() -> None:
    data = build(half_life_days=None)
    assert data.user_ids.tolist() == ["u1", "u2"]
    assert data.item_ids.tolist() == ["a", "b"]  # c had only zero-weight events
    assert data.matrix.dtype == np.float32
    assert data.matrix.toarray().tolist() == [[1.0 + 5.0, 3.0], [0.0, 5.0]]


def test_decay_halves_weight_per_half_life() -> None:
    data = build(half_life_days=1.0, now=2 * DAY)
    dense = data.matrix.toarray()
    # view 2 days old: 1 * 0.25; purchase today: 5; cart 1 day old: 3 * 0.5
    assert dense[0].tolist() == pytest.approx([0.25 + 5.0, 1.5])
    assert dense[1].tolist() == pytest.approx([0.0, 5.0])


def test_custom_weights_and_events_after_now_count_fully() -> None:
    data = build(half_life_days=1.0, now=0.0, weights={"purchase": 1.0})
    assert data.matrix.toarray().tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_purchases_seen_and_last_interaction() -> None:
    data = build()
    assert data.purchased_items("u1") == {"a"}
    assert data.purchased_items("u2") == {"b"}
    assert data.seen_items("u1") == {"a", "b"}
    assert data.last_interaction("u1") == 2 * DAY
    assert data.purchased_items("nobody") == set()
    assert data.last_interaction("nobody") is None


def test_datetime64_timestamps_and_default_now() -> None:
    times = np.array(["2026-01-01T00:00", "2026-01-03T00:00"], dtype="datetime64[us]")
    data = Interactions.from_events(
        ["u", "u"], ["a", "b"], ["view", "view"], times, half_life_days=2.0
    )
    assert data.now == times[1].astype(np.int64) / 1e6
    assert data.matrix.toarray()[0].tolist() == pytest.approx([0.5, 1.0])


def test_baskets_group_purchases_by_order_else_by_user_day() -> None:
    users = ["u1", "u1", "u1", "u2", "u2"]
    items = ["a", "b", "c", "a", "b"]
    kinds = ["purchase"] * 4 + ["view"]
    orders = ["o1", "o1", "o2", None, None]
    data = Interactions.from_events(users, items, kinds, [0.0] * 5, basket_ids=orders)
    baskets = data.basket_matrix().toarray()
    assert sorted(map(tuple, baskets.tolist())) == [(0, 0, 1), (1, 0, 0), (1, 1, 0)]


def test_mismatched_arrays_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        Interactions.from_events(["u"], ["a", "b"], ["view"], [0.0])
