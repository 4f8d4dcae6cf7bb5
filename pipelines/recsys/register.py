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

from pipelines.recsys import data
from pipelines.recsys.config import EXPERIMENT, GATED_SURFACE, REGISTERED, RecsysConfig
from pipelines.recsys.evaluate import EVALUATION_FILE
from pipelines.stages import RunContext
from pipelines.tracking import log_folder_model, log_run, merged, score_tags, tracked_run
from pipelines.tuning import TRIALS_FILE


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    cfg: RecsysConfig = ctx.config
    evaluation, trained = ctx.outputs("evaluate"), ctx.outputs("train")
    with tracked_run(ctx, EXPERIMENT) as tracked:
        _log_run(ctx)
        versions = {}
        for surface, model in trained["models"].items():
            tags = tracked.version_tags(model["model"], trained["trained_until"])
            tags["agora.surface"] = surface
            if surface == GATED_SURFACE:
                tags |= score_tags(cfg.metric, evaluation["score"])
            version = log_folder_model(
                tracked.client, registered_name=REGISTERED[surface], folder=Path(model["folder"]),
                surface=surface, query=trained["examples"][surface], tags=tags,
            )  # fmt: skip
            versions[surface] = {"name": REGISTERED[surface], "version": version,
                                 "model": model["model"]}  # fmt: skip
            ctx.log(f"register: {REGISTERED[surface]} v{version} ({model['model']})")
    return tracked.outputs(out, versions)


def _log_run(ctx: RunContext) -> None:
    build = ctx.outputs("build")["dataset"]
    metrics = merged(ctx, "metrics", ("tune", "evaluate")) | {
        "data.events": build["events"], "data.users": build["users"], "data.items": build["items"],
    }  # fmt: skip
    log_run(ctx, params=merged(ctx, "params", ("tune", "train")), metrics=metrics, reports=(
        ctx.stage_dir("build") / data.SPLIT_FILE,
        ctx.stage_dir("evaluate") / EVALUATION_FILE,
        ctx.stage_dir("tune") / TRIALS_FILE,
    ))  # fmt: skip
