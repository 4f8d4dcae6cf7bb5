"""Recommendation use cases at serving time: ask the aliased model for candidates, apply
the business rules, fall back to popular, and record the impression.

Every call returns a ``RecsResult`` carrying a new attribution id; the impression (which
model and version served which items to whom) goes to the background ``ImpressionBuffer``
and never holds the response up. The calls are synchronous: the routers run them in the
threadpool, so numpy and faiss never block the event loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from marketplace.behaviour import queries
from marketplace.behaviour.domain.impressions import Impression, new_attribution_id
from marketplace.behaviour.impressions import ImpressionBuffer
from marketplace.cart.domain import CartOwner
from marketplace.cart.services import find_cart
from marketplace.catalog.queries.sellable import product_ids_of_skus
from marketplace.shared.clock import Clock
from marketplace.shared.errors import NotFoundError, ValidationError
from serving.recs import candidates
from serving.recs.catalog import CatalogView, SellableCatalog
from serving.recs.registry import ModelRegistry, Served
from serving.recs.rules import Pick, Picker, Rules, overfetch
from serving.recs.rules import allowed as allowed_by

if TYPE_CHECKING:
    from marketplace.bootstrap import Marketplace

DB_POPULARITY = Served("db_popularity", "live", "", None)


class RecsCategoryNotFoundError(NotFoundError):
    code = "category_not_found"


class InvalidPriceRangeError(ValidationError):
    code = "invalid_price_range"


@dataclass(frozen=True)
class RecsQuery:
    """What every surface takes: how many, the filters, the context of the page."""

    k: int = 20
    category_id: str | None = None
    merchant_id: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    max_per_category: int | None = None
    max_per_merchant: int | None = None
    page: str | None = None
    context_category_id: str | None = None


@dataclass(frozen=True)
class RecsResult:
    attribution_id: str
    surface: str
    model: str
    model_version: str
    fallback: str | None
    picks: list[Pick]


class Recommendations:
    def __init__(
        self,
        *,
        registry: ModelRegistry,
        catalog: SellableCatalog,
        impressions: ImpressionBuffer,
        engine: Engine,
        clock: Clock,
        exclude_purchased: bool = True,
    ) -> None:
        self.registry, self.catalog, self.impressions = registry, catalog, impressions
        self._engine, self._clock = engine, clock
        self.exclude_purchased = exclude_purchased

    # -- surfaces ---------------------------------------------------------------------
    def for_user(self, user_id: str, q: RecsQuery) -> RecsResult:
        bought = (
            queries.purchased_product_ids(self._engine, user_id)
            if self.exclude_purchased else set()
        )  # fmt: skip
        served = self.registry.snapshot.get("user")
        found = candidates.for_user(served, user_id, overfetch(q.k, len(bought)), bought)
        if not found:  # a user the model never saw: what they looked at lately
            served = self.registry.snapshot.get("similar")
            recent = queries.recent_product_ids(self._engine, user_id=user_id)
            found = candidates.from_items(served, recent, overfetch(q.k))
        return self._serve("user", served, found, q, exclude=bought, user_id=user_id)

    def for_session(self, session_id: str, q: RecsQuery) -> RecsResult:
        recent = queries.recent_product_ids(self._engine, session_id=session_id)
        served = self.registry.snapshot.get("similar")
        found = candidates.from_items(served, recent, overfetch(q.k, len(recent)))
        return self._serve("session", served, found, q, exclude=set(recent), session_id=session_id)

    def similar(self, product_id: str, q: RecsQuery, *, user_id: str | None = None) -> RecsResult:
        served = self.registry.snapshot.get("similar")
        found = candidates.similar(served, product_id, overfetch(q.k))
        return self._serve("similar", served, found, q, exclude={product_id}, user_id=user_id,
                           context=self._category_of(product_id))  # fmt: skip

    def bought_together(
        self, product_id: str, q: RecsQuery, *, user_id: str | None = None
    ) -> RecsResult:
        served = self.registry.snapshot.get("bought_together")
        found = candidates.bought_together(served, [product_id], overfetch(q.k))
        return self._serve("bought_together", served, found, q, exclude={product_id},
                           user_id=user_id, context=self._category_of(product_id))  # fmt: skip

    def trending(self, q: RecsQuery, *, user_id: str | None = None) -> RecsResult:
        served = self.registry.snapshot.get("trending")
        found = candidates.ranking(served, overfetch(q.k))
        return self._serve("trending", served, found, q, user_id=user_id)

    def cart_complements(
        self, product_ids: list[str], q: RecsQuery, *, user_id: str | None = None
    ) -> RecsResult:
        served = self.registry.snapshot.get("bought_together")
        found = candidates.bought_together(served, product_ids, overfetch(q.k, len(product_ids)))
        return self._serve("cart", served, found, q, exclude=set(product_ids), user_id=user_id)

    def search(self, text: str, q: RecsQuery, *, user_id: str | None = None) -> RecsResult:
        """Semantic + keyword search; no popular fallback (popular is not an answer)."""
        served = self.registry.snapshot.get("search")
        view = self.catalog.view
        rules = self.rules_for(q, view)
        if served is not None:
            # Filters go inside both retrievers (exact); without any, over-fetch and let
            # the picker drop what is not sellable.
            allowed = (
                [p for p, i in view.items.items() if allowed_by(i, rules)]
                if (rules.is_filtered)
                else None
            )
            found = served.model.search(text, overfetch(q.k), allowed=allowed)
        else:
            served, found = candidates.keyword(view, text)
        picker = Picker(view, rules, q.k)
        picker.offer(found)
        return self._record("search", served, None, picker, q, user_id=user_id)

    # -- shared -------------------------------------------------------------------------
    def rules_for(self, q: RecsQuery, view: CatalogView, exclude: Iterable[str] = ()) -> Rules:
        """The request's filters against the current catalog (unknown category: 404)."""
        if q.min_price is not None and q.max_price is not None and q.min_price > q.max_price:
            raise InvalidPriceRangeError("min_price is above max_price.")
        subtree = None
        if q.category_id is not None:
            if not view.has_category(q.category_id):
                raise RecsCategoryNotFoundError(f"No category {q.category_id!r}.")
            subtree = view.subtree(q.category_id)
        return Rules(
            category_ids=subtree, merchant_id=q.merchant_id, min_price=q.min_price,
            max_price=q.max_price, max_per_category=q.max_per_category,
            max_per_merchant=q.max_per_merchant, exclude=frozenset(exclude),
        )  # fmt: skip

    def _category_of(self, product_id: str) -> str | None:
        item = self.catalog.view.items.get(product_id)
        return item.category_id if item else None

    def _serve(
        self, surface: str, served: Served | None, found: Iterable[tuple[str, float]],
        q: RecsQuery, *, exclude: Iterable[str] = (), context: str | None = None,
        user_id: str | None = None, session_id: str | None = None,
    ) -> RecsResult:  # fmt: skip
        view = self.catalog.view
        picker = Picker(view, self.rules_for(q, view, exclude), q.k)
        picker.offer(found)
        fallback = None
        if not picker.is_full:  # the filters emptied the list, or the model knew nothing
            fallback = self._fill_popular(picker, view, q.context_category_id or context)
        if served is None or not any(p.source == "model" for p in picker.picks):
            served, fallback = fallback or DB_POPULARITY, None
            picker.picks = [Pick(p.item, p.score, "model") for p in picker.picks]
        return self._record(surface, served, fallback, picker, q, user_id=user_id,
                            session_id=session_id)  # fmt: skip

    def _fill_popular(self, picker: Picker, view: CatalogView, context: str | None) -> Served:
        popular = self.registry.snapshot.get("popular")
        if context is not None and view.has_category(context):
            picker.offer(_db_popular(view, view.subtree(context)), source="fallback")
        if popular is not None and not picker.is_full:
            picker.offer(candidates.ranking(popular, overfetch(picker.k)), source="fallback")
        if not picker.is_full:
            picker.offer(_db_popular(view), source="fallback")
        return popular or DB_POPULARITY

    def _record(
        self, surface: str, served: Served, fallback: Served | None, picker: Picker,
        q: RecsQuery, *, user_id: str | None = None, session_id: str | None = None,
    ) -> RecsResult:  # fmt: skip
        result = RecsResult(
            attribution_id=new_attribution_id(), surface=surface, model=served.name,
            model_version=served.version, fallback=fallback.folder or fallback.name
            if fallback else None, picks=picker.picks,
        )  # fmt: skip
        place = f"{surface}:{q.page}"[:30] if q.page else surface
        self.impressions.offer(Impression(
            attribution_id=result.attribution_id, surface=place, model=served.name,
            model_version=served.version, user_id=user_id, session_id=session_id,
            item_ids=tuple(p.item.product_id for p in picker.picks),
            served_at=self._clock.now(),
        ))  # fmt: skip
        return result


def _db_popular(
    view: CatalogView, within: frozenset[str] | None = None
) -> Iterator[tuple[str, float]]:
    """Best-selling sellable products (optionally of a category subtree), from the catalog."""
    for product_id in view.popular:
        item = view.items[product_id]
        if within is None or item.category_id in within:
            yield product_id, float(item.sales_count)


def cart_product_ids(owner: CartOwner, *, container: Marketplace) -> list[str]:
    """The products in the owner's cart (a guest token that opens none: cart_not_found)."""
    with container.uow() as uow:
        cart = find_cart(owner, uow=uow)
    skus = [line.sku_id for line in cart.lines] if cart else []
    return product_ids_of_skus(container.engine, skus)
