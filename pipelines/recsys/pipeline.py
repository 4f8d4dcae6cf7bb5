"""The recommender family: its stages in order and its default configuration.

extract -> build -> tune -> train -> evaluate -> register -> promote. Tuning comes before
training because the served user model is fitted with the tuned parameters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.extract import extract
from pipelines.family import CommonOptions, Family
from pipelines.recsys import build, evaluate, promote, register, train, tune
from pipelines.recsys.config import EXPERIMENT, RecsysConfig
from pipelines.stages import RunContext, Stage

DATASETS = ("events", "catalog")  # orders are not used by the recommenders


def _extract_config(cfg: RecsysConfig) -> dict[str, Any]:
    return {**cfg.source(), "datasets": list(DATASETS)}


def _extract(ctx: RunContext, out: Path) -> dict[str, Any]:
    cfg: RecsysConfig = ctx.config
    return extract(
        out, datasets=DATASETS, database_url=cfg.database_url, exports=cfg.exports,
        since=cfg.since, sellable=True,
    )  # fmt: skip


STAGES = (
    Stage("extract", _extract, _extract_config),
    Stage("build", build.run, build.config),
    Stage("tune", tune.run, tune.config),
    Stage("train", train.run, train.config),
    Stage("evaluate", evaluate.run, evaluate.config),
    Stage("register", register.run),
    Stage("promote", promote.run, promote.config),
)


def default_config(options: CommonOptions) -> RecsysConfig:
    return RecsysConfig(
        database_url=options.database_url, tune=options.tune, tune_samples=options.tune_samples,
        task_threads=options.ray.task_threads,
    )  # fmt: skip


FAMILY = Family(name="recsys", experiment=EXPERIMENT, stages=STAGES, config=default_config)
