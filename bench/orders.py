"""What each benchmark order buys: a random buyer, and one SKU from each of three different
merchants (one checkout group, three sub-orders). The "hot" plan sends every order to the
same three SKUs, to show what row contention on stock costs."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bench.seed_checkout import SeededMarket

MERCHANTS_PER_ORDER = 3


@dataclass
class OrderPlan:
    buyer_ids: list[str]
    skus_by_merchant: dict[str, list[str]]
    hot: bool = False
    seed_value: int | None = None
    _rng: random.Random = field(init=False, repr=False)
    _merchants: list[str] = field(init=False, repr=False)
    _hot_skus: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed_value)
        self._merchants = sorted(m for m, s in self.skus_by_merchant.items() if s)
        if len(self._merchants) < MERCHANTS_PER_ORDER:
            raise ValueError("the plan needs SKUs of at least three merchants")
        first = self._merchants[:MERCHANTS_PER_ORDER]
        self._hot_skus = [self.skus_by_merchant[m][0] for m in first]

    @classmethod
    def of(
        cls, market: SeededMarket, *, hot: bool = False, seed_value: int | None = None
    ) -> OrderPlan:
        return cls(market.buyer_ids, market.skus_by_merchant, hot=hot, seed_value=seed_value)

    def next_order(self) -> tuple[str, list[str]]:
        """(buyer id, three SKU ids of three different merchants)."""
        buyer = self._rng.choice(self.buyer_ids)
        if self.hot:
            return buyer, list(self._hot_skus)
        merchants = self._rng.sample(self._merchants, MERCHANTS_PER_ORDER)
        return buyer, [self._rng.choice(self.skus_by_merchant[m]) for m in merchants]
