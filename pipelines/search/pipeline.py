"""The search family: its stages in order and its default configuration.

extract (the catalogue only) -> build -> train -> evaluate -> register -> promote. It
rebuilds the product search index when the catalogue changes, without retraining the
recommenders (``agora train search``).
"""

from __future__ import annotations

from pipelines.extract import extract_stage
from pipelines.family import CommonOptions, Family
from pipelines.search import build, evaluate, promote, register, train
from pipelines.search.config import EXPERIMENT, SearchConfig
from pipelines.stages import Stage

DATASETS = ("catalog",)


STAGES = (
    extract_stage(DATASETS, sellable=True),
    Stage("build", build.run),
    Stage("train", train.run, train.config),
    Stage("evaluate", evaluate.run, evaluate.config),
    Stage("register", register.run),
    Stage("promote", promote.run, promote.config),
)


def default_config(options: CommonOptions) -> SearchConfig:
    return SearchConfig(database_url=options.database_url, task_threads=options.ray.task_threads)


FAMILY = Family(name="search", experiment=EXPERIMENT, stages=STAGES, config=default_config)
