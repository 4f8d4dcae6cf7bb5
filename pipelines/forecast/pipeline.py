"""The demand-forecast family: its stages in order and its default configuration.

extract -> build -> tune -> train -> evaluate -> register -> promote. Tuning (the LSTM
only) comes before training because the registered model uses the tuned parameters.
"""

from __future__ import annotations

from pipelines.extract import extract_stage
from pipelines.family import CommonOptions, Family, options_config
from pipelines.forecast import build, evaluate, promote, register, train, tune
from pipelines.forecast.config import EXPERIMENT, ForecastConfig
from pipelines.stages import Stage

DATASETS = ("orders",)


STAGES = (
    extract_stage(DATASETS),
    Stage("build", build.run, build.config),
    Stage("tune", tune.run, tune.config),
    Stage("train", train.run, train.config),
    Stage("evaluate", evaluate.run, evaluate.config),
    Stage("register", register.run),
    Stage("promote", promote.run, promote.config),
)


def default_config(options: CommonOptions) -> ForecastConfig:
    return options_config(ForecastConfig, options)


FAMILY = Family(name="forecast", experiment=EXPERIMENT, stages=STAGES, config=default_config)
