"""The MLflow pyfunc face of a saved recommender folder.

A registered version holds our own folder (``model.json`` + arrays, no pickle) as the
artifact ``model_dir``; serving reads that folder directly. This wrapper lets anything that
speaks MLflow (``mlflow.pyfunc.load_model``, ``mlflow models serve``) query it too. It is
logged as *code* (``model_code.py``), not pickled: loading it imports this module.

Input: a DataFrame with ``query`` (a user id, an item id or search text, by surface) and
optionally ``k`` (default 20). Output: one row per recommended item, ``query``, ``rank``
(1 = best), ``item_id``, ``score``.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
from mlflow.models import ModelSignature
from mlflow.pyfunc.model import PythonModel
from mlflow.types import ColSpec, Schema

MODEL_DIR = "model_dir"
SURFACE_FILE = "surface.json"  # artifact "surface": {"surface": "user"}
DEFAULT_K = 20
CODE_FILE = Path(__file__).with_name("model_code.py")
SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", "query"), ColSpec("long", "k", required=False)]),
    outputs=Schema(
        [
            ColSpec("string", "query"),
            ColSpec("long", "rank"),
            ColSpec("string", "item_id"),
            ColSpec("double", "score"),
        ]
    ),
)
# Model names outside recsys.factory, as "module:Class" with a load(directory).
_EXTRA = {
    "hybrid": "recsys.hybrid:HybridRecommender",
    "content": "recsys.content.model:ContentRecommender",
}


def load_folder(path: Path) -> Any:
    """A saved model of any kind we publish, by the name in its model.json."""
    from recsys import factory
    from recsys.base import read_metadata

    name = _folder_name(path, read_metadata)
    if name in factory.MODELS:
        return factory.load(path)
    if name == "search":
        from recsys.search import SearchIndex

        encoder = None
        if (path / "index.faiss").exists():  # the index has vectors: queries need encoding
            from recsys.content.embed import TextEncoder

            encoder = TextEncoder()
        return SearchIndex.load(path, encoder=encoder)
    target = _EXTRA.get(name)
    if target is None:
        raise ValueError(f"{path}: no loader for model {name!r}")
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr).load(path)


def _folder_name(path: Path, read_metadata: Any) -> str:
    search_meta = path / "search.json"
    if search_meta.is_file() and not (path / "model.json").is_file():
        return "search"
    name = read_metadata(path).get("model")
    if not isinstance(name, str):
        raise ValueError(f"{path}: model.json names no model")
    return name


def ranked(model: Any, surface: str, query: str, k: int) -> list[tuple[str, float]]:
    """What a surface answers for one query."""
    if surface == "user":
        result: list[tuple[str, float]] = model.recommend(query, k)
    elif surface == "similar":
        result = model.similar_items(query, k)
    elif surface == "bought_together":
        result = model.bought_together(query, k)
    elif surface in ("trending", "popular"):
        result = model.top(k)
    elif surface == "search":
        result = model.search(query, k)
    else:
        raise ValueError(f"unknown surface {surface!r}")
    return result


class FolderModel(PythonModel):
    """Loads ``model_dir`` once; ``predict`` ranks for every input row."""

    def __init__(self) -> None:
        self.model: Any = None
        self.surface = "user"

    def load_context(self, context: Any) -> None:
        surface_file = context.artifacts.get("surface")
        if surface_file:
            self.surface = str(json.loads(Path(surface_file).read_text())["surface"])
        self.model = load_folder(Path(context.artifacts[MODEL_DIR]))

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        frame = pd.DataFrame(model_input)
        ks = frame["k"] if "k" in frame else pd.Series([DEFAULT_K] * len(frame))
        rows: list[dict[str, Any]] = []
        for query, k in zip(frame["query"].astype(str), ks, strict=True):
            limit = DEFAULT_K if pd.isna(k) else int(k)
            for rank, (item, score) in enumerate(ranked(self.model, self.surface, query, limit)):
                rows.append({"query": query, "rank": rank + 1, "item_id": item, "score": score})
        columns = ["query", "rank", "item_id", "score"]
        return pd.DataFrame(rows, columns=columns).astype(
            {"query": str, "rank": "int64", "item_id": str, "score": "float64"}
        )


def input_example(query: str) -> pd.DataFrame:
    """One query for the signature's example (a known user, item or title word)."""
    return pd.DataFrame({"query": [query], "k": [5]}).astype({"query": str, "k": "int64"})
