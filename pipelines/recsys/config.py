"""The recommender pipeline's settings and the names it registers under."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.registry import DEFAULT_MARGIN, DEFAULT_TOLERANCE

EXPERIMENT = "agora-recsys"
# surface -> registered model (docs/ml/pipelines.md).
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
HISTORY_START = datetime(2000, 1, 1, tzinfo=UTC)  # before any imported history


@dataclass(frozen=True)
class RecsysConfig:
    """One run's choices. ``exports`` None: extract from ``database_url``; else read the
    ``agora export`` folders there (``<exports>/events``, ``<exports>/catalog``)."""

    database_url: str
    exports: Path | None = None
    since: datetime = HISTORY_START
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
    embed: bool = True  # product texts embedded for semantic search and the hybrid
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
        data = asdict(self)
        data.pop("database_url")
        data["params"] = {k: dict(v) for k, v in self.params.items()}
        return data

    def source(self) -> dict[str, Any]:
        """Where the data comes from (extract's configuration)."""
        return {
            "exports": str(self.exports) if self.exports else None,
            "database": _redacted(self.database_url) if self.exports is None else None,
            "since": self.since.isoformat(),
        }


def _redacted(url: str) -> str:
    """A URL without its password."""
    head, at, tail = url.rpartition("@")
    if not at or "://" not in head:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{tail}"
