"""Ranking metrics as pure functions of a recommended list and the relevant set.

Per-user metrics return one float; averaging (and the confidence interval) is the
caller's, so that the same per-user values feed the bootstrap.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence


def recall_at_k(recommended: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Share of the relevant items found in the first k (0 when nothing is relevant)."""
    if not relevant:
        return 0.0
    hits = sum(1 for item in recommended[:k] if item in relevant)
    return hits / len(relevant)


def hit_rate_at_k(recommended: Sequence[str], relevant: Collection[str], k: int) -> float:
    """1 if any of the first k is relevant, else 0."""
    return 1.0 if any(item in relevant for item in recommended[:k]) else 0.0


def ndcg_at_k(recommended: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Binary-relevance nDCG: DCG of the list over DCG of the ideal list of that length."""
    if not relevant:
        return 0.0
    dcg = sum(
        1.0 / math.log2(rank + 2) for rank, item in enumerate(recommended[:k]) if item in relevant
    )
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(len(relevant), k)))
    return dcg / ideal


def average_precision_at_k(recommended: Sequence[str], relevant: Collection[str], k: int) -> float:
    """AP@k: mean of precision@i at each hit i <= k, over min(|relevant|, k). MAP = its mean."""
    if not relevant:
        return 0.0
    hits = 0
    total = 0.0
    for rank, item in enumerate(recommended[:k]):
        if item in relevant:
            hits += 1
            total += hits / (rank + 1)
    return total / min(len(relevant), k)


def catalog_coverage(lists: Iterable[Sequence[str]], n_items: int, k: int) -> float:
    """Share of the catalogue appearing in at least one top-k list."""
    if n_items <= 0:
        return 0.0
    shown = {item for items in lists for item in items[:k]}
    return len(shown) / n_items


def popularity_percentiles(counts: Mapping[str, float]) -> dict[str, float]:
    """Each item's popularity percentile in [0, 100] (ties share their mean rank)."""
    ordered = sorted(counts.values())
    n = len(ordered)
    if n == 0:
        return {}
    first: dict[float, int] = {}
    last: dict[float, int] = {}
    for position, value in enumerate(ordered):
        first.setdefault(value, position)
        last[value] = position
    scale = 100.0 / (n - 1) if n > 1 else 0.0
    return {item: (first[value] + last[value]) / 2.0 * scale for item, value in counts.items()}


def popularity_bias(
    lists: Iterable[Sequence[str]], percentiles: Mapping[str, float], k: int
) -> float:
    """Mean popularity percentile of the recommended items (100: only the most popular)."""
    values = [percentiles.get(item, 0.0) for items in lists for item in items[:k]]
    return sum(values) / len(values) if values else 0.0
