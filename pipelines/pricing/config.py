"""The pricing pipeline's settings and the names it registers under."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines.extract import SourceConfig
from pipelines.registry import DEFAULT_MARGIN, DEFAULT_TOLERANCE
from pricing.model import MODEL_NAME, ElasticityRecipe

EXPERIMENT = "agora-pricing"
REGISTERED = "agora-pricing-elasticity"
MODEL = MODEL_NAME  # the version's agora.model tag and its folder's model.json name
# Mean Poisson deviance per product-day of the held-out days (lower is better).
METRIC = "poisson_deviance"
# Ray Tune's grid over the recipe, scored on the validation window (8 points; the other
# recipe parameters, e.g. trend_degree or market_index, are pinned with ``params``). On thin
# data a stricter max_se (fewer, surer own estimates) and a longer level window can pay.
TUNE_SPACE: dict[str, list[Any]] = {
    "shrinkage": [True, False],
    "max_se": [2.0, 1.0],
    "level_days": [28, 56],
}
MIN_FIT_DAYS = 28  # a recipe is never fitted on fewer days than this


@dataclass(frozen=True)
class PricingConfig(SourceConfig):
    """One run's choices. ``exports`` None: extract from ``database_url``; else read the
    ``agora export orders`` folder there (``<exports>/orders``). The panel holds the
    ``history_days`` up to the last complete day with sales; the test window is its last
    ``holdout_days`` and the validation window the ``holdout_days`` before them."""

    history_days: int = 365
    holdout_days: int = 28
    params: Mapping[str, Any] = field(default_factory=dict)  # ElasticityRecipe overrides
    tune: bool = True
    tune_samples: int | None = None  # None: the whole grid
    n_boot: int = 1000
    seed: int = 0
    margin: float = DEFAULT_MARGIN  # a new recipe must win by this (relative)
    tolerance: float = DEFAULT_TOLERANCE  # a refresh of the same recipe may lose this
    task_threads: int = 1

    def recipe(self, tuned: Mapping[str, Any] | None = None) -> ElasticityRecipe:
        """The recipe of this run: defaults, then ``params``, then the tuned choices.
        ValueError on an unknown parameter."""
        return ElasticityRecipe.from_dict({**self.params, **(tuned or {})})

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, without the database URL (it may hold a password)."""
        data = super().as_dict()
        data["params"] = dict(self.params)
        return data
