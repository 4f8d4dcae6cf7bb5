"""``register``: one MLflow run in ``agora-recsys`` with everything the run decided and
measured, and one new registered version per surface, aliased ``challenger``.

Logged: the configuration and the chosen parameters (params), validation and test
metrics, the data fingerprint (sha256 of the exported files, row counts, time windows)
and the code version (``git rev-parse HEAD`` and whether tracked files were modified) as
tags and ``fingerprint.json``, and the stage reports as artifacts. Version tags follow
docs/ml/pipelines.md (``agora.model``, ``agora.surface``, ``agora.run_id``, and on the
gated user model ``agora.metric`` / ``agora.score``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines import runtime
from pipelines.fingerprint import code_version
from pipelines.recsys import data
from pipelines.recsys.config import EXPERIMENT, GATED_SURFACE, REGISTERED, RecsysConfig
from pipelines.recsys.evaluate import EVALUATION_FILE
from pipelines.recsys.tune import TRIALS_FILE
from pipelines.stages import RunContext, write_json
from pipelines.tracking import log_folder_model, log_metrics, log_params

VERSIONS_FILE = "versions.json"


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    import mlflow

    cfg: RecsysConfig = ctx.config
    runtime.setup_mlflow(ctx.tracking)
    experiment = runtime.experiment_id(ctx.tracking, EXPERIMENT)
    client = runtime.client(ctx.tracking)
    fingerprint = ctx.outputs("extract")["fingerprint"]
    evaluation, trained = ctx.outputs("evaluate"), ctx.outputs("train")
    code = code_version()
    tags = {
        "agora.family": ctx.family, "agora.run_id": ctx.run_id,
        "agora.data_sha256": fingerprint["sha256"], "agora.git_commit": str(code["commit"]),
        "agora.git_dirty": str(code["dirty"]),
    }  # fmt: skip
    with mlflow.start_run(experiment_id=experiment, run_name=ctx.run_id, tags=tags) as run:
        _log_run(ctx, cfg, fingerprint)
        versions = {}
        for surface, model in trained["models"].items():
            version_tags = {
                "agora.model": model["model"], "agora.surface": surface,
                "agora.run_id": ctx.run_id, "agora.data_sha256": fingerprint["sha256"],
                "agora.trained_until": trained["trained_until"],
            }  # fmt: skip
            if surface == GATED_SURFACE:
                version_tags |= {"agora.metric": cfg.metric,
                                 "agora.score": f"{evaluation['score']:.6f}"}  # fmt: skip
            version = log_folder_model(
                client, registered_name=REGISTERED[surface], folder=Path(model["folder"]),
                surface=surface, query=trained["examples"][surface], tags=version_tags,
            )  # fmt: skip
            versions[surface] = {"name": REGISTERED[surface], "version": version,
                                 "model": model["model"]}  # fmt: skip
            ctx.log(f"register: {REGISTERED[surface]} v{version} ({model['model']})")
    write_json(out / VERSIONS_FILE, versions)
    return {
        "mlflow_run_id": run.info.run_id,
        "experiment_id": experiment,
        "versions": versions,
        "code_version": code,
        "fingerprint": fingerprint,
    }


def _log_run(ctx: RunContext, cfg: RecsysConfig, fingerprint: dict[str, Any]) -> None:
    import mlflow

    params: dict[str, Any] = {"config": cfg.as_dict(), "data": {
        "sha256": fingerprint["sha256"],
        **{name: {"rows": d["rows"], "time_range": d["time_range"]}
           for name, d in fingerprint["datasets"].items()},
    }}  # fmt: skip
    for stage in ("tune", "train"):
        params.update(ctx.outputs(stage).get("params", {}))
    log_params(params)
    metrics: dict[str, Any] = {}
    for stage in ("tune", "evaluate"):
        metrics.update(ctx.outputs(stage).get("metrics", {}))
    build = ctx.outputs("build")["dataset"]
    metrics |= {"data.events": build["events"], "data.users": build["users"],
                "data.items": build["items"]}  # fmt: skip
    log_metrics(metrics)
    mlflow.log_dict(fingerprint, "fingerprint.json")
    for path in (
        ctx.stage_dir("build") / data.SPLIT_FILE,
        ctx.stage_dir("evaluate") / EVALUATION_FILE,
        ctx.stage_dir("tune") / TRIALS_FILE,
    ):
        if path.is_file():
            mlflow.log_artifact(str(path), artifact_path="reports")
    for done in sorted(ctx.run_dir.glob("*.done.json")):
        mlflow.log_artifact(str(done), artifact_path="stages")
