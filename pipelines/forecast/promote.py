"""``promote``: the promotion gate (``pipelines.registry.gate``) for this run's challenger.

The metric is the mean RMSSE over series on this run's test windows (lower is better).
The current champion is downloaded and its recipe (model name and parameters, from the
saved folder's ``model.json``) backtested on **this run's** panel and origins, beside the
challenger's score from ``evaluate``; its saved state is not scored (it was fitted on days
that are this run's test windows). The challenger is a refresh (``same_recipe``) when
its name and parameters equal the champion's: it may then lose at most the tolerance;
another recipe must win by the margin. The decision, both scores, margin and tolerance
are logged to the run's MLflow run.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ray.exceptions import RayTaskError

from pipelines import runtime
from pipelines.forecast.config import LEARNED, ForecastConfig
from pipelines.forecast.evaluate import backtest_on_split, score
from pipelines.forecast.recipe import Recipe, recipe_of, registered_recipe
from pipelines.promotion import conclude
from pipelines.registry import CHAMPION, GateDecision, alias_version, gate
from pipelines.stages import RunContext

if TYPE_CHECKING:
    from mlflow import MlflowClient


def config(cfg: ForecastConfig) -> dict[str, Any]:
    return {"margin": cfg.margin, "tolerance": cfg.tolerance, "metric": cfg.metric}


def champion_score(ctx: RunContext, recipe: Recipe) -> float:
    """The champion's recipe backtested on this run's split (the run's threads)."""
    cfg: ForecastConfig = ctx.config
    runnable = recipe.with_params(threads=cfg.task_threads) if recipe.name == LEARNED else recipe
    results, _ = backtest_on_split(ctx, {"champion": runnable})
    return score(results["champion"])


def decide(ctx: RunContext, client: MlflowClient, entry: dict[str, str]) -> GateDecision:
    """The gate's decision on the registered challenger ``entry``."""
    cfg: ForecastConfig = ctx.config
    name, version = entry["name"], entry["version"]
    evaluation = ctx.outputs("evaluate")
    challenger_score = float(evaluation["score"])
    champion = alias_version(client, name, CHAMPION)
    common: dict[str, Any] = {"metric": cfg.metric, "margin": cfg.margin,
                              "tolerance": cfg.tolerance, "higher_is_better": False}  # fmt: skip
    if champion is not None and str(champion.version) == version:  # a resumed promote
        return GateDecision(name, version, version, cfg.metric, challenger_score,
                            challenger_score, cfg.margin, True, "already champion",
                            cfg.tolerance, True, False, 0.0)  # fmt: skip
    if champion is None:
        return gate(name, challenger_version=version, champion_version=None,
                    challenger_score=challenger_score, champion_score=None, **common)  # fmt: skip
    held = str(champion.version)
    try:
        theirs = registered_recipe(ctx.tracking.uri, name, held).recipe
    except (OSError, ValueError, KeyError) as exc:
        return GateDecision(name, version, held, cfg.metric, challenger_score, None, cfg.margin,
                            False, f"champion v{held} has no readable recipe: {exc}",
                            cfg.tolerance, None, False)  # fmt: skip
    ours = recipe_of(Path(ctx.outputs("train")["models"][evaluation["champion"]]["folder"]))
    same = ours.same_as(theirs)
    try:
        theirs_score = champion_score(ctx, theirs)
    except RayTaskError as exc:  # e.g. parameters this code no longer accepts
        theirs_score, why = math.nan, f"{type(exc.cause).__name__}: {exc.cause}"
    else:
        why = "no series scored"
    ctx.log(f"promote: champion v{held} {theirs.name} {dict(theirs.params)} -> "
            f"{cfg.metric} {theirs_score:.4f}")  # fmt: skip
    if not math.isfinite(theirs_score):  # a human decides (agora models promote)
        return GateDecision(name, version, held, cfg.metric, challenger_score, None, cfg.margin,
                            False, f"champion v{held} cannot be scored on this run's split: "
                            f"{why}", cfg.tolerance, same, False)  # fmt: skip
    return gate(name, challenger_version=version, champion_version=held,
                challenger_score=challenger_score, champion_score=theirs_score,
                same_recipe=same, **common)  # fmt: skip


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    runtime.setup_mlflow(ctx.tracking)
    client = runtime.client(ctx.tracking)
    decision = decide(ctx, client, ctx.outputs("register")["versions"]["demand"])
    return conclude(ctx, client, out, [decision], leader=decision)
