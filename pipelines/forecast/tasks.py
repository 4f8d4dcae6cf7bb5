"""The Ray tasks of the forecast pipeline.

Like the recommender's, each task gets the panel by value through the object store and
returns by value: a fitted forecaster comes back as the files of its saved folder
(``pipelines.model_files``: ``model.json`` + arrays, no pickle), a backtest as its scores. BLAS
and OpenMP pools are capped inside each task; the LSTM gets its torch threads through its
``threads`` parameter.
"""

from __future__ import annotations

import time

import ray
from threadpoolctl import threadpool_limits

from forecasting import factory
from forecasting.base import Forecaster, Panel
from forecasting.evaluation.backtest import BacktestConfig, ModelResult, backtest
from pipelines.forecast.recipe import Recipe
from pipelines.model_files import Fitted, saved
from pipelines.stages import peak_rss_mb


def make(recipe: Recipe) -> Forecaster:
    """A new, unfitted forecaster of ``recipe``."""
    return factory.make(recipe.name, **dict(recipe.params))


def fit_saved(recipe: Recipe, panel: Panel, threads: int) -> Fitted:
    """Fit ``recipe`` on ``panel``; its saved folder's files (in-process)."""
    started = time.perf_counter()
    with threadpool_limits(limits=threads):
        model = make(recipe).fit(panel)
    return saved(model, time.perf_counter() - started)


def backtest_scores(
    recipe: Recipe, panel: Panel, config: BacktestConfig, threads: int
) -> ModelResult:
    """``recipe`` refitted at every origin of ``config`` and scored (in-process)."""
    with threadpool_limits(limits=threads):
        return backtest(recipe.name, lambda: make(recipe), panel, config)


# Tasks take positional arguments only: that is what Ray's typed ``.remote`` accepts.
@ray.remote(num_cpus=1)
def fit_forecaster(recipe: Recipe, panel: Panel, threads: int) -> Fitted:
    """Fit one candidate on the whole panel (what would serve)."""
    return fit_saved(recipe, panel, threads)


@ray.remote(num_cpus=1)
def backtest_recipe(
    recipe: Recipe, panel: Panel, config: BacktestConfig, threads: int
) -> tuple[ModelResult, float]:
    """The rolling-origin backtest of one recipe, with the worker's peak RSS."""
    return backtest_scores(recipe, panel, config, threads), peak_rss_mb()
