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
from pipelines.registry import CHAMPION, GateDecision, alias_version, gate, promote
from pipelines.stages import RunContext, write_json

if TYPE_CHECKING:
    from mlflow import MlflowClient

DECISIONS_FILE = "decisions.json"


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
    registered = ctx.outputs("register")
    decision = decide(ctx, client, registered["versions"]["demand"])
    if decision.promoted:
        promote(client, decision.model, decision.challenger_version)
    verdict = "promoted" if decision.promoted else "refused"
    ctx.log(f"promote: {decision.model} v{decision.challenger_version}: {verdict} "
            f"({decision.reason})")  # fmt: skip
    as_dicts = [decision.as_dict()]
    write_json(out / DECISIONS_FILE, as_dicts)
    metrics = _log_gate(client, registered["mlflow_run_id"], decision, as_dicts)
    return {"decisions": as_dicts, "promoted": decision.promoted, "metrics": metrics}


def _log_gate(
    client: MlflowClient, run_id: str, decision: GateDecision, decisions: list[dict[str, Any]]
) -> dict[str, float]:
    metrics = {
        "gate.challenger_score": decision.challenger_score,
        "gate.champion_score": decision.champion_score,
        "gate.margin": decision.margin,
        "gate.tolerance": decision.tolerance,
        "gate.improvement": decision.improvement,
        "gate.same_recipe": None if decision.same_recipe is None else float(decision.same_recipe),
        "gate.promoted": 1.0 if decision.promoted else 0.0,
    }
    kept = {k: float(v) for k, v in metrics.items() if v is not None and math.isfinite(v)}
    for key, value in kept.items():
        client.log_metric(run_id, key, value)
    client.set_tag(run_id, "agora.gate", "promoted" if decision.promoted else "refused")
    client.set_tag(run_id, "agora.gate_reason", decision.reason[:5000])
    client.log_dict(run_id, {"decisions": decisions}, "gate/decisions.json")
    return kept
