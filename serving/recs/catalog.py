"""The sellable products, cached in memory for serving-time rules, refreshed every few
seconds by a background thread.

Requests read ``SellableCatalog.view``: an immutable ``CatalogView`` swapped in whole, so
a request never sees half a refresh and never waits for one. A refresh reads only the
products touched since the previous one (a little overlap covers transactions that were
still open); every ``full_every`` seconds it reads everything again, as a safety net.
The source is injectable (``FactsSource``), so a benchmark can serve without a database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from marketplace.catalog.queries.sellable import ProductFacts
from marketplace.shared.money import Money

log = logging.getLogger("agora.recs.catalog")

# (since: None for everything sellable) -> facts; () -> category id -> parent id
FactsSource = Callable[[datetime | None], list[ProductFacts]]
CategorySource = Callable[[], Mapping[str, str | None]]
_OVERLAP = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Item:
    """One sellable product as recommendations show it (price: the cheapest SKU's list
    price in the product's listing currency, minor units)."""

    product_id: str
    title: str
    category_id: str
    merchant_id: str
    price_minor: int | None
    currency: str | None
    sales_count: int

    @property
    def price(self) -> Money | None:
        if self.price_minor is None or not self.currency:
            return None
        return Money.from_minor(self.price_minor, self.currency)


def _item(f: ProductFacts) -> Item:
    return Item(
        f.product_id, f.title, f.category_id, f.merchant_id, f.price_minor, f.currency,
        f.sales_count,
    )  # fmt: skip


@dataclass(frozen=True)
class CatalogView:
    items: Mapping[str, Item]
    parents: Mapping[str, str | None]
    popular: tuple[str, ...]  # sellable product ids, best-selling first
    loaded_at: datetime
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for child, parent in self.parents.items():
            if parent is not None:
                self._children.setdefault(parent, []).append(child)

    def has_category(self, category_id: str) -> bool:
        return category_id in self.parents

    def subtree(self, category_id: str) -> frozenset[str]:
        """The category and every category below it."""
        out, stack = {category_id}, [category_id]
        while stack:
            for child in self._children.get(stack.pop(), ()):
                if child not in out:
                    out.add(child)
                    stack.append(child)
        return frozenset(out)


def _popular(items: Iterable[Item]) -> tuple[str, ...]:
    ranked = sorted(items, key=lambda i: (-i.sales_count, i.product_id))
    return tuple(i.product_id for i in ranked)


class SellableCatalog:
    def __init__(
        self,
        facts: FactsSource,
        categories: CategorySource,
        *,
        refresh_seconds: float = 5.0,
        full_every: float = 300.0,
    ) -> None:
        self._facts, self._categories = facts, categories
        self._refresh_seconds, self._full_every = refresh_seconds, full_every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_full = 0.0
        self._watermark = datetime.now(UTC)
        self.view = self._full()

    def _full(self) -> CatalogView:
        started = datetime.now(UTC)
        items = {f.product_id: _item(f) for f in self._facts(None) if f.is_sellable}
        view = CatalogView(items, dict(self._categories()), _popular(items.values()), started)
        self._watermark, self._last_full = started, time.monotonic()
        return view

    def refresh(self) -> None:
        """Apply what changed since the last refresh (everything, now and then)."""
        if time.monotonic() - self._last_full >= self._full_every:
            self.view = self._full()
            return
        started = datetime.now(UTC)
        changed = self._facts(self._watermark - _OVERLAP)
        self._watermark = started
        if not changed:
            return
        items = dict(self.view.items)
        for f in changed:
            if f.is_sellable:
                items[f.product_id] = _item(f)
            else:
                items.pop(f.product_id, None)
        old = self.view
        self.view = CatalogView(items, old.parents, _popular(items.values()), started)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="recs-catalog", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._refresh_seconds):
            try:
                self.refresh()
            except Exception:  # the database may be away: serve the last view meanwhile
                log.exception("sellable_refresh_failed")
