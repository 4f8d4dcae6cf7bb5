"""What the simulation is made of (the latent world) and what it emits (orders, events).

Entities are referred to by small integer indices; turning them into database ids and
records is the writer's business, so the simulation stays pure and cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Category:
    index: int
    slug: str
    name_zh: str
    name_en: str
    parent: int | None  # index of the root, None for a root
    typical_price: int = 0  # major units; leaves only
    nouns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Merchant:
    index: int
    name: str
    kind: str  # "third_party" or "supplier"
    city: str
    region: str
    lead_time_days: int | None  # suppliers only


@dataclass(frozen=True, slots=True)
class PriceSchedule:
    """A product's regular price over time and its promotions (day indices from the start)."""

    changes: tuple[tuple[int, int], ...]  # (first day, regular price in minor units), sorted
    promotions: tuple[tuple[int, int, float], ...]  # (first day, last day, discount share)

    def regular_price(self, day: int) -> int:
        price = self.changes[0][1]
        for first, value in self.changes:
            if first > day:
                break
            price = value
        return price

    def discount(self, day: int) -> float:
        for first, last, share in self.promotions:
            if first <= day <= last:
                return share
        return 0.0

    def price_on(self, day: int) -> tuple[int, bool]:
        """The price paid on ``day`` (minor units) and whether a promotion runs."""
        share = self.discount(day)
        regular = self.regular_price(day)
        if share == 0.0:
            return regular, False
        return round(regular * (1 - share)), True


@dataclass(frozen=True, slots=True)
class Product:
    index: int
    merchant: int
    category: int  # a leaf
    title_en: str
    title_zh: str
    base_price: int  # minor units: the price at which demand is "normal"
    elasticity: float
    popularity: float
    variants: tuple[str, ...]  # one SKU per variant, all at the product's price
    schedule: PriceSchedule


@dataclass(frozen=True, slots=True)
class User:
    index: int
    activity: float  # mean sessions per day before seasonality
    interests: tuple[tuple[int, float], ...]  # (leaf category, weight), weights sum to 1
    price_center: int  # minor units: the price the user is most drawn to
    price_width: float  # sigma of the log-price band; smaller = more price sensitive
    app_share: float  # how often the user shops in the app rather than on the web


@dataclass(slots=True)
class OrderLine:
    product: int
    variant: int
    quantity: int
    unit_price: int  # minor units
    is_promotion: bool


@dataclass(slots=True)
class Order:
    """One checkout of a session, placed and paid at once. Like Agora's checkout it becomes
    one order per merchant of its lines (the writer splits it, as checkout does)."""

    key: str  # unique and stable: the session's
    day: int
    user: int
    channel: str
    placed_at: datetime
    paid_at: datetime
    payment_method: str
    lines: list[OrderLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.quantity * line.unit_price for line in self.lines)


@dataclass(slots=True)
class Event:
    key: str  # unique and stable within the run
    type: str
    occurred_at: datetime
    session: str
    user: int
    channel: str
    product: int | None = None
    variant: int | None = None
    quantity: int | None = None
    price: int | None = None  # minor units
    order_key: str | None = None  # purchases: the checkout (the order is its merchant's)
    query: str | None = None
    results: tuple[int, ...] | None = None  # product indices, in the order shown
    position: int | None = None
    attribution: str | None = None  # key of the search event a click came from


@dataclass(slots=True)
class Day:
    """Everything that happened on one simulated day."""

    index: int
    events: list[Event]
    orders: list[Order]
