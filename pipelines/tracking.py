"""Logging a pipeline run to MLflow: params, metrics, tags and registered versions.

One MLflow run per pipeline run, in the family's experiment. Every surface's model is
logged with ``mlflow.pyfunc.log_model(name="model", ...)`` (MLflow 3 names models; the
saved folder is the artifact ``model_dir``), registered under its name in
docs/ml/pipelines.md, tagged, and given the ``challenger`` alias.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.pyfunc import CODE_FILE, MODEL_DIR, SIGNATURE, SURFACE_FILE, input_example
from pipelines.registry import CHALLENGER

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.models import ModelSignature

_INVALID_KEY = re.compile(r"[^A-Za-z0-9_\-. /]")
# What loading a version as a pyfunc needs besides Agora's own packages (recsys).
_REQUIREMENTS = ("mlflow", "numpy", "scipy", "pandas", "pyarrow", "faiss-cpu")


def metric_key(name: str) -> str:
    """An MLflow-safe key: ``recall@20`` -> ``recall_at_20``."""
    return _INVALID_KEY.sub("_", name.replace("@", "_at_"))


def flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted keys: {"a": {"b": 1}} -> {"a.b": 1}."""
    flat: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, Mapping):
            flat.update(flatten(item, f"{name}."))
        else:
            flat[name] = item
    return flat


def log_params(params: Mapping[str, Any]) -> None:
    """Log flattened params (MLflow keeps strings; lists become their JSON-ish text)."""
    import mlflow

    flat = {metric_key(k): str(v)[:6000] for k, v in flatten(params).items()}
    mlflow.log_params(flat)


def log_metrics(metrics: Mapping[str, float | int | None]) -> None:
    import mlflow

    clean = {metric_key(k): float(v) for k, v in metrics.items() if v is not None}
    mlflow.log_metrics(clean)


def requirements(dists: Sequence[str] = _REQUIREMENTS) -> list[str]:
    """``dist==version`` of each of ``dists`` that is installed."""
    pins = []
    for dist in dists:
        try:
            pins.append(f"{dist}=={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            continue
    return pins


def log_folder_model(
    client: MlflowClient,
    *,
    registered_name: str,
    folder: Path,
    surface: str,
    query: str,
    tags: Mapping[str, str],
) -> str:
    """Log the recommender ``folder`` as a pyfunc in the active run, register it, tag the
    version and alias it ``challenger``; returns the new version."""
    with tempfile.TemporaryDirectory(prefix="agora-surface-") as tmp:
        surface_file = Path(tmp) / SURFACE_FILE
        surface_file.write_text(json.dumps({"surface": surface}))
        return log_pyfunc_folder(
            client, registered_name=registered_name, folder=folder, python_model=CODE_FILE,
            artifacts={"surface": surface_file}, signature=SIGNATURE,
            input_example=input_example(query), tags=tags,
        )  # fmt: skip


def log_pyfunc_folder(
    client: MlflowClient,
    *,
    registered_name: str,
    folder: Path,
    python_model: Path,
    artifacts: Mapping[str, Path],
    signature: ModelSignature,
    input_example: Any,
    tags: Mapping[str, str],
    pip_requirements: Sequence[str] | None = None,
) -> str:
    """Log ``folder`` (as the artifact ``model_dir``, beside ``artifacts``) with the
    model-from-code ``python_model`` in the active run, register it, tag the version and
    alias it ``challenger``; returns the new version."""
    import mlflow

    if folder.name != MODEL_DIR:  # MLflow keeps an artifact under its folder's name
        raise ValueError(f"{folder} must be named {MODEL_DIR}")
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=str(python_model),
        artifacts={MODEL_DIR: str(folder), **{k: str(v) for k, v in artifacts.items()}},
        signature=signature,
        input_example=input_example,
        registered_model_name=registered_name,
        pip_requirements=list(pip_requirements) if pip_requirements else requirements(),
    )
    version = str(info.registered_model_version)
    for key, value in tags.items():
        client.set_model_version_tag(registered_name, version, key, value)
    client.set_registered_model_alias(registered_name, CHALLENGER, version)
    return version
