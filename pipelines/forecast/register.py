"""``register``: one MLflow run in ``agora-forecast`` with everything the run decided and
measured, and one new version of ``agora-forecast-demand``: the forecaster ``evaluate``
chose, fitted on the whole panel by ``train``, aliased ``challenger``.

Logged like every family's run (``pipelines.tracking.log_run``): the configuration and
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

from pipelines.forecast import data, pyfunc
from pipelines.forecast.config import EXPERIMENT, REGISTERED, ForecastConfig
from pipelines.forecast.evaluate import EVALUATION_FILE
from pipelines.stages import RunContext
from pipelines.tracking import (
    log_pyfunc_folder,
    log_run,
    merged,
    requirements,
    score_tags,
    tracked_run,
)
from pipelines.tuning import TRIALS_FILE

# What loading a version as a pyfunc needs besides Agora's own packages (forecasting), and
# what some models need on top.
PYFUNC_REQUIREMENTS = ("mlflow", "numpy", "pandas", "pyarrow")
MODEL_REQUIREMENTS = {"lstm": ("torch",), "ets": ("statsforecast",)}


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    cfg: ForecastConfig = ctx.config
    evaluation, trained = ctx.outputs("evaluate"), ctx.outputs("train")
    chosen = trained["models"][evaluation["champion"]]
    pins = requirements((*PYFUNC_REQUIREMENTS, *MODEL_REQUIREMENTS.get(chosen["model"], ())))
    with tracked_run(ctx, EXPERIMENT) as tracked:
        _log_run(ctx, chosen)
        tags = tracked.version_tags(chosen["model"], trained["trained_until"])
        with tempfile.TemporaryDirectory(prefix="agora-forecast-") as tmp:
            settings = Path(tmp) / pyfunc.SETTINGS_FILE
            settings.write_text(json.dumps({"horizon": cfg.horizon}))
            version = log_pyfunc_folder(
                tracked.client, registered_name=REGISTERED, folder=Path(chosen["folder"]),
                python_model=pyfunc.CODE_FILE, artifacts={pyfunc.SETTINGS: settings},
                signature=pyfunc.SIGNATURE,
                input_example=pyfunc.input_example(trained["example_series"], cfg.horizon),
                tags=tags | score_tags(cfg.metric, evaluation["score"]), pip_requirements=pins,
            )  # fmt: skip
    ctx.log(f"register: {REGISTERED} v{version} ({chosen['model']})")
    return tracked.outputs(out, {
        "demand": {"name": REGISTERED, "version": version, "model": chosen["model"]},
    })  # fmt: skip


def _log_run(ctx: RunContext, chosen: dict[str, Any]) -> None:
    built = ctx.outputs("build")["dataset"]
    params = {"model": {"name": chosen["model"], "params": chosen["params"]},
              **merged(ctx, "params", ("build", "tune", "evaluate"))}  # fmt: skip
    metrics = merged(ctx, "metrics", ("tune", "evaluate")) | {
        "data.lines": built["lines"], "data.series": built["series"],
        "data.days": built["days"], "data.units": built["units"],
    }  # fmt: skip
    log_run(ctx, params=params, metrics=metrics, reports=(
        ctx.stage_dir("build") / data.SPLIT_FILE,
        ctx.stage_dir("evaluate") / EVALUATION_FILE,
        ctx.stage_dir("tune") / TRIALS_FILE,
    ))  # fmt: skip
