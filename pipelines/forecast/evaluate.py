"""``evaluate``: the rolling-origin backtest of every candidate, one Ray task each, and the
champion rule's pick.

Each candidate's recipe is refitted at every test origin of the split and scored on the
window after it (``forecasting.evaluation.backtest``: RMSSE, MASE, scaled pinball loss per
series; WAPE, bias and interval coverage over everything). Every model is compared with
the best *other* baseline by the paired bootstrap over series, and
``forecasting.evaluation.report.champion_of`` picks the one to register: the lowest mean
RMSSE, except that a learned model (the LSTM) must win clearly, else the best baseline.
``evaluation.json`` is forecasting's backtest report (``report.to_json``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from forecasting import factory
from forecasting.evaluation.backtest import ModelResult
from forecasting.evaluation.report import champion, champion_of, compare, to_json, verdict
from pipelines.forecast import data
from pipelines.forecast.config import METRIC, ForecastConfig
from pipelines.forecast.recipe import Recipe
from pipelines.forecast.tasks import backtest_recipe
from pipelines.forecast.train import recipes
from pipelines.stages import PipelineError, RunContext, write_json

EVALUATION_FILE = "evaluation.json"
_REPORTED = ("rmsse", "mase", "spl", "wape", "bias", "coverage_80", "coverage_90")


def config(cfg: ForecastConfig) -> dict[str, Any]:
    return {
        "candidates": list(cfg.candidates),
        "params": {name: cfg.model_params(name) for name in cfg.candidates},
        "n_boot": cfg.n_boot,
        "seed": cfg.seed,
    }


def backtest_on_split(
    ctx: RunContext, chosen: Mapping[str, Recipe]
) -> tuple[dict[str, ModelResult], float]:
    """Each recipe backtested on the run's test windows; with the largest worker RSS."""
    import ray

    cfg: ForecastConfig = ctx.config
    build_dir = ctx.stage_dir("build")
    split = data.read_split(build_dir)
    ctx.ray.ensure()
    panel_ref = ray.put(data.read_panel(build_dir))
    refs = {
        label: backtest_recipe.remote(recipe, panel_ref, split.backtest(), cfg.task_threads)
        for label, recipe in chosen.items()
    }
    done = dict(zip(refs, ray.get(list(refs.values())), strict=True))
    return {label: r for label, (r, _) in done.items()}, max(rss for _, rss in done.values())


def score(result: ModelResult) -> float:
    """The gate's score: mean RMSSE over series (NaN when no series could be scored)."""
    return float(result.summary()[METRIC])


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    cfg: ForecastConfig = ctx.config
    chosen = recipes(ctx)
    results, worker_rss = backtest_on_split(ctx, chosen)
    comparisons = compare(results, factory.BASELINES, n_boot=cfg.n_boot, seed=cfg.seed)
    best = champion_of(results, comparisons, factory.BASELINES)
    if best is None:
        raise PipelineError("no candidate could be scored: no series sold before a test window")
    decision = verdict(best, comparisons, passed_over=champion(results))
    built = ctx.outputs("build")
    info = {
        "run_id": ctx.run_id, "level": cfg.level, "horizon": built["split"]["horizon"],
        "windows": built["split"]["windows"], "n_boot": cfg.n_boot, "seed": cfg.seed,
        "recipes": {name: r.as_dict() for name, r in chosen.items()}, **built["dataset"],
    }  # fmt: skip
    write_json(out / EVALUATION_FILE, to_json(info, results, comparisons, decision))
    metrics: dict[str, float] = {}
    for name, result in results.items():
        summary = result.summary()
        metrics |= {f"test.{name}.{key}": summary[key] for key in _REPORTED if key in summary}
        metrics |= {f"test.{name}.vs_baseline.{k}": v
                    for k, v in comparisons[name].difference.as_dict().items()}  # fmt: skip
    ctx.log(f"evaluate: {decision['text']}")
    return {
        "metric": METRIC,
        "champion": best,
        "score": score(results[best]),
        "verdict": decision["text"],
        "metrics": {k: v for k, v in metrics.items() if math.isfinite(v)},
        "params": {"chosen_model": best},
        "worker_peak_rss_mb": worker_rss,
    }
