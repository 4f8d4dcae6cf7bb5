"""``register``: one MLflow run in ``agora-pricing`` with everything the run decided and
measured, and one new version of ``agora-pricing-elasticity``, aliased ``challenger``.

Logged: the configuration and the recipe (params), validation and test metrics (the
deviances, the gain over no price effect with its interval, the elasticity summary), the
data fingerprint and the code version (tags and ``fingerprint.json``), the reports
(``split.json``, ``evaluation.json``, ``trials.json``, ``elasticities.csv``) and the stage
markers. Version tags follow docs/ml/pipelines.md: ``agora.model`` (``elasticity``),
``agora.run_id``, ``agora.metric``/``agora.score`` (the test deviance), ``agora.data_sha256``,
``agora.trained_until``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines import runtime
from pipelines.fingerprint import code_version
from pipelines.pricing import data
from pipelines.pricing.config import EXPERIMENT, METRIC, REGISTERED, PricingConfig
from pipelines.pricing.evaluate import EVALUATION_FILE
from pipelines.pricing.pyfunc import CODE_FILE, SIGNATURE, input_example
from pipelines.pricing.train import TABLE_CSV
from pipelines.pricing.tune import TRIALS_FILE
from pipelines.stages import RunContext, write_json
from pipelines.tracking import log_metrics, log_params, log_pyfunc_folder, requirements

VERSIONS_FILE = "versions.json"
# What loading a version as a pyfunc needs besides Agora's own packages (pricing).
_REQUIREMENTS = ("mlflow", "numpy", "scipy", "pandas", "pyarrow")


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    import mlflow

    cfg: PricingConfig = ctx.config
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
    model = trained["model"]
    version_tags = {
        "agora.model": model["model"], "agora.run_id": ctx.run_id,
        "agora.data_sha256": fingerprint["sha256"],
        "agora.trained_until": trained["trained_until"], "agora.metric": METRIC,
        "agora.score": f"{evaluation['score']:.6f}",
    }  # fmt: skip
    with mlflow.start_run(experiment_id=experiment, run_name=ctx.run_id, tags=tags) as run:
        _log_run(ctx, cfg, fingerprint)
        version = log_pyfunc_folder(
            client, registered_name=REGISTERED, folder=Path(model["folder"]),
            python_model=CODE_FILE, artifacts={}, signature=SIGNATURE,
            input_example=input_example(trained["example"]), tags=version_tags,
            pip_requirements=requirements(_REQUIREMENTS),
        )  # fmt: skip
    ctx.log(f"register: {REGISTERED} v{version} ({model['model']})")
    versions = {"elasticity": {"name": REGISTERED, "version": version, "model": model["model"]}}
    write_json(out / VERSIONS_FILE, versions)
    return {
        "mlflow_run_id": run.info.run_id,
        "experiment_id": experiment,
        "versions": versions,
        "code_version": code,
        "fingerprint": fingerprint,
    }


def _log_run(ctx: RunContext, cfg: PricingConfig, fingerprint: dict[str, Any]) -> None:
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
    for stage in ("build", "tune", "train", "evaluate"):
        metrics.update(ctx.outputs(stage).get("metrics", {}))
    log_metrics(metrics)
    mlflow.log_dict(fingerprint, "fingerprint.json")
    for path in (
        ctx.stage_dir("build") / data.SPLIT_FILE,
        ctx.stage_dir("evaluate") / EVALUATION_FILE,
        ctx.stage_dir("tune") / TRIALS_FILE,
        ctx.stage_dir("train") / TABLE_CSV,
    ):
        if path.is_file():
            mlflow.log_artifact(str(path), artifact_path="reports")
    for done in sorted(ctx.run_dir.glob("*.done.json")):
        mlflow.log_artifact(str(done), artifact_path="stages")
