"""Make a model by name, or load a saved one by the name in its metadata."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from recsys.base import ModelFormatError, Recommender, read_metadata

# name -> "module:Class"; imported on demand so that naming a model loads only its code.
MODELS: dict[str, str] = {
    "popularity": "recsys.models.popularity:PopularityRecommender",
    "recent_popularity": "recsys.models.popularity:RecentPopularityRecommender",
    "trending": "recsys.models.trending:TrendingRecommender",
    "item_knn": "recsys.models.item_knn:ItemKNNRecommender",
    "als": "recsys.models.factors:ALSRecommender",
    "bpr": "recsys.models.factors:BPRRecommender",
    "bought_together": "recsys.models.bought_together:BoughtTogetherRecommender",
}


def names() -> list[str]:
    """Every model the factory can make."""
    return list(MODELS)


def model_class(name: str) -> type[Recommender]:
    """The class registered under `name`; ValueError for an unknown name."""
    target = MODELS.get(name)
    if target is None:
        raise ValueError(f"unknown recommender {name!r}; known: {', '.join(MODELS)}")
    module_name, _, attr = target.partition(":")
    cls: type[Recommender] = getattr(importlib.import_module(module_name), attr)
    return cls


def make(name: str, **params: Any) -> Recommender:
    """A new, unfitted model."""
    return model_class(name)(**params)


def load(directory: str | Path) -> Recommender:
    """A saved model, whatever it is (dispatches on `model` in its model.json)."""
    meta = read_metadata(directory)
    name = meta.get("model")
    if not isinstance(name, str) or name not in MODELS:
        raise ModelFormatError(f"{directory}: unknown model {name!r}")
    return model_class(name).load(directory)
