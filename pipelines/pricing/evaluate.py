"""``evaluate``: the run's recipe fitted on the days before the test window and scored on
it (``pricing.evaluation.holdout``): each product's units on each held-out day predicted at
the price charged that day, mean Poisson deviance per product-day (lower is better), next
to the same fit with no price effect (elasticity 0: each product's recent mean) and the
relative gain over it with a paired bootstrap interval over products.

The deviance is the score the promotion gate compares. The summary of the elasticities
(share identifiable, median) is reported for the fit before the test window and for the
served fit on every day.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines.pricing import data
from pipelines.pricing.config import METRIC, PricingConfig
from pipelines.pricing.tasks import Scored, score_recipe_task
from pipelines.pricing.train import chosen_recipe, summary_metrics
from pipelines.stages import PipelineError, RunContext, write_json
from pricing.model import ElasticityRecipe

EVALUATION_FILE = "evaluation.json"


def config(cfg: PricingConfig) -> dict[str, Any]:
    return {"params": dict(cfg.params), "n_boot": cfg.n_boot, "seed": cfg.seed}


def score_on_test(ctx: RunContext, recipes: Mapping[str, ElasticityRecipe]) -> dict[str, Scored]:
    """Each recipe fitted before this run's test window and scored on it, one Ray task
    each."""
    import ray

    cfg: PricingConfig = ctx.config
    build_dir = ctx.stage_dir("build")
    first, days = data.read_split(build_dir).window("test")
    ctx.ray.ensure()
    panel_ref = ray.put(data.read_panel(build_dir))
    groups: Mapping[str, str] = data.read_categories(build_dir)
    groups_ref = ray.put(groups)
    refs = {
        label: score_recipe_task.remote(
            panel_ref, groups_ref, recipe, first, days, cfg.task_threads
        )
        for label, recipe in recipes.items()
    }
    return dict(zip(refs, ray.get(list(refs.values())), strict=True))


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    cfg: PricingConfig = ctx.config
    recipe = chosen_recipe(ctx)
    scored = score_on_test(ctx, {"challenger": recipe})["challenger"]
    if scored.scores.product_days == 0:
        raise PipelineError("no product sold before the test window: nothing to evaluate")
    report = scored.scores.report(n_boot=cfg.n_boot, seed=cfg.seed)
    split = ctx.outputs("build")["dataset"]
    evaluation = {
        "metric": METRIC,
        "lower_is_better": True,
        "recipe": recipe.as_dict(),
        "test_window": {"start": split["test_start"], "end": split["end"],
                        "days": cfg.holdout_days},
        "test": report,
        "fitted_before_test": scored.summary,
        "served": ctx.outputs("train")["summary"],
    }  # fmt: skip
    write_json(out / EVALUATION_FILE, evaluation)
    gain = report["gain"]
    metrics = {
        f"test.{METRIC}": report["mean_deviance"],
        f"test.baseline_{METRIC}": report["baseline_mean_deviance"],
        "test.gain_vs_no_price_effect": gain["value"],
        "test.gain_vs_no_price_effect_low": gain["low"],
        "test.gain_vs_no_price_effect_high": gain["high"],
        "test.products": report["products"],
        "test.product_days": report["product_days"],
        **summary_metrics(scored.summary, "test.model"),
    }
    score = float(report["mean_deviance"])
    ctx.log(f"evaluate: {METRIC} {score:.4f} (no price effect "
            f"{report['baseline_mean_deviance']:.4f}, gain {_pct(gain)})")  # fmt: skip
    return {
        "metric": METRIC,
        "score": score,
        "metrics": {k: float(v) for k, v in metrics.items() if v is not None},
        "worker_peak_rss_mb": scored.worker_peak_rss_mb,
    }


def _pct(gain: dict[str, float | None]) -> str:
    def fmt(value: float | None) -> str:
        return "n/a" if value is None or not math.isfinite(value) else f"{value * 100:+.1f} %"

    return f"{fmt(gain['value'])} [{fmt(gain['low'])}, {fmt(gain['high'])}]"
