"""The Ray tasks of the recommender pipeline.

Each task takes its data by value (through the object store, so it runs on any node)
and returns results by value too: a fitted model comes back as the files of its saved
folder, which the driver writes into the run directory. Inside a task BLAS and OpenMP
are capped (``limited_threads``) and implicit is given ``num_threads`` explicitly.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import ray
import scipy.sparse as sp

from pipelines.model_files import Fitted, saved, write_files
from pipelines.stages import peak_rss_mb
from recsys.evaluation.evaluate import ModelResult, evaluate_model
from recsys.evaluation.metrics import ndcg_at_k, recall_at_k
from recsys.evaluation.split import Split
from recsys.interactions import Interactions
from recsys.threads import limited_threads


def writable(data: Interactions) -> Interactions:
    """``data`` with its own writable copies of arrays the object store handed over
    read-only (implicit's ALS writes into the matrix it is given when alpha is 1)."""
    changes: dict[str, Any] = {}
    for item in dataclasses.fields(data):
        value = getattr(data, item.name)
        array = value.data if sp.issparse(value) else value
        if isinstance(array, np.ndarray) and not array.flags.writeable:
            changes[item.name] = value.copy()
    return dataclasses.replace(data, **changes) if changes else data


def make_model(name: str, params: Mapping[str, Any], threads: int) -> Any:
    """A recsys model; factorisation models get ``num_threads`` (others have no such knob)."""
    from recsys import factory

    kwargs = dict(params)
    if name in ("als", "bpr"):
        kwargs["num_threads"] = threads
    return factory.make(name, **kwargs)


@dataclass(frozen=True)
class Recipe:
    """A model to fit: its factory name and parameters, the BLAS/OpenMP threads it gets,
    and how many top items per user to precompute (0: none)."""

    name: str
    params: Mapping[str, Any]
    threads: int = 1
    precompute: int = 0


@dataclass(frozen=True)
class Scoring:
    """How ``evaluate_recipe`` scores a fitted model on a split's window."""

    ks: Sequence[int]
    percentiles: Mapping[str, float]
    n_boot: int
    seed: int


# Tasks take positional arguments only: that is what Ray's typed ``.remote`` accepts.
@ray.remote(num_cpus=1)
def fit_model(recipe: Recipe, data: Interactions) -> Fitted:
    """Fit one surface's model on all interactions (and precompute users' top lists)."""
    started = time.perf_counter()
    model = make_model(recipe.name, recipe.params, recipe.threads)
    with limited_threads(recipe.threads):
        model.fit(writable(data))
        if recipe.precompute and hasattr(model, "precompute"):
            model.precompute(recipe.precompute)
    return saved(model, time.perf_counter() - started)


@ray.remote(num_cpus=1)
def build_hybrid(
    collaborative: Fitted, data: Interactions, embeddings: Any, threads: int
) -> Fitted:
    """Similar items: the collaborative neighbours blended with text neighbours."""
    from recsys import factory
    from recsys.content.model import ContentRecommender
    from recsys.hybrid import HybridRecommender

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="agora-hybrid-") as tmp:
        write_files(Path(tmp), collaborative.files)
        collab = factory.load(tmp)
    with limited_threads(threads):
        hybrid = HybridRecommender(collab, ContentRecommender(embeddings).fit(writable(data)))
    return saved(hybrid, time.perf_counter() - started)


@ray.remote(num_cpus=1)
def evaluate_recipe(
    recipe: Recipe, data: Interactions, split: Split, scoring: Scoring
) -> tuple[ModelResult, float]:
    """Fit a recipe on a split's training part and score it on its window."""
    model = make_model(recipe.name, recipe.params, recipe.threads)
    with limited_threads(recipe.threads):
        result = evaluate_model(
            model, writable(data), split, ks=scoring.ks, percentiles=scoring.percentiles,
            n_boot=scoring.n_boot, seed=scoring.seed,
        )  # fmt: skip
    return result, peak_rss_mb()


def score_lists(model: Any, warm: Mapping[str, set[str]], k: int) -> dict[str, float]:
    """Mean recall@k and nDCG@k over the warm users of a window (tuning's quick score)."""
    users = sorted(warm)
    lists = [[item for item, _ in recs] for recs in model.recommend_many(users, k)]
    recall = [recall_at_k(lst, warm[u], k) for u, lst in zip(users, lists, strict=True)]
    ndcg = [ndcg_at_k(lst, warm[u], k) for u, lst in zip(users, lists, strict=True)]
    return {
        "recall": float(np.mean(recall)) if recall else 0.0,
        "ndcg": float(np.mean(ndcg)) if ndcg else 0.0,
    }
