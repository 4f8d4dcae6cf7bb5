"""``tune``: Ray Tune over a small grid of recipe choices.

Every trial fits its recipe on the days before the validation window and is scored (mean
Poisson deviance per product-day, ``pricing.evaluation.holdout``) on that window, which ends
where the test window starts: the test window is never looked at while choosing. The grid
is ``TUNE_SPACE`` (shrinkage x max_se x level window = 8 points) less the
parameters the run pins with ``params``; ``tune_samples`` keeps a seeded subset of it. The
best trial (ties: the earlier grid point) gives the recipe ``train`` and ``evaluate`` use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from forecasting.base import Panel
from pipelines.pricing import data
from pipelines.pricing.config import METRIC, MIN_FIT_DAYS, TUNE_SPACE, PricingConfig
from pipelines.pricing.tasks import score_recipe
from pipelines.stages import RunContext, write_json
from pipelines.tuning import TRIALS_FILE, grid, skipped, tune_grid
from pricing.model import ElasticityRecipe


def config(cfg: PricingConfig) -> dict[str, Any]:
    return {
        "tune": cfg.tune,
        "tune_samples": cfg.tune_samples,
        "params": dict(cfg.params),
        "seed": cfg.seed,
    }


def space(cfg: PricingConfig) -> dict[str, list[Any]]:
    """The grid less what the run pins with ``params``."""
    return {k: v for k, v in TUNE_SPACE.items() if k not in cfg.params}


def trial(
    config: dict[str, Any],
    *,
    panel: Panel,
    groups: Mapping[str, str],
    base: Mapping[str, Any],
    first: int,
    days: int,
    threads: int,
) -> None:
    """One Tune trial: fit the grid point before the validation window, report its score."""
    from ray import tune

    recipe = ElasticityRecipe.from_dict({**base, **config["params"]})
    scored = score_recipe(panel, groups, recipe, first, days, threads)
    deviance = scored.scores.mean_deviance
    tune.report({
        "deviance": deviance if math.isfinite(deviance) else math.inf,
        "baseline": scored.scores.baseline_mean_deviance,
        "identifiable": scored.summary["identifiable"],
    })  # fmt: skip


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    cfg: PricingConfig = ctx.config
    if not cfg.tune:
        return skipped("--no-tune")
    points_space = space(cfg)
    if not points_space:
        return skipped("every tuned parameter is pinned by params")
    build_dir = ctx.stage_dir("build")
    split = data.read_split(build_dir)
    first, days = split.window("validation")
    if first < MIN_FIT_DAYS:
        return skipped(f"{first} days before the validation window (fewer than {MIN_FIT_DAYS})")
    points = grid(points_space, cfg.tune_samples, cfg.seed)
    ctx.ray.ensure()
    panel = data.read_panel(build_dir)
    trials = _tune(ctx, out, points, panel, data.read_categories(build_dir), first, days)
    write_json(out / TRIALS_FILE, trials)
    scored = [t for t in trials if math.isfinite(t["deviance"])]
    if not scored:
        return skipped("no product could be scored on the validation window")
    best = min(scored, key=lambda t: (t["deviance"], t["index"]))
    ctx.log(f"tune: best {best['params']} {METRIC} {best['deviance']:.4f}")
    return {
        "tuned": True,
        "best_params": best["params"],
        "trials": len(trials),
        "params": {"tuned": True, "tune_samples": len(points)},
        "metrics": {f"validation.{METRIC}": best["deviance"],
                    f"validation.baseline_{METRIC}": best["baseline"]},
    }  # fmt: skip


def _tune(
    ctx: RunContext, out: Path, points: list[dict[str, Any]], panel: Panel,
    groups: dict[str, str], first: int, days: int,
) -> list[dict[str, Any]]:  # fmt: skip
    from ray import tune

    cfg: PricingConfig = ctx.config
    trainable = tune.with_parameters(
        trial, panel=panel, groups=groups, base=dict(cfg.params), first=first, days=days,
        threads=cfg.task_threads,
    )  # fmt: skip
    found = tune_grid(trainable, points, metric="deviance", mode="min", out=out)
    return [
        {"index": i, "params": params, "deviance": float(m["deviance"]),
         "baseline": float(m["baseline"]), "identifiable": int(m["identifiable"])}
        for i, params, m in found
    ]  # fmt: skip
