"""What a search index is built with: its recipe, saved beside the index as ``recipe.json``.

The recipe is the embedding model (None: keyword only) and the ``recsys.search.SearchIndex``
settings (``depth``, ``semantic_weight``, ``cjk_semantic_weight``). The gate rebuilds the
champion's recipe on this run's catalogue, so it must be readable from the registered
folder: ``recipe.json`` when the search family wrote it, else what ``search.json`` and the
presence of ``index.faiss`` say (versions the recommender family registered before search
became a family of its own). Serving ignores the file.
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from recsys.content.embed import MODEL_NAME

RECIPE_FILE = "recipe.json"
INDEX_PARAMS = ("depth", "semantic_weight", "cjk_semantic_weight")
EMBEDDING_MODELS = (MODEL_NAME,)  # what this code can embed with (offline, bundled)


def index_defaults() -> dict[str, Any]:
    """``SearchIndex``'s own defaults of the settings a recipe holds."""
    from recsys.search import SearchIndex

    signature = inspect.signature(SearchIndex.__init__)
    return {name: signature.parameters[name].default for name in INDEX_PARAMS}


@dataclass(frozen=True)
class SearchRecipe:
    """How to build the index from the catalogue texts; equal recipes build equal indexes
    from the same texts."""

    embedding_model: str | None
    depth: int
    semantic_weight: float
    cjk_semantic_weight: float

    @property
    def embed(self) -> bool:
        return self.embedding_model is not None

    def index_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in INDEX_PARAMS}

    def keyword_only(self) -> SearchRecipe:
        return SearchRecipe(None, self.depth, self.semantic_weight, self.cjk_semantic_weight)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SearchRecipe:
        """Defaults (embedded with all-MiniLM-L6-v2, SearchIndex's settings) overridden by
        ``data``; ValueError on an unknown key or an invalid value."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"unknown search recipe parameter(s) {unknown}; known: {sorted(known)}"
            )
        values = {"embedding_model": MODEL_NAME, **index_defaults(), **data}
        model = values["embedding_model"]
        if model is not None and not isinstance(model, str):
            raise ValueError("embedding_model must be a model name or null")
        depth = values["depth"]
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
            raise ValueError("depth must be an integer >= 1")
        return cls(model, depth, _weight(values, "semantic_weight"),
                   _weight(values, "cjk_semantic_weight"))  # fmt: skip


def _weight(values: Mapping[str, Any], name: str) -> float:
    value = values[name]
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a number >= 0")
    return float(value)


def write_recipe(folder: Path, recipe: SearchRecipe) -> None:
    (folder / RECIPE_FILE).write_text(json.dumps(recipe.as_dict(), sort_keys=True) + "\n")


def read_recipe(folder: Path) -> SearchRecipe:
    """The recipe of a saved index folder (ValueError when it holds no index we know)."""
    path = folder / RECIPE_FILE
    if path.is_file():
        return SearchRecipe.from_dict(json.loads(path.read_text()))
    meta_path = folder / "search.json"
    if not meta_path.is_file():
        raise ValueError(f"{folder} holds no search index (no search.json)")
    params = json.loads(meta_path.read_text("utf-8")).get("params", {})
    embedded = (folder / "index.faiss").is_file()  # the recommender family embedded with it
    known = {k: v for k, v in params.items() if k in INDEX_PARAMS}
    return SearchRecipe.from_dict({**known, "embedding_model": MODEL_NAME if embedded else None})
