"""What a forecaster *is*, apart from what it learned: its factory name and parameters.

The promotion gate re-fits the champion's recipe on a run's panel and calls a challenger
with the same recipe a refresh; the advice batch fits the registered champion's recipe on
its own, fresher panel. A saved folder's recipe is its ``model.json`` (``model`` and
``params``) less the parameters that say how it ran rather than what it is.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forecasting.models.core import META_FILE, read_metadata
from pipelines.pyfunc import MODEL_DIR

RUNTIME_PARAMS = ("threads",)  # how a recipe ran, not what it is


@dataclass(frozen=True)
class Recipe:
    """A forecaster to make: ``forecasting.factory.make(name, **params)``."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        """The recipe in canonical JSON, without runtime parameters (for comparing)."""
        kept = {k: v for k, v in self.params.items() if k not in RUNTIME_PARAMS}
        return json.dumps([self.name, kept], sort_keys=True, default=str)

    def same_as(self, other: Recipe) -> bool:
        return self.key() == other.key()

    def with_params(self, **changes: Any) -> Recipe:
        return Recipe(self.name, {**self.params, **changes})

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.name, "params": dict(self.params)}


def recipe_of(model_dir: Path) -> Recipe:
    """The recipe of a saved forecaster folder (ModelFormatError/KeyError if unreadable)."""
    meta = read_metadata(model_dir)
    params = {k: v for k, v in dict(meta.get("params", {})).items() if k not in RUNTIME_PARAMS}
    return Recipe(str(meta["model"]), params)


@dataclass(frozen=True)
class RegisteredRecipe:
    """The recipe behind a registered version."""

    registered: str
    version: str
    recipe: Recipe


def registered_recipe(uri: str, registered: str, version: str) -> RegisteredRecipe:
    """Read the recipe of ``registered`` version ``version`` in the MLflow store at ``uri``
    (tracking and registry): only its folder's ``model.json`` is downloaded."""
    import mlflow

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    meta = f"models:/{registered}/{version}/artifacts/{MODEL_DIR}/{META_FILE}"
    with tempfile.TemporaryDirectory(prefix="agora-forecast-recipe-") as tmp:
        local = mlflow.artifacts.download_artifacts(
            artifact_uri=meta, dst_path=tmp, tracking_uri=uri, registry_uri=uri
        )
        recipe = recipe_of(Path(local).parent)
    return RegisteredRecipe(registered, version, recipe)
