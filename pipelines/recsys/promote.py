"""``promote``: the promotion gate (pipelines.registry) for this run's challengers.

The user model is gated: the current champion is downloaded and its recipe (model name
and parameters, from the saved folder's model.json) fitted and scored on **this run's**
test split, next to the challenger's score from ``evaluate``. Scoring the champion's
saved weights as they are would not be fair: they were fitted on events up to the end of
their own run, usually including this run's test window, and ``exclude_seen`` would then
hide exactly the purchases to be found.

The other surfaces (similar, bought together, trending, popular) have no
comparable offline metric: each is promoted when it has no champion yet, otherwise
exactly when the user model is, so the served set always comes from one run. The
decisions, both scores and the margin are logged to the run's MLflow run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines import runtime
from pipelines.promotion import champion_folder, conclude
from pipelines.recsys.config import GATED_SURFACE, RecsysConfig
from pipelines.recsys.evaluate import evaluate_on_test
from pipelines.registry import CHAMPION, GateDecision, alias_version, follow, gate
from pipelines.stages import RunContext

if TYPE_CHECKING:
    from mlflow import MlflowClient

_RUNTIME_PARAMS = ("num_threads",)  # how a recipe ran, not what it is


def config(cfg: RecsysConfig) -> dict[str, Any]:
    return {"margin": cfg.margin, "tolerance": cfg.tolerance, "metric": cfg.metric}


def champion_recipe(model_dir: Path) -> tuple[str, dict[str, Any]]:
    """(model name, params) of a saved recommender folder."""
    from recsys.base import read_metadata

    meta = read_metadata(model_dir)
    params = {k: v for k, v in meta.get("params", {}).items() if k not in _RUNTIME_PARAMS}
    return str(meta["model"]), params


def _champion_score(
    ctx: RunContext, name: str, version: str
) -> tuple[float | None, tuple[str, dict[str, Any]] | None, str]:
    """The champion re-evaluated on this run's split and its recipe; None (and why) when
    it cannot be."""
    cfg: RecsysConfig = ctx.config
    with champion_folder(name, version) as folder:
        try:
            recipe = champion_recipe(folder)
        except (OSError, ValueError, KeyError) as exc:
            return None, None, f"champion v{version} has no readable recipe: {exc}"
    results, _ = evaluate_on_test(ctx, {"champion": recipe})
    score = results["champion"].summary[cfg.metric].value
    ctx.log(f"promote: champion v{version} {recipe[0]} {recipe[1]} -> {cfg.metric} {score:.4f}")
    return score, recipe, ""


def _gate_user(ctx: RunContext, client: MlflowClient, entry: dict[str, str]) -> GateDecision:
    cfg: RecsysConfig = ctx.config
    name, version = entry["name"], entry["version"]
    score = float(ctx.outputs("evaluate")["score"])
    champion = alias_version(client, name, CHAMPION)
    if champion is not None and str(champion.version) == version:  # a resumed promote
        return GateDecision(name, version, version, cfg.metric, score, score, cfg.margin,
                            True, "already champion", cfg.tolerance)  # fmt: skip
    if champion is None:
        return gate(name, challenger_version=version, champion_version=None,
                    metric=cfg.metric, challenger_score=score, champion_score=None,
                    margin=cfg.margin, tolerance=cfg.tolerance)  # fmt: skip
    champion_score, recipe, why = _champion_score(ctx, name, str(champion.version))
    if champion_score is None:
        return GateDecision(name, version, str(champion.version), cfg.metric, score, None,
                            cfg.margin, False, why, cfg.tolerance)  # fmt: skip
    challenger = champion_recipe(Path(ctx.outputs("train")["models"][GATED_SURFACE]["folder"]))
    return gate(name, challenger_version=version, champion_version=str(champion.version),
                metric=cfg.metric, challenger_score=score, champion_score=champion_score,
                margin=cfg.margin, tolerance=cfg.tolerance,
                same_recipe=challenger == recipe)  # fmt: skip


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    runtime.setup_mlflow(ctx.tracking)
    client = runtime.client(ctx.tracking)
    versions: dict[str, dict[str, str]] = ctx.outputs("register")["versions"]
    leader = _gate_user(ctx, client, versions[GATED_SURFACE])
    decisions = [leader]
    for surface, entry in versions.items():
        if surface == GATED_SURFACE:
            continue
        champion = alias_version(client, entry["name"], CHAMPION)
        decisions.append(follow(
            entry["name"], challenger_version=entry["version"],
            champion_version=None if champion is None else str(champion.version), leader=leader,
        ))  # fmt: skip
    return conclude(ctx, client, out, decisions, leader=leader)
