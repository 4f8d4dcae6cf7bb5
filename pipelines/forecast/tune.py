"""``tune``: Ray Tune over a small grid of the LSTM's hyperparameters.

Every trial fits the LSTM on the days before the validation window and forecasts it (the
window of ``horizon`` days that ends where the test windows start: they are never looked
at while choosing). Trials are scored by mean RMSSE over series, the metric the gate
compares. The grid is ``TUNE_SPACE`` (hidden size x learning rate = 4 trials);
``tune_samples`` keeps a seeded subset. The best trial (ties: the earlier grid point)
gives the LSTM parameters ``train`` and ``evaluate`` use. Skipped (the pipeline's LSTM
parameters stand) with ``--no-tune`` or when the LSTM is not a candidate.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from forecasting.base import Panel
from forecasting.evaluation.backtest import BacktestConfig
from pipelines.forecast import data
from pipelines.forecast.config import LEARNED, METRIC, TUNE_SPACE, ForecastConfig
from pipelines.forecast.recipe import Recipe
from pipelines.forecast.tasks import backtest_scores
from pipelines.stages import RunContext, write_json
from pipelines.tuning import TRIALS_FILE, grid, skipped, tune_grid


def config(cfg: ForecastConfig) -> dict[str, Any]:
    return {
        "tune": cfg.tune,
        "tune_samples": cfg.tune_samples,
        "tuned": LEARNED in cfg.candidates,
        "params": cfg.model_params(LEARNED),
        "seed": cfg.seed,
    }


def trial(
    config: dict[str, Any], *, base: dict[str, Any], panel: Panel, backtest: BacktestConfig,
    threads: int,
) -> None:  # fmt: skip
    """One Tune trial: the grid point's validation scores."""
    from ray import tune

    recipe = Recipe(LEARNED, {**base, **config["params"]})
    summary = backtest_scores(recipe, panel, backtest, threads).summary()
    tune.report({METRIC: _finite(summary[METRIC]), "wape": _finite(summary["wape"])})


def _finite(value: float) -> float:
    return value if math.isfinite(value) else math.inf


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    cfg: ForecastConfig = ctx.config
    if LEARNED not in cfg.candidates:
        return skipped(f"{LEARNED} is not a candidate")
    if not cfg.tune:
        return skipped("--no-tune")
    build_dir = ctx.stage_dir("build")
    split = data.read_split(build_dir)
    head = data.read_panel(build_dir).head(split.test_start)
    points = grid(TUNE_SPACE, cfg.tune_samples, cfg.seed)
    ctx.ray.ensure()
    trials = _tune(ctx, out, points, head, split.validation())
    best = min(trials, key=lambda t: (t[METRIC], t["index"]))
    if not math.isfinite(best[METRIC]):
        return skipped("no trial could be scored on the validation window")
    write_json(out / TRIALS_FILE, trials)
    return {
        "tuned": True,
        "best_params": best["params"],
        "trials": len(trials),
        "params": {"tuned": True, "tune_samples": len(points),
                   **{f"{LEARNED}.{k}": v for k, v in best["params"].items()}},
        "metrics": {f"validation.{LEARNED}.{METRIC}": best[METRIC]},
    }  # fmt: skip


def _tune(
    ctx: RunContext, out: Path, points: list[dict[str, Any]], panel: Panel,
    backtest: BacktestConfig,
) -> list[dict[str, Any]]:  # fmt: skip
    from ray import tune

    cfg: ForecastConfig = ctx.config
    trainable = tune.with_parameters(
        trial, base=cfg.model_params(LEARNED), panel=panel, backtest=backtest,
        threads=cfg.task_threads,
    )  # fmt: skip
    found = tune_grid(trainable, points, metric=METRIC, mode="min", out=out)
    trials = [
        {"index": i, "params": params, METRIC: float(m[METRIC]), "wape": float(m["wape"])}
        for i, params, m in found
    ]
    ctx.log("tune: " + ", ".join(f"{t['params']} {t[METRIC]:.4f}" for t in trials))
    return trials
