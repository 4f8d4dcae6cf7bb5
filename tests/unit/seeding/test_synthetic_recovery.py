"""What was planted can be read back from the generated history.

Elasticity: for each product, a log-log OLS (weighted by units) of units sold per day on
the price of the day, over the product's (price, promotion) regimes, with the planted
seasonality and promotion lift as offsets:
``log(units / sum of season * lift over the regime's days) ~ a + e * log(price / base)``.
Stated tolerance: over products with at least 200 units sold, the median absolute error of
``e`` is below 0.25 and the error of the mean elasticity below 0.15. The same estimator with
the day's views as the exposure (conversion per view) is tighter: median error < 0.15.

Preferences: each user's most viewed category is their planted top interest for at least
85 % of the users with at least 30 views.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import pytest

from marketplace.seeding.synthetic import Simulator, SyntheticParams, World, build_world

# A year of history, few products (about one per category) so each sells hundreds of units;
# no searches (they add events, not information about prices); a high cart rate for the
# same reason.
PARAMS = SyntheticParams(
    users=1500, merchants=4, products=24, days=365, seed=11, search_rate=0.0, cart_rate=0.3
)


@dataclass
class History:
    world: World
    units: dict[int, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    views: dict[int, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    user_views: dict[int, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    user_log_price: dict[int, float] = field(default_factory=lambda: defaultdict(float))


@pytest.fixture(scope="module")
def history() -> History:
    world = build_world(PARAMS)
    out = History(world)
    category = [p.category for p in world.products]
    log_price = [math.log(p.base_price) for p in world.products]
    for day in Simulator(world).days():
        for e in day.events:
            if e.type == "view" and e.product is not None:
                out.views[e.product][day.index] += 1
                out.user_views[e.user][category[e.product]] += 1
                out.user_log_price[e.user] += log_price[e.product]
            elif e.type == "purchase" and e.product is not None and e.quantity:
                out.units[e.product][day.index] += e.quantity
    return out


def _fit(history: History, product: int, *, by_views: bool) -> tuple[float, int] | None:
    """(estimated elasticity, units sold), or None with too few units to say."""
    world = history.world
    p = world.products[product]
    season = world.seasonality.factors(PARAMS.start, PARAMS.days)
    regimes: dict[tuple[int, bool], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for d in range(PARAMS.days):
        price, promo = p.schedule.price_on(d)
        lift = PARAMS.promo_conversion_lift if promo else 1.0
        exposure = history.views[product][d] if by_views else season[d]
        regime = regimes[(price, promo)]
        regime[0] += history.units[product][d]
        regime[1] += exposure * lift
    rows = [
        (math.log(price / p.base_price), math.log(u / e), u)
        for (price, _), (u, e) in regimes.items()
        if u > 0
    ]
    sold = int(sum(r[2] for r in rows))
    if len(rows) < 3 or sold < 200:
        return None
    x, y, w = (np.array(col) for col in zip(*rows, strict=True))
    design = np.column_stack([np.ones_like(x), x]) * np.sqrt(w)[:, None]
    coef = np.linalg.lstsq(design, y * np.sqrt(w), rcond=None)[0]
    return float(coef[1]), sold


def _errors(history: History, *, by_views: bool) -> tuple[list[float], list[float]]:
    fitted, planted = [], []
    for p in history.world.products:
        result = _fit(history, p.index, by_views=by_views)
        if result is not None:
            fitted.append(result[0])
            planted.append(p.elasticity)
    return fitted, planted


def test_planted_elasticities_are_recovered_from_daily_units(history: History) -> None:
    fitted, planted = _errors(history, by_views=False)
    assert len(fitted) >= 20  # nearly every product sold enough to estimate
    errors = np.abs(np.array(fitted) - np.array(planted))
    assert float(np.median(errors)) < 0.25, sorted(errors)
    assert abs(float(np.mean(fitted)) - float(np.mean(planted))) < 0.15


def test_planted_elasticities_are_recovered_from_conversion(history: History) -> None:
    fitted, planted = _errors(history, by_views=True)
    errors = np.abs(np.array(fitted) - np.array(planted))
    assert float(np.median(errors)) < 0.15, sorted(errors)
    # And the estimates rank the products as planted.
    assert float(np.corrcoef(fitted, planted)[0, 1]) > 0.8


def test_planted_top_category_is_the_most_viewed(history: History) -> None:
    hits = total = 0
    for user in history.world.users:
        seen = history.user_views[user.index]
        if sum(seen.values()) < 30:
            continue
        total += 1
        top_seen = max(sorted(seen), key=lambda c: seen[c])
        hits += top_seen == user.interests[0][0]
    assert total >= 500
    assert hits / total >= 0.85, (hits, total)


def test_planted_price_band_shows_in_what_users_view(history: History) -> None:
    """Users with a higher planted price centre view pricier products (rank correlation
    of the centre with the mean log base price of the products viewed)."""
    centres, viewed = [], []
    for user in history.world.users:
        count = sum(history.user_views[user.index].values())
        if count >= 30:
            centres.append(user.price_center)
            viewed.append(history.user_log_price[user.index] / count)
    rank_centre, rank_viewed = (np.argsort(np.argsort(v)).astype(float) for v in (centres, viewed))
    assert float(np.corrcoef(rank_centre, rank_viewed)[0, 1]) > 0.6
