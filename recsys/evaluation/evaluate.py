"""Fit every model on the training part of a split and score its lists on the test part."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from recsys.base import Ranking, Recommender
from recsys.evaluation.bootstrap import Interval, bootstrap_mean, paired_relative_difference
from recsys.evaluation.metrics import (
    average_precision_at_k,
    catalog_coverage,
    hit_rate_at_k,
    ndcg_at_k,
    popularity_bias,
    popularity_percentiles,
    recall_at_k,
)
from recsys.evaluation.split import Split
from recsys.interactions import Interactions

PER_USER: dict[str, Callable[[Sequence[str], set[str], int], float]] = {
    "recall": recall_at_k,
    "ndcg": ndcg_at_k,
    "map": average_precision_at_k,
    "hit_rate": hit_rate_at_k,
}


@dataclass
class ModelResult:
    name: str
    params: dict[str, Any]
    fit_seconds: float
    recommend_ms: float
    per_user: dict[str, np.ndarray]  # "recall@20" -> one value per warm user
    summary: dict[str, Interval] = field(default_factory=dict)
    coverage: float = 0.0
    popularity_bias: float = 0.0
    cold: dict[str, Interval] = field(default_factory=dict)


def train_interactions(split: Split, *, half_life_days: float | None) -> Interactions:
    """The training events as Interactions, decayed towards the cutoff."""
    t = split.train
    return Interactions.from_events(
        t.user_ids,
        t.item_ids,
        t.kinds,
        t.timestamps,
        now=float(split.cutoff.astype(np.int64)) / 1e6,
        half_life_days=half_life_days,
        basket_ids=t.order_ids,
    )


def evaluate_model(
    model: Recommender,
    data: Interactions,
    split: Split,
    *,
    ks: Sequence[int],
    percentiles: Mapping[str, float],
    n_boot: int,
    seed: int,
) -> ModelResult:
    """Fit `model`, rank for every warm user, compute each metric per user and summarise."""
    started = time.perf_counter()
    model.fit(data)
    fit_seconds = time.perf_counter() - started
    users = sorted(split.warm)
    k_max = max(ks)
    started = time.perf_counter()
    lists = [[item for item, _ in recs] for recs in model.recommend_many(users, k_max)]
    recommend_ms = (time.perf_counter() - started) * 1000 / max(len(users), 1)
    per_user = {
        f"{metric}@{k}": np.array(
            [fn(lst, split.warm[u], k) for u, lst in zip(users, lists, strict=True)]
        )
        for metric, fn in PER_USER.items()
        for k in ks
    }
    result = ModelResult(
        name=model.name,
        params=dict(getattr(model, "params", {})),
        fit_seconds=fit_seconds,
        recommend_ms=recommend_ms,
        per_user=per_user,
        coverage=catalog_coverage(lists, data.n_items, k_max),
        popularity_bias=popularity_bias(lists, percentiles, k_max),
    )
    result.summary = {
        key: bootstrap_mean(values, n_boot=n_boot, seed=seed) for key, values in per_user.items()
    }
    if isinstance(model, Ranking):
        result.cold = _cold_metrics(model, split, k_max, n_boot=n_boot, seed=seed)
    return result


def _cold_metrics(
    model: Ranking, split: Split, k: int, *, n_boot: int, seed: int
) -> dict[str, Interval]:
    """Unseen users get the non-personalised list: how well does it do for them?"""
    if not split.cold:
        return {}
    top = [item for item, _ in model.top(k)]
    relevant = list(split.cold.values())
    return {
        f"{metric}@{k}": bootstrap_mean(
            np.array([fn(top, rel, k) for rel in relevant]), n_boot=n_boot, seed=seed
        )
        for metric, fn in PER_USER.items()
        if metric in ("recall", "hit_rate")
    }


def item_percentiles(data: Interactions) -> dict[str, float]:
    """Popularity percentile of each training item, by distinct users."""
    users_per_item = np.asarray((data.matrix > 0).sum(axis=0)).ravel()
    return popularity_percentiles(
        {str(item): float(n) for item, n in zip(data.item_ids, users_per_item, strict=True)}
    )


def compare(
    results: Mapping[str, ModelResult], baseline: str, metric: str, *, n_boot: int, seed: int
) -> dict[str, Interval]:
    """Each model's relative difference in `metric` against `baseline` (paired bootstrap)."""
    if baseline not in results:
        return {}
    base = results[baseline].per_user[metric]
    return {
        name: paired_relative_difference(r.per_user[metric], base, n_boot=n_boot, seed=seed)
        for name, r in results.items()
    }
