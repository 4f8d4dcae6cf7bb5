"""``register``: one MLflow run in ``agora-forecast`` with everything the run decided and
measured, and one new version of ``agora-forecast-demand``: the forecaster ``evaluate``
chose, fitted on the whole panel by ``train``, aliased ``challenger``.

Logged like the recommenders' run (``pipelines.recsys.register``): the configuration and
chosen parameters (params), validation and test metrics of every candidate, the data
fingerprint and code version (tags and ``fingerprint.json``), the reports and the stage
markers. Version tags: ``agora.model`` (the forecaster's name), ``agora.metric``
(``rmsse``), ``agora.score`` (its mean test RMSSE), ``agora.run_id``,
``agora.data_sha256``, ``agora.trained_until``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from pipelines import runtime
from pipelines.fingerprint import code_version
from pipelines.forecast import data, pyfunc
from pipelines.forecast.config import EXPERIMENT, REGISTERED, ForecastConfig
from pipelines.forecast.evaluate import EVALUATION_FILE
from pipelines.forecast.tune import TRIALS_FILE
from pipelines.stages import RunContext, write_json
from pipelines.tracking import log_metrics, log_params, log_pyfunc_folder, requirements

VERSIONS_FILE = "versions.json"
# What loading a version as a pyfunc needs besides Agora's own packages (forecasting), and
# what some models need on top.
PYFUNC_REQUIREMENTS = ("mlflow", "numpy", "pandas", "pyarrow")
MODEL_REQUIREMENTS = {"lstm": ("torch",), "ets": ("statsforecast",)}


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    import mlflow

    cfg: ForecastConfig = ctx.config
    runtime.setup_mlflow(ctx.tracking)
    experiment = runtime.experiment_id(ctx.tracking, EXPERIMENT)
    client = runtime.client(ctx.tracking)
    fingerprint = ctx.outputs("extract")["fingerprint"]
    evaluation, trained = ctx.outputs("evaluate"), ctx.outputs("train")
    chosen = trained["models"][evaluation["champion"]]
    code = code_version()
    tags = {
        "agora.family": ctx.family, "agora.run_id": ctx.run_id,
        "agora.data_sha256": fingerprint["sha256"], "agora.git_commit": str(code["commit"]),
        "agora.git_dirty": str(code["dirty"]),
    }  # fmt: skip
    version_tags = {
        "agora.model": chosen["model"], "agora.metric": cfg.metric,
        "agora.score": f"{evaluation['score']:.6f}", "agora.run_id": ctx.run_id,
        "agora.data_sha256": fingerprint["sha256"],
        "agora.trained_until": trained["trained_until"],
    }  # fmt: skip
    pins = requirements((*PYFUNC_REQUIREMENTS, *MODEL_REQUIREMENTS.get(chosen["model"], ())))
    with mlflow.start_run(experiment_id=experiment, run_name=ctx.run_id, tags=tags) as run:
        _log_run(ctx, cfg, fingerprint)
        with tempfile.TemporaryDirectory(prefix="agora-forecast-") as tmp:
            settings = Path(tmp) / pyfunc.SETTINGS_FILE
            settings.write_text(json.dumps({"horizon": cfg.horizon}))
            version = log_pyfunc_folder(
                client, registered_name=REGISTERED, folder=Path(chosen["folder"]),
                python_model=pyfunc.CODE_FILE, artifacts={pyfunc.SETTINGS: settings},
                signature=pyfunc.SIGNATURE,
                input_example=pyfunc.input_example(trained["example_series"], cfg.horizon),
                tags=version_tags, pip_requirements=pins,
            )  # fmt: skip
    ctx.log(f"register: {REGISTERED} v{version} ({chosen['model']})")
    versions = {"demand": {"name": REGISTERED, "version": version, "model": chosen["model"]}}
    write_json(out / VERSIONS_FILE, versions)
    return {
        "mlflow_run_id": run.info.run_id,
        "experiment_id": experiment,
        "versions": versions,
        "code_version": code,
        "fingerprint": fingerprint,
    }


def _log_run(ctx: RunContext, cfg: ForecastConfig, fingerprint: dict[str, Any]) -> None:
    import mlflow

    chosen = ctx.outputs("train")["models"][ctx.outputs("evaluate")["champion"]]
    params: dict[str, Any] = {"config": cfg.as_dict(), "data": {
        "sha256": fingerprint["sha256"],
        **{name: {"rows": d["rows"], "time_range": d["time_range"]}
           for name, d in fingerprint["datasets"].items()},
    }, "model": {"name": chosen["model"], "params": chosen["params"]}}  # fmt: skip
    for stage in ("build", "tune", "evaluate"):
        params.update(ctx.outputs(stage).get("params", {}))
    log_params(params)
    metrics: dict[str, Any] = {}
    for stage in ("tune", "evaluate"):
        metrics.update(ctx.outputs(stage).get("metrics", {}))
    built = ctx.outputs("build")["dataset"]
    metrics |= {"data.lines": built["lines"], "data.series": built["series"],
                "data.days": built["days"], "data.units": built["units"]}  # fmt: skip
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
