"""What each model computes, on cases small enough to work out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from recsys import factory
from recsys.base import BasketCompleter, Ranking
from recsys.interactions import Interactions
from recsys.models.bought_together import BoughtTogetherRecommender
from recsys.models.popularity import RecentPopularityRecommender
from recsys.models.trending import TrendingRecommender

DAY = 86_400.0


def purchases(rows: list[tuple[str, str, str, float]]) -> Interactions:
    users, items, orders, times = zip(*rows, strict=True)
    return Interactions.from_events(
        users,
        items,
        ["purchase"] * len(rows),
        np.array(times),
        basket_ids=orders,
        half_life_days=None,
    )


def test_popularity_ranks_by_total_weight_and_falls_back_with_top() -> None:
    data = purchases(
        [
            ("u1", "a", "o1", 0),
            ("u2", "a", "o2", 0),
            ("u2", "b", "o2", 0),
            ("u3", "c", "o3", 0),
            ("u3", "a", "o3", 0),
            ("u4", "c", "o4", 0),
        ]
    )
    model = factory.make("popularity").fit(data)
    assert isinstance(model, Ranking)
    assert model.top(3) == [("a", 15.0), ("c", 10.0), ("b", 5.0)]
    assert model.top(3, exclude={"a"}) == [("c", 10.0), ("b", 5.0)]
    assert model.recommend("u1", 2) == [("c", 10.0), ("b", 5.0)]  # a is seen


def test_recent_popularity_counts_the_window_with_decay() -> None:
    data = purchases(
        [
            ("u1", "old", "o1", 0),
            ("u2", "old", "o2", 0),
            ("u3", "old", "o3", 0),
            ("u4", "new", "o4", 30 * DAY),
            ("u5", "mid", "o5", 25 * DAY),
        ]
    )
    model = RecentPopularityRecommender(window_days=10, half_life_days=5).fit(data)
    top = dict(model.top(3))
    assert top["new"] == pytest.approx(5.0, rel=1e-5)
    assert top["mid"] == pytest.approx(2.5, rel=1e-5)  # 5 days old: half
    assert top["old"] < 1e-5  # outside the window: only the tie-breaking prior
    assert [i for i, _ in model.top(3)] == ["new", "mid", "old"]


def test_trending_is_growth_over_the_previous_window_with_support() -> None:
    rows = [(f"u{n}", "rising", f"o{n}", 9 * DAY) for n in range(6)]  # 6 recent
    rows += [("v0", "rising", "p0", 2 * DAY)]  # 1 before
    rows += [(f"w{n}", "steady", f"q{n}", 9 * DAY) for n in range(4)]
    rows += [(f"x{n}", "steady", f"r{n}", 2 * DAY) for n in range(4)]
    rows += [("y0", "rare", "s0", 9 * DAY)]  # under min_events
    model = TrendingRecommender(window_days=5, smoothing=5, min_events=3).fit(purchases(rows))
    top = model.top(5)
    assert [i for i, _ in top] == ["rising", "steady"]
    assert top[0][1] == pytest.approx((30 + 5) / (5 + 5))
    assert top[1][1] == pytest.approx((20 + 5) / (20 + 5))


def test_bought_together_is_lift_with_a_support_threshold() -> None:
    # 4 orders: {a,b}, {a,b}, {a,c}, {d}; a in 3, b in 2, c in 1.
    data = purchases(
        [
            ("u1", "a", "o1", 0),
            ("u1", "b", "o1", 0),
            ("u2", "a", "o2", 0),
            ("u2", "b", "o2", 0),
            ("u3", "a", "o3", 0),
            ("u3", "c", "o3", 0),
            ("u4", "d", "o4", 0),
        ]
    )
    model = BoughtTogetherRecommender(min_support=2).fit(data)
    assert isinstance(model, BasketCompleter)
    # lift(a, b) = 2 * 4 / (3 * 2); (a, c) appears once: under the support threshold
    assert model.bought_together("a", 5) == [("b", pytest.approx(4 / 3))]
    assert model.bought_together("b", 5, exclude={"a"}) == []
    assert model.bought_together("zzz", 5) == []
    loose = BoughtTogetherRecommender(min_support=1).fit(data)
    # lift(a, c) = 1 * 4 / (3 * 1) = 4/3 too: the tie goes to the lower id
    assert loose.bought_together("a", 5) == [
        ("b", pytest.approx(4 / 3)),
        ("c", pytest.approx(4 / 3)),
    ]


def test_item_knn_neighbours_are_cosine_of_who_interacted() -> None:
    data = purchases(
        [
            ("u1", "a", "o1", 0),
            ("u1", "b", "o1", 0),
            ("u2", "a", "o2", 0),
            ("u2", "b", "o2", 0),
            ("u3", "a", "o3", 0),
            ("u3", "c", "o3", 0),
        ]
    )
    model = factory.make("item_knn", shrink=0.0).fit(data)
    similar = dict(model.similar_items("a", 5))
    assert similar["b"] == pytest.approx(2 / np.sqrt(3 * 2))
    assert similar["c"] == pytest.approx(1 / np.sqrt(3 * 1))
    assert model.recommend("u3", 1)[0][0] == "b"


@pytest.mark.parametrize("name", ["als", "bpr"])
def test_factor_models_find_the_taste_cluster(name: str, interactions: Interactions) -> None:
    # Synthetic users of an even cluster mostly interact with even items (conftest).
    model = factory.make(name, factors=8, iterations=30 if name == "als" else 200).fit(interactions)
    hits = total = 0
    for user in interactions.user_ids:
        cluster = int(str(user)[-3:]) % 2
        recs = model.recommend(str(user), 5)
        hits += sum(int(item[-3:]) % 2 == cluster for item, _ in recs)
        total += len(recs)
    assert hits / total > 0.8
