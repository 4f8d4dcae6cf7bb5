"""``register``: one MLflow run in ``agora-search`` with everything the run decided and
measured, and one new version of ``agora-recs-search``, aliased ``challenger``.

The version is logged like the recommenders' (``tracking.log_folder_model``: the pyfunc
wrapper ``pipelines/pyfunc.py`` with surface ``search``; the artifact ``model_dir`` is the
index folder serving syncs as ``search@<version>``). Version tags: ``agora.model``
(``search``), ``agora.surface``, ``agora.metric``/``agora.score`` (MRR@10), ``agora.run_id``,
``agora.data_sha256``, ``agora.trained_until`` (when the catalogue was exported).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.search.config import EXPERIMENT, METRIC, MODEL, REGISTERED, SURFACE
from pipelines.search.evaluate import EVALUATION_FILE, QUERIES_FILE
from pipelines.stages import RunContext
from pipelines.tracking import log_folder_model, log_run, merged, score_tags, tracked_run


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    evaluation, trained = ctx.outputs("evaluate"), ctx.outputs("train")
    with tracked_run(ctx, EXPERIMENT) as tracked:
        log_run(
            ctx, params=merged(ctx, "params", ("train",)),
            metrics=merged(ctx, "metrics", ("build", "train", "evaluate")),
            reports=(ctx.stage_dir("evaluate") / EVALUATION_FILE,
                     ctx.stage_dir("evaluate") / QUERIES_FILE),
        )  # fmt: skip
        tags = tracked.version_tags(MODEL, trained["trained_until"])
        tags |= {"agora.surface": SURFACE} | score_tags(METRIC, evaluation["score"])
        version = log_folder_model(
            tracked.client, registered_name=REGISTERED, folder=Path(trained["model"]["folder"]),
            surface=SURFACE, query=trained["example"], tags=tags,
        )  # fmt: skip
    ctx.log(f"register: {REGISTERED} v{version} ({MODEL})")
    return tracked.outputs(out, {SURFACE: {"name": REGISTERED, "version": version, "model": MODEL}})
