"""One simulated day: sessions of views, searches, clicks, carts and checkouts.

Why the probabilities look the way they do: which products a user looks at depends only on
things that do not change over time (their interests, their price band against the base
price, the product's popularity), and the price of the day acts once, on add-to-cart, as
``cart_rate * (price / base) ** elasticity`` expected adds to cart (times the promotion
lift in a promotion). So
the units sold of a product are proportional to ``(price / base) ** elasticity`` and the
planted elasticity can be read back from the history. Each day draws from its own
``random.Random(f"{seed}:day:{index}")``: a day is the same whatever came before it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from marketplace.seeding.synthetic.checkout import checkout
from marketplace.seeding.synthetic.model import Day, Event, Product, User
from marketplace.seeding.synthetic.params import QUANTITY_WEIGHTS
from marketplace.seeding.synthetic.world import World, band_fit, cumulative

# Hours of the day sessions start at (UTC, as stored): evenings are busiest.
_HOUR_WEIGHTS = cumulative(
    [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 9, 8, 7, 7, 7, 8, 10, 12, 13, 12, 8, 0]
)
_QUANTITIES = [q for q, _ in QUANTITY_WEIGHTS]
_QUANTITY_CUM = cumulative([w for _, w in QUANTITY_WEIGHTS])
_RESULTS_SHOWN = 10


class Simulator:
    """Simulates the days of ``world`` one at a time."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.params = world.params
        self.leaf_ids = [c.index for c in world.leaves]
        self.by_leaf: dict[int, list[Product]] = {c: [] for c in self.leaf_ids}
        for product in world.products:
            self.by_leaf[product.category].append(product)
        self.leaf_cum = {
            c: cumulative([x.popularity for x in ps]) for c, ps in self.by_leaf.items()
        }
        self.activity_cum = cumulative([u.activity for u in world.users])
        self.season = world.seasonality.factors(self.params.start, self.params.days)

    def days(self) -> Iterator[Day]:
        for index in range(self.params.days):
            yield self.day(index)

    def day(self, index: int) -> Day:
        rng = random.Random(f"{self.params.seed}:day:{index}")
        midnight = datetime.combine(self.params.start + timedelta(days=index), time(), UTC)
        expected = self.activity_cum[-1] * self.season[index]
        count = _poisson(rng, expected)
        users = rng.choices(self.world.users, cum_weights=self.activity_cum, k=count)
        out = Day(index, [], [])
        prices: dict[int, tuple[int, bool]] = {}
        for number, user in enumerate(users):
            hour = rng.choices(range(24), cum_weights=_HOUR_WEIGHTS)[0]
            start = midnight + timedelta(hours=hour, seconds=rng.randrange(3600))
            _Session(self, rng, out, prices, user, f"{number}", start).run()
        return out


class _Session:
    def __init__(
        self,
        sim: Simulator,
        rng: random.Random,
        day: Day,
        prices: dict[int, tuple[int, bool]],
        user: User,
        number: str,
        start: datetime,
    ) -> None:
        self.sim, self.rng, self.day, self.prices, self.user = sim, rng, day, prices, user
        self.id = f"syn{sim.params.seed}-{day.index}-{number}"
        self.channel = "app" if rng.random() < user.app_share else "web"
        self.now = start
        self.last = start.replace(hour=23, minute=59, second=59)
        # (product, variant) -> [quantity, unit price, 1 if promoted]
        self.cart: dict[tuple[int, int], list[int]] = {}
        self.count = 0

    def emit(self, type_: str, **fields: Any) -> Event:
        self.now = min(self.now + timedelta(seconds=self.rng.randrange(4, 90)), self.last)
        event = Event(
            f"{self.id}:{self.count}",
            type_,
            self.now,
            self.id,
            self.user.index,
            self.channel,
            **fields,
        )
        self.count += 1
        self.day.events.append(event)
        return event

    def run(self) -> None:
        params = self.sim.params
        for _ in range(_views(self.rng, params.views_per_session)):
            if self.rng.random() < params.search_rate:
                product = self.search()
            else:
                product = self.pick(self.category())
            self.view(product)
        for (index, variant), line in list(self.cart.items()):
            if self.rng.random() < params.remove_rate:
                self.emit(
                    "remove_from_cart",
                    product=index,
                    variant=variant,
                    quantity=line[0],
                    price=line[1],
                )
                del self.cart[(index, variant)]
        if self.cart and self.rng.random() < params.checkout_rate:
            checkout(self)

    def category(self) -> int:
        if self.rng.random() < self.sim.params.background_affinity:
            return self.sim.leaf_ids[self.rng.randrange(len(self.sim.leaf_ids))]
        cats = [c for c, _ in self.user.interests]
        return self.rng.choices(cats, weights=[w for _, w in self.user.interests])[0]

    def pick(self, leaf: int) -> Product:
        """A product of ``leaf`` by popularity, kept with the probability of its fit to the
        user's price band (rejection sampling: the band is per user, popularity is not)."""
        products, cum = self.sim.by_leaf[leaf], self.sim.leaf_cum[leaf]
        while True:
            product = self.rng.choices(products, cum_weights=cum)[0]
            if self.rng.random() < band_fit(self.user, product.base_price):
                return product

    def search(self) -> Product:
        leaf = self.category()
        products, cum = self.sim.by_leaf[leaf], self.sim.leaf_cum[leaf]
        shown = list(dict.fromkeys(self.rng.choices(products, cum_weights=cum, k=15)))
        shown = shown[:_RESULTS_SHOWN]
        category = self.sim.world.categories[leaf]
        noun = self.rng.choice(category.nouns)
        query = noun if self.rng.random() < 0.7 else f"{category.name_zh} {noun}"
        search = self.emit("search", query=query, results=tuple(p.index for p in shown))
        weights = [band_fit(self.user, p.base_price) / (i + 1) for i, p in enumerate(shown)]
        position = self.rng.choices(range(len(shown)), weights=weights)[0]
        product = shown[position]
        self.emit("click", product=product.index, position=position, attribution=search.key)
        return product

    def view(self, product: Product) -> None:
        variant = self.rng.randrange(len(product.variants))
        price, promo = self.price(product)
        self.emit("view", product=product.index, variant=variant, price=price)
        expected = self.sim.params.cart_rate * (price / product.base_price) ** product.elasticity
        if promo:
            expected *= self.sim.params.promo_conversion_lift
        # Whole expected adds beyond one become a bigger quantity instead of a clipped
        # probability, so units stay proportional to price ** elasticity at any price.
        adds = int(expected) + (self.rng.random() < expected - int(expected))
        if adds:
            quantity = sum(self.rng.choices(_QUANTITIES, cum_weights=_QUANTITY_CUM, k=adds))
            self.emit(
                "add_to_cart",
                product=product.index,
                variant=variant,
                quantity=quantity,
                price=price,
            )
            line = self.cart.setdefault((product.index, variant), [0, price, int(promo)])
            line[0] += quantity

    def price(self, product: Product) -> tuple[int, bool]:
        found = self.prices.get(product.index)
        if found is None:
            found = self.prices[product.index] = product.schedule.price_on(self.day.index)
        return found


def _views(rng: random.Random, mean: float) -> int:
    """1 + a geometric number of further views, so that the mean is ``mean``."""
    if mean <= 1:
        return 1
    return 1 + int(math.log(1 - rng.random()) / math.log(1 - 1 / mean))


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 60:  # normal approximation: exact enough, and O(1)
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k
