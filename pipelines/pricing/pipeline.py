"""The pricing family: its stages in order and its default configuration.

extract -> build -> tune -> train -> evaluate -> register -> promote. Tuning comes before
training because the served elasticities are fitted with the tuned recipe.
"""

from __future__ import annotations

from pipelines.extract import extract_stage
from pipelines.family import CommonOptions, Family, options_config
from pipelines.pricing import build, evaluate, promote, register, train, tune
from pipelines.pricing.config import EXPERIMENT, PricingConfig
from pipelines.stages import Stage

DATASETS = ("orders",)  # prices and units come from the paid order lines


STAGES = (
    extract_stage(DATASETS),
    Stage("build", build.run, build.config),
    Stage("tune", tune.run, tune.config),
    Stage("train", train.run, train.config),
    Stage("evaluate", evaluate.run, evaluate.config),
    Stage("register", register.run),
    Stage("promote", promote.run, promote.config),
)


def default_config(options: CommonOptions) -> PricingConfig:
    return options_config(PricingConfig, options)


FAMILY = Family(name="pricing", experiment=EXPERIMENT, stages=STAGES, config=default_config)
