"""The recommender family: its stages in order and its default configuration.

extract -> build -> tune -> train -> evaluate -> register -> promote. Tuning comes before
training because the served user model is fitted with the tuned parameters.
"""

from __future__ import annotations

from pipelines.extract import extract_stage
from pipelines.family import CommonOptions, Family, options_config
from pipelines.recsys import build, evaluate, promote, register, train, tune
from pipelines.recsys.config import EXPERIMENT, RecsysConfig
from pipelines.stages import Stage

DATASETS = ("events", "catalog")  # orders are not used by the recommenders


STAGES = (
    extract_stage(DATASETS, sellable=True),
    Stage("build", build.run, build.config),
    Stage("tune", tune.run, tune.config),
    Stage("train", train.run, train.config),
    Stage("evaluate", evaluate.run, evaluate.config),
    Stage("register", register.run),
    Stage("promote", promote.run, promote.config),
)


def default_config(options: CommonOptions) -> RecsysConfig:
    return options_config(RecsysConfig, options)


FAMILY = Family(name="recsys", experiment=EXPERIMENT, stages=STAGES, config=default_config)
