"""The Ray tasks of the pricing pipeline.

Like the recommender's, each task gets the panel by value through the object store and
returns by value: a fitted elasticity model comes back as the files of its saved folder
(``pipelines.model_files``: ``model.json`` + ``elasticities.npz``, no pickle), a held-out
score as its per-product deviances. BLAS and OpenMP pools are capped inside each task.

One task fits one recipe on all products: the market index each product's regression uses
and the shrinkage toward the category both need every product at once (and estimating 500
products takes seconds).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ray
from threadpoolctl import threadpool_limits

from forecasting.base import Panel
from pipelines.model_files import Fitted, saved
from pipelines.stages import peak_rss_mb
from pricing.evaluation.holdout import HoldoutScores, score_window
from pricing.model import ElasticityModel, ElasticityRecipe, fit_elasticity_model


@dataclass(frozen=True)
class Scored:
    """A recipe fitted before a window and scored on it."""

    scores: HoldoutScores
    summary: dict[str, Any]  # the fitted model's (share identifiable, median elasticity)
    seconds: float
    worker_peak_rss_mb: float


def fit_model(
    panel: Panel, groups: Mapping[str, str], recipe: ElasticityRecipe, threads: int
) -> ElasticityModel:
    with threadpool_limits(limits=threads):
        return fit_elasticity_model(panel, groups=groups, recipe=recipe)


def score_recipe(
    panel: Panel, groups: Mapping[str, str], recipe: ElasticityRecipe, first: int, days: int,
    threads: int,
) -> Scored:  # fmt: skip
    """Fit ``recipe`` on the days before column ``first``; score the ``days`` from it."""
    started = time.perf_counter()
    model = fit_model(panel.head(first), groups, recipe, threads)
    scores = score_window(model, panel.window(first, days))
    return Scored(scores, model.summary(), time.perf_counter() - started, peak_rss_mb())


# Tasks take positional arguments only: that is what Ray's typed ``.remote`` accepts.
@ray.remote(num_cpus=1)
def fit_recipe(
    panel: Panel, groups: Mapping[str, str], recipe: ElasticityRecipe, threads: int
) -> Fitted:
    """Fit ``recipe`` on the whole panel (what is served)."""
    started = time.perf_counter()
    model = fit_model(panel, groups, recipe, threads)
    return saved(model, time.perf_counter() - started)


@ray.remote(num_cpus=1)
def score_recipe_task(
    panel: Panel, groups: Mapping[str, str], recipe: ElasticityRecipe, first: int, days: int,
    threads: int,
) -> Scored:  # fmt: skip
    """``score_recipe`` on a worker."""
    return score_recipe(panel, groups, recipe, first, days, threads)
