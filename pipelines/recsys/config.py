"""The recommender pipeline's settings and the names it registers under."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines.extract import HISTORY_START as HISTORY_START  # notebooks import it from here
from pipelines.extract import SourceConfig
from pipelines.registry import DEFAULT_MARGIN, DEFAULT_TOLERANCE

EXPERIMENT = "agora-recsys"
# surface -> registered model (docs/ml/pipelines.md): every `agora-recs-*` model serving
# syncs (serving.recs.mlflow_sync). This family registers all but ``search``: the search
# index is the search family's (pipelines/search, same name there), rebuilt on its own.
REGISTERED = {
    "user": "agora-recs-user",
    "similar": "agora-recs-similar",
    "bought_together": "agora-recs-bought-together",
    "trending": "agora-recs-trending",
    "popular": "agora-recs-popular",
    "search": "agora-recs-search",
}
# surface -> model of recsys.factory (the user model is configurable).
SURFACE_MODELS = {
    "similar": "item_knn",
    "bought_together": "bought_together",
    "trending": "trending",
    "popular": "recent_popularity",
}
GATED_SURFACE = "user"
BASELINE = "recent_popularity"  # what the user model is also compared with (information)
# Known users' lists scored at training time (serving over-fetches 5 x k plus purchases).
USER_TOP_N = 200
# The search space of docs/ml/recsys-evaluation.md's validation search, kept small.
TUNE_SPACE: dict[str, dict[str, list[Any]]] = {
    "als": {"factors": [32, 64], "regularization": [0.01, 0.05], "alpha": [1.0, 2.0, 5.0]},
}


@dataclass(frozen=True)
class RecsysConfig(SourceConfig):
    """One run's choices. ``exports`` None: extract from ``database_url``; else read the
    ``agora export`` folders there (``<exports>/events``, ``<exports>/catalog``)."""

    user_model: str = "als"
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # model -> params
    half_life_days: float | None = 30.0
    test_days: float = 28.0
    validation_days: float = 28.0
    target_kinds: tuple[str, ...] = ("purchase",)
    k: int = 20
    tune: bool = True
    tune_samples: int | None = None  # None: the whole grid
    seed: int = 0
    n_boot: int = 1000
    embed: bool = True  # product texts embedded for the hybrid similar items
    margin: float = DEFAULT_MARGIN  # a new recipe must win by this (relative)
    tolerance: float = DEFAULT_TOLERANCE  # a refresh of the same recipe may lose this
    task_threads: int = 1

    @property
    def metric(self) -> str:
        return f"recall@{self.k}"

    def model_params(self, name: str) -> dict[str, Any]:
        return dict(self.params.get(name, {}))

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, without the database URL (it may hold a password)."""
        data = super().as_dict()
        data["params"] = {k: dict(v) for k, v in self.params.items()}
        return data
