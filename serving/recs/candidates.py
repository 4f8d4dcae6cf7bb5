"""Candidate lists from whatever model serves a surface, as (product id, score) pairs.

Models differ in what they can do (recsys.base: ``Recommender``, ``Ranking``,
``BasketCompleter``; the content model also ranks from a list of items), so each surface
asks for the richest call the model has and degrades otherwise: a list of items (a
session, a cart) without ``recommend_from_items`` becomes a sum of the items' neighbours,
weighted towards the most recent. An absent model gives no candidates: the caller falls
back to popular.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from serving.recs.catalog import CatalogView
from serving.recs.registry import Served

Candidates = list[tuple[str, float]]
MAX_SEED_ITEMS = 5  # items of a session or cart that seed its neighbours (most recent first)
KEYWORD = Served("keyword", "live", "", None)


def for_user(served: Served | None, user_id: str, n: int, exclude: set[str]) -> Candidates:
    if served is None:
        return []
    # Seen items stay eligible (a viewed product is a fair suggestion); what was bought
    # is left out by the business rule instead (configurable).
    result: Candidates = served.model.recommend(user_id, n, exclude=exclude, exclude_seen=False)
    return result


def similar(served: Served | None, product_id: str, n: int) -> Candidates:
    if served is None:
        return []
    result: Candidates = served.model.similar_items(product_id, n)
    return result


def ranking(served: Served | None, n: int) -> Candidates:
    top = getattr(served.model, "top", None) if served else None
    return list(top(n)) if top is not None else []


def _blend(items: Sequence[str], n: int, neighbours: Callable[[str], Candidates]) -> Candidates:
    """Sum of each seed item's neighbour scores, the i-th most recent weighted 1/(1+i)."""
    scores: dict[str, float] = defaultdict(float)
    for rank, item in enumerate(items[:MAX_SEED_ITEMS]):
        for other, score in neighbours(item):
            scores[other] += score / (1 + rank)
    seeds = set(items)
    ranked = sorted(((s, p) for p, s in scores.items() if p not in seeds), key=lambda x: -x[0])
    return [(p, s) for s, p in ranked[:n]]


def from_items(served: Served | None, items: Sequence[str], n: int) -> Candidates:
    """Neighbours of a list of items, most recent first (a session, a cart)."""
    if served is None or not items:
        return []
    model: Any = served.model
    if hasattr(model, "recommend_from_items"):
        seeds = list(items[:MAX_SEED_ITEMS])
        weights = [1 / (1 + i) for i in range(len(seeds))]
        result: Candidates = model.recommend_from_items(seeds, n, weights=weights)
        return result
    return _blend(items, n, lambda item: model.similar_items(item, n))


def bought_together(served: Served | None, items: Sequence[str], n: int) -> Candidates:
    """What is bought with these items (one product page, or a whole cart)."""
    if served is None or not items:
        return []
    model: Any = served.model
    if hasattr(model, "bought_together"):
        return _blend(items, n, lambda item: model.bought_together(item, n, exclude=items))
    return from_items(served, items, n)


def keyword(view: CatalogView, text: str) -> tuple[Served, Candidates]:
    """Without a search index: titles holding every word of the query, best-selling first."""
    terms = [t for t in text.lower().split() if t]
    found = [
        (item.product_id, float(item.sales_count))
        for item in view.items.values()
        if terms and all(t in item.title.lower() for t in terms)
    ]
    found.sort(key=lambda x: (-x[1], x[0]))
    return KEYWORD, found
