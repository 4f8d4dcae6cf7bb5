"""Business rules applied to a model's candidates at serving time.

Models rank everything they were trained on; what may be shown is decided here, on the
cached ``CatalogView``: only sellable products (listed, merchant approved, in stock), none
the caller excluded (already bought, the item itself, the cart), the request's filters
(category subtree, price range in the product's listing currency, merchant), and at most
N per category and per merchant (diversity). Candidates are over-fetched from the model
(``overfetch``), then taken in rank order; when the rules leave fewer than k, the caller
offers fallback candidates (popular) to the same ``Picker``, which applies the same rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from marketplace.shared.money import Money
from serving.recs.catalog import CatalogView, Item

OVERFETCH = 5
MIN_FETCH = 50
MAX_FETCH = 2000


def overfetch(k: int, excluded: int = 0) -> int:
    """How many candidates to ask a model for, so that k survive the rules."""
    return min(MAX_FETCH, max(MIN_FETCH, k * OVERFETCH) + excluded)


@dataclass(frozen=True)
class Rules:
    category_ids: frozenset[str] | None = None  # a subtree, already expanded
    merchant_id: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    max_per_category: int | None = None
    max_per_merchant: int | None = None
    exclude: frozenset[str] = frozenset()

    @property
    def is_filtered(self) -> bool:
        return any(
            x is not None for x in (self.category_ids, self.merchant_id, self.min_price,
                                    self.max_price)
        )  # fmt: skip


@lru_cache(maxsize=64)
def _unit(currency: str) -> Decimal:
    """The value of one minor unit (0.01 for CNY, 1 for JPY)."""
    return Money.from_minor(1, currency).amount


def _price_ok(item: Item, rules: Rules) -> bool:
    if rules.min_price is None and rules.max_price is None:
        return True
    if item.price_minor is None or not item.currency:
        return False  # a price filter cannot vouch for a product without a price
    amount = item.price_minor * _unit(item.currency)
    if rules.min_price is not None and amount < rules.min_price:
        return False
    return rules.max_price is None or amount <= rules.max_price


def allowed(item: Item, rules: Rules) -> bool:
    """The filters alone (no diversity): may this sellable item be shown?"""
    if item.product_id in rules.exclude:
        return False
    if rules.category_ids is not None and item.category_id not in rules.category_ids:
        return False
    if rules.merchant_id is not None and item.merchant_id != rules.merchant_id:
        return False
    return _price_ok(item, rules)


@dataclass(frozen=True, slots=True)
class Pick:
    item: Item
    score: float
    source: str  # "model" or "fallback"


class Picker:
    """Takes candidates in order until k pass the rules."""

    def __init__(self, view: CatalogView, rules: Rules, k: int) -> None:
        self.view, self.rules, self.k = view, rules, k
        self.picks: list[Pick] = []
        self._taken: set[str] = set()
        self._per_category: Counter[str] = Counter()
        self._per_merchant: Counter[str] = Counter()

    @property
    def is_full(self) -> bool:
        return len(self.picks) >= self.k

    def offer(self, candidates: Iterable[tuple[str, float]], *, source: str = "model") -> int:
        """Take what passes; returns how many were taken."""
        before = len(self.picks)
        for product_id, score in candidates:
            if self.is_full:
                break
            item = self.view.items.get(product_id)  # absent: not sellable now
            if item is None or product_id in self._taken or not allowed(item, self.rules):
                continue
            if not self._diverse(item):
                continue
            self._taken.add(product_id)
            self._per_category[item.category_id] += 1
            self._per_merchant[item.merchant_id] += 1
            self.picks.append(Pick(item, float(score), source))
        return len(self.picks) - before

    def _diverse(self, item: Item) -> bool:
        r = self.rules
        if r.max_per_category is not None and (
            self._per_category[item.category_id] >= r.max_per_category
        ):
            return False
        return r.max_per_merchant is None or (
            self._per_merchant[item.merchant_id] < r.max_per_merchant
        )
