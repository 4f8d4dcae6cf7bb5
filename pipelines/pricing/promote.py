"""``promote``: the promotion gate (pipelines.registry) for this run's challenger.

The champion's recipe (``params`` of its folder's model.json) is fitted on the days before
**this run's** test window and scored on it, next to the challenger's score from
``evaluate``: the deviance is an error, so lower wins (``higher_is_better=False``). Scoring
the champion's saved elasticities and levels as they are would not be fair: they were
fitted up to the end of their own run, usually into this run's test window. When the two
recipes are equal (a scheduled retrain) the challenger may lose up to ``tolerance``; a new
recipe must win by ``margin``. The decision, both scores and the thresholds are logged to
the run's MLflow run.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines import runtime
from pipelines.pricing.config import METRIC, MODEL, PricingConfig
from pipelines.pricing.evaluate import score_on_test
from pipelines.pricing.train import chosen_recipe
from pipelines.promotion import champion_folder, conclude
from pipelines.registry import CHAMPION, GateDecision, alias_version, gate
from pipelines.stages import RunContext
from pricing.model import ElasticityRecipe, read_metadata

if TYPE_CHECKING:
    from mlflow import MlflowClient


def config(cfg: PricingConfig) -> dict[str, Any]:
    return {"margin": cfg.margin, "tolerance": cfg.tolerance, "metric": METRIC}


def champion_recipe(model_dir: Path) -> ElasticityRecipe:
    """The recipe of a saved elasticity folder (ValueError when it has none we know)."""
    meta = read_metadata(model_dir)
    if meta.get("model") != MODEL:
        raise ValueError(f"model.json names {meta.get('model')!r}, not {MODEL!r}")
    return ElasticityRecipe.from_dict(meta.get("params", {}))


def _champion(
    ctx: RunContext, name: str, version: str
) -> tuple[float | None, ElasticityRecipe | None, str]:
    """The champion's recipe re-fitted and scored on this run's split; None (and why) when
    it cannot be."""
    with champion_folder(name, version) as folder:
        try:
            recipe = champion_recipe(folder)
        except (OSError, ValueError, TypeError) as exc:
            return None, None, f"champion v{version} has no readable recipe: {exc}"
    scores = score_on_test(ctx, {"champion": recipe})["champion"].scores
    score = scores.mean_deviance
    if not math.isfinite(score):
        return None, recipe, f"champion v{version}'s recipe scores nothing on this split"
    ctx.log(f"promote: champion v{version} {recipe.as_dict()} -> {METRIC} {score:.4f}")
    return score, recipe, ""


def decide(ctx: RunContext, client: MlflowClient, name: str, version: str) -> GateDecision:
    cfg: PricingConfig = ctx.config
    score = float(ctx.outputs("evaluate")["score"])
    common: dict[str, Any] = {"margin": cfg.margin, "tolerance": cfg.tolerance}
    champion = alias_version(client, name, CHAMPION)
    if champion is not None and str(champion.version) == version:  # a resumed promote
        return GateDecision(name, version, version, METRIC, score, score, cfg.margin, True,
                            "already champion", tolerance=cfg.tolerance,
                            higher_is_better=False)  # fmt: skip
    if champion is None:
        return gate(name, challenger_version=version, champion_version=None, metric=METRIC,
                    challenger_score=score, champion_score=None, higher_is_better=False,
                    **common)  # fmt: skip
    champion_score, recipe, why = _champion(ctx, name, str(champion.version))
    if champion_score is None:
        return GateDecision(name, version, str(champion.version), METRIC, score, None,
                            cfg.margin, False, why, tolerance=cfg.tolerance,
                            higher_is_better=False)  # fmt: skip
    return gate(name, challenger_version=version, champion_version=str(champion.version),
                metric=METRIC, challenger_score=score, champion_score=champion_score,
                same_recipe=recipe == chosen_recipe(ctx), higher_is_better=False,
                **common)  # fmt: skip


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    runtime.setup_mlflow(ctx.tracking)
    client = runtime.client(ctx.tracking)
    entry = ctx.outputs("register")["versions"]["elasticity"]
    decision = decide(ctx, client, entry["name"], entry["version"])
    return conclude(ctx, client, out, [decision], leader=decision)
