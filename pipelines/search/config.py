"""The search pipeline's settings and the names it registers under."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines.embedding import DEFAULT_BATCH
from pipelines.extract import SourceConfig
from pipelines.registry import DEFAULT_MARGIN, DEFAULT_TOLERANCE
from pipelines.search.recipe import SearchRecipe

EXPERIMENT = "agora-search"
# Serving syncs it as the `search` surface (pipelines.recsys.config.REGISTERED, the map of
# every agora-recs-* model serving follows, names it too).
REGISTERED = "agora-recs-search"
SURFACE = "search"
MODEL = "search"  # the agora.model tag: serving's folder is search@<version>
K = 10
# Mean reciprocal rank of the product itself in the top 10 of its known-item queries.
METRIC = f"mrr@{K}"


@dataclass(frozen=True)
class SearchConfig(SourceConfig):
    """One run's choices. ``exports`` None: extract from ``database_url``; else read the
    ``agora export catalog`` folder there (``<exports>/catalog``). ``embed`` False builds a
    keyword-only index; ``params`` overrides the recipe (``SearchRecipe``: the index's
    ``depth``, ``semantic_weight``, ``cjk_semantic_weight``)."""

    embed: bool = True
    params: Mapping[str, Any] = field(default_factory=dict)
    embed_batch: int = DEFAULT_BATCH  # product texts per embedding task
    sample: int = 300  # products whose known-item queries are scored
    seed: int = 0
    n_boot: int = 1000
    margin: float = DEFAULT_MARGIN  # a new recipe must win by this (relative)
    tolerance: float = DEFAULT_TOLERANCE  # a refresh of the same recipe may lose this
    task_threads: int = 1

    def recipe(self) -> SearchRecipe:
        """The index's recipe (ValueError on an unknown or invalid parameter)."""
        recipe = SearchRecipe.from_dict(self.params)
        return recipe if self.embed else recipe.keyword_only()

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, without the database URL (it may hold a password)."""
        data = super().as_dict()
        data["params"] = dict(self.params)
        return data
