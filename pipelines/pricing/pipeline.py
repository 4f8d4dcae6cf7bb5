"""The pricing family: its stages in order and its default configuration.

extract -> build -> tune -> train -> evaluate -> register -> promote. Tuning comes before
training because the served elasticities are fitted with the tuned recipe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.extract import extract
from pipelines.family import CommonOptions, Family
from pipelines.pricing import build, evaluate, promote, register, train, tune
from pipelines.pricing.config import EXPERIMENT, PricingConfig
from pipelines.stages import RunContext, Stage

DATASETS = ("orders",)  # prices and units come from the paid order lines


def _extract_config(cfg: PricingConfig) -> dict[str, Any]:
    return {**cfg.source(), "datasets": list(DATASETS)}


def _extract(ctx: RunContext, out: Path) -> dict[str, Any]:
    cfg: PricingConfig = ctx.config
    return extract(out, datasets=DATASETS, database_url=cfg.database_url,
                   exports=cfg.exports, since=cfg.since)  # fmt: skip


STAGES = (
    Stage("extract", _extract, _extract_config),
    Stage("build", build.run, build.config),
    Stage("tune", tune.run, tune.config),
    Stage("train", train.run, train.config),
    Stage("evaluate", evaluate.run, evaluate.config),
    Stage("register", register.run),
    Stage("promote", promote.run, promote.config),
)


def default_config(options: CommonOptions) -> PricingConfig:
    return PricingConfig(
        database_url=options.database_url, tune=options.tune, tune_samples=options.tune_samples,
        task_threads=options.ray.task_threads,
    )  # fmt: skip


FAMILY = Family(name="pricing", experiment=EXPERIMENT, stages=STAGES, config=default_config)
