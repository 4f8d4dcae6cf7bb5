"""The latent world of a run: categories, merchants, products with their planted
elasticities and price schedules, users with their planted tastes, and the seasonality.

It is built once from ``random.Random(f"{seed}:world")`` and holds O(users + products)
objects; the days are simulated from it one at a time (see ``sessions``).
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

from marketplace.seeding.synthetic import params as p
from marketplace.seeding.synthetic.model import Category, Merchant, PriceSchedule, Product, User
from marketplace.seeding.synthetic.seasonality import Seasonality, plant_seasonality
from marketplace.seeding.synthetic.vocab import ADJECTIVES, CITIES, TREE, VARIANTS

MINOR = 100  # minor units per major unit of every currency the generator uses


@dataclass(frozen=True)
class World:
    params: p.SyntheticParams
    categories: tuple[Category, ...]
    merchants: tuple[Merchant, ...]
    products: tuple[Product, ...]
    users: tuple[User, ...]
    seasonality: Seasonality

    @property
    def leaves(self) -> tuple[Category, ...]:
        """The leaf categories that have products (users' interests are among them)."""
        stocked = {x.category for x in self.products}
        return tuple(c for c in self.categories if c.index in stocked)


def build_world(params: p.SyntheticParams) -> World:
    params.validate()
    rng = random.Random(f"{params.seed}:world")
    categories = _categories()
    leaves = [c for c in categories if c.parent is not None]
    merchants = tuple(_merchant(rng, i) for i in range(params.merchants))
    products = tuple(_product(rng, i, params, leaves) for i in range(params.products))
    # Users are drawn to categories that have products (all of them unless P is tiny).
    stocked = sorted({x.category for x in products})
    leaves = [c for c in leaves if c.index in stocked]
    users = tuple(_user(rng, i, params, leaves) for i in range(params.users))
    return World(params, categories, merchants, products, users, plant_seasonality(rng))


def _categories() -> tuple[Category, ...]:
    out: list[Category] = []
    for slug, zh, en, leaves in TREE:
        root = len(out)
        out.append(Category(root, slug, zh, en, None))
        for leaf_slug, leaf_zh, leaf_en, price, nouns in leaves:
            out.append(Category(len(out), leaf_slug, leaf_zh, leaf_en, root, price, nouns))
    return tuple(out)


def _merchant(rng: random.Random, index: int) -> Merchant:
    city, region = CITIES[rng.randrange(len(CITIES))]
    # One merchant in four is a supplier, with a lead time, as in the demo.
    if index % 4 == 3:
        return Merchant(
            index, f"{city} Supply Co. {index + 1}", "supplier", city, region, rng.randrange(2, 21)
        )
    return Merchant(index, f"{city} Store {index + 1}", "third_party", city, region, None)


def _product(
    rng: random.Random, index: int, params: p.SyntheticParams, leaves: list[Category]
) -> Product:
    # Every merchant gets products: the first ones round-robin, the rest skewed to big sellers.
    if index < params.merchants:
        merchant = index
    else:
        merchant = min(int(rng.paretovariate(1.2)) - 1, params.merchants - 1)
    # The first products go round the leaves so that every category has some.
    leaf = leaves[index] if index < len(leaves) else leaves[rng.randrange(len(leaves))]
    base = max(100, round(leaf.typical_price * MINOR * rng.lognormvariate(0, 0.5)))
    noun, adjective = rng.choice(leaf.nouns), rng.choice(ADJECTIVES)
    return Product(
        index=index,
        merchant=merchant,
        category=leaf.index,
        title_en=f"{adjective.capitalize()} {noun} #{index + 1}",
        title_zh=f"{leaf.name_zh} {adjective} {noun} #{index + 1}",
        base_price=base,
        elasticity=round(rng.uniform(*p.ELASTICITY_RANGE), 4),
        popularity=rng.lognormvariate(0, 0.8),
        variants=VARIANTS[: 2 if rng.random() < 0.2 else 1],
        schedule=_schedule(rng, base, params.days),
    )


def _schedule(rng: random.Random, base: int, days: int) -> PriceSchedule:
    changes = [(0, base)]
    day = rng.randrange(*p.PRICE_CHANGE_EVERY_DAYS)
    while day < days:
        changes.append((day, round(base * rng.uniform(*p.PRICE_CHANGE_RANGE))))
        day += rng.randrange(*p.PRICE_CHANGE_EVERY_DAYS)
    promotions = []
    day = rng.randrange(0, p.PROMO_EVERY_DAYS[1])
    while day < days:
        length = rng.randrange(p.PROMO_LENGTH_DAYS[0], p.PROMO_LENGTH_DAYS[1] + 1)
        share = round(rng.uniform(*p.PROMO_DISCOUNT_RANGE), 2)
        promotions.append((day, min(day + length - 1, days - 1), share))
        day += length + rng.randrange(*p.PROMO_EVERY_DAYS)
    return PriceSchedule(tuple(changes), tuple(promotions))


def _user(
    rng: random.Random, index: int, params: p.SyntheticParams, leaves: list[Category]
) -> User:
    # Two to four interests with gamma weights: a clear favourite more often than not.
    chosen = rng.sample(leaves, rng.randrange(2, 5))
    raw = [rng.gammavariate(0.8, 1.0) + 1e-3 for _ in chosen]
    total = sum(raw)
    interests = tuple(
        sorted(
            ((c.index, round(w / total, 4)) for c, w in zip(chosen, raw, strict=True)),
            key=lambda item: (-item[1], item[0]),
        )
    )
    favourite = next(c for c in leaves if c.index == interests[0][0])
    center = favourite.typical_price * MINOR * rng.lognormvariate(0, 0.4)
    return User(
        index=index,
        activity=params.sessions_per_user_day * rng.lognormvariate(-0.32, 0.8),
        interests=interests,
        price_center=round(center),
        price_width=round(rng.uniform(0.3, 1.0), 4),
        app_share=round(rng.random(), 4),
    )


def band_fit(user: User, price: int) -> float:
    """How much ``user`` is drawn to a product of base ``price``: 1 at the centre of the
    band, falling off with the log distance; floored so that sampling always ends."""
    distance = math.log(price / user.price_center) / user.price_width
    return max(0.05, math.exp(-0.5 * distance * distance))


def cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))
