"""Logging a pipeline run to MLflow: params, metrics, tags, registered versions, the gate.

One MLflow run per pipeline run, in the family's experiment (``tracked_run``, opened by the
family's ``register`` stage). Every surface's model is logged with
``mlflow.pyfunc.log_model(name="model", ...)`` (MLflow 3 names models; the saved folder is
the artifact ``model_dir``), registered under its name in docs/ml/pipelines.md, tagged, and
given the ``challenger`` alias. ``promote`` adds the gate's decision to the same run.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines import runtime
from pipelines.fingerprint import code_version
from pipelines.pyfunc import CODE_FILE, MODEL_DIR, SIGNATURE, SURFACE_FILE, input_example
from pipelines.registry import CHALLENGER, GateDecision
from pipelines.stages import RunContext, write_json

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.models import ModelSignature

VERSIONS_FILE = "versions.json"
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


# -- the run's MLflow run -------------------------------------------------------------------
@dataclass(frozen=True)
class TrackedRun:
    """The MLflow run of one pipeline run, and what its tags were made from."""

    client: MlflowClient
    experiment_id: str
    mlflow_run_id: str
    run_id: str  # the pipeline's
    fingerprint: dict[str, Any]
    code_version: dict[str, Any]

    def version_tags(self, model: str, trained_until: str) -> dict[str, str]:
        """The tags every registered version gets (docs/ml/pipelines.md); ``model`` is our
        model's name."""
        return {
            "agora.model": model, "agora.run_id": self.run_id,
            "agora.data_sha256": self.fingerprint["sha256"], "agora.trained_until": trained_until,
        }  # fmt: skip

    def outputs(self, out: Path, versions: dict[str, dict[str, str]]) -> dict[str, Any]:
        """Write ``versions.json`` (surface -> name, version, model); the ``register``
        stage's outputs."""
        write_json(out / VERSIONS_FILE, versions)
        return {
            "mlflow_run_id": self.mlflow_run_id,
            "experiment_id": self.experiment_id,
            "versions": versions,
            "code_version": self.code_version,
            "fingerprint": self.fingerprint,
        }


def score_tags(metric: str, score: float) -> dict[str, str]:
    """The version tags of the evaluation metric the gate compares."""
    return {"agora.metric": metric, "agora.score": f"{score:.6f}"}


@contextmanager
def tracked_run(ctx: RunContext, experiment: str) -> Iterator[TrackedRun]:
    """The run's MLflow run in ``experiment``, active inside the block, tagged with the
    family, the run id, the data fingerprint and the code version (git commit, dirty flag)."""
    import mlflow

    runtime.setup_mlflow(ctx.tracking)
    experiment_id = runtime.experiment_id(ctx.tracking, experiment)
    fingerprint = ctx.outputs("extract")["fingerprint"]
    code = code_version()
    tags = {
        "agora.family": ctx.family, "agora.run_id": ctx.run_id,
        "agora.data_sha256": fingerprint["sha256"], "agora.git_commit": str(code["commit"]),
        "agora.git_dirty": str(code["dirty"]),
    }  # fmt: skip
    with mlflow.start_run(experiment_id=experiment_id, run_name=ctx.run_id, tags=tags) as run:
        yield TrackedRun(runtime.client(ctx.tracking), experiment_id, run.info.run_id,
                         ctx.run_id, fingerprint, code)  # fmt: skip


def merged(ctx: RunContext, key: str, stages: Sequence[str]) -> dict[str, Any]:
    """The ``key`` mappings (``params``, ``metrics``) of ``stages``' outputs, later stages
    winning."""
    found: dict[str, Any] = {}
    for stage in stages:
        found.update(ctx.outputs(stage).get(key, {}))
    return found


def log_run(
    ctx: RunContext, *, params: Mapping[str, Any], metrics: Mapping[str, Any],
    reports: Sequence[Path],
) -> None:  # fmt: skip
    """Log to the active run: the configuration (``config.*``), the data fingerprint
    (``data.*``) and ``params``; ``metrics``; ``fingerprint.json``; the ``reports`` that
    exist (``reports/``) and every stage's marker (``stages/``)."""
    import mlflow

    fingerprint = ctx.outputs("extract")["fingerprint"]
    data = {"sha256": fingerprint["sha256"], **{
        name: {"rows": d["rows"], "time_range": d["time_range"]}
        for name, d in fingerprint["datasets"].items()
    }}  # fmt: skip
    log_params({"config": ctx.config.as_dict(), "data": data, **params})
    log_metrics(metrics)
    mlflow.log_dict(fingerprint, "fingerprint.json")
    for path in reports:
        if path.is_file():
            mlflow.log_artifact(str(path), artifact_path="reports")
    for done in sorted(ctx.run_dir.glob("*.done.json")):
        mlflow.log_artifact(str(done), artifact_path="stages")


def log_gate(
    client: MlflowClient, run_id: str, leader: GateDecision, decisions: list[dict[str, Any]]
) -> dict[str, float]:
    """The gated decision on the run ``run_id``: ``gate.*`` metrics (the finite ones, which
    are returned), the ``agora.gate`` and ``agora.gate_reason`` tags, and every decision
    as ``gate/decisions.json``."""
    metrics = {
        "gate.challenger_score": leader.challenger_score,
        "gate.champion_score": leader.champion_score,
        "gate.margin": leader.margin,
        "gate.tolerance": leader.tolerance,
        "gate.improvement": leader.improvement,
        "gate.same_recipe": None if leader.same_recipe is None else float(leader.same_recipe),
        "gate.promoted": 1.0 if leader.promoted else 0.0,
    }
    kept = {k: float(v) for k, v in metrics.items() if v is not None and math.isfinite(v)}
    for key, value in kept.items():
        client.log_metric(run_id, key, value)
    client.set_tag(run_id, "agora.gate", "promoted" if leader.promoted else "refused")
    client.set_tag(run_id, "agora.gate_reason", leader.reason[:5000])
    client.log_dict(run_id, {"decisions": decisions}, "gate/decisions.json")
    return kept
