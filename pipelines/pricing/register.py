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

from pipelines.pricing import data
from pipelines.pricing.config import EXPERIMENT, METRIC, REGISTERED
from pipelines.pricing.evaluate import EVALUATION_FILE
from pipelines.pricing.pyfunc import CODE_FILE, SIGNATURE, input_example
from pipelines.pricing.train import TABLE_CSV
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

# What loading a version as a pyfunc needs besides Agora's own packages (pricing).
_REQUIREMENTS = ("mlflow", "numpy", "scipy", "pandas", "pyarrow")


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    evaluation, trained = ctx.outputs("evaluate"), ctx.outputs("train")
    model = trained["model"]
    with tracked_run(ctx, EXPERIMENT) as tracked:
        _log_run(ctx)
        tags = tracked.version_tags(model["model"], trained["trained_until"])
        version = log_pyfunc_folder(
            tracked.client, registered_name=REGISTERED, folder=Path(model["folder"]),
            python_model=CODE_FILE, artifacts={}, signature=SIGNATURE,
            input_example=input_example(trained["example"]),
            tags=tags | score_tags(METRIC, evaluation["score"]),
            pip_requirements=requirements(_REQUIREMENTS),
        )  # fmt: skip
    ctx.log(f"register: {REGISTERED} v{version} ({model['model']})")
    return tracked.outputs(out, {
        "elasticity": {"name": REGISTERED, "version": version, "model": model["model"]},
    })  # fmt: skip


def _log_run(ctx: RunContext) -> None:
    log_run(
        ctx, params=merged(ctx, "params", ("tune", "train")),
        metrics=merged(ctx, "metrics", ("build", "tune", "train", "evaluate")),
        reports=(
            ctx.stage_dir("build") / data.SPLIT_FILE,
            ctx.stage_dir("evaluate") / EVALUATION_FILE,
            ctx.stage_dir("tune") / TRIALS_FILE,
            ctx.stage_dir("train") / TABLE_CSV,
        ),
    )  # fmt: skip
