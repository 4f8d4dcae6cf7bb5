"""``evaluate``: every surface's recipe fitted on the events before the test window and
scored on it (recsys.evaluation: recall@k, nDCG, MAP, hit rate over warm users, with
bootstrap intervals; coverage; popularity bias), one Ray task per recipe.

The user model's recall@k is the score the promotion gate compares; the other surfaces
are scored as user recommenders for information (they serve other lists). The user
model is also compared with recent popularity (paired bootstrap), as in the offline
report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines.recsys import data
from pipelines.recsys.config import GATED_SURFACE, RecsysConfig
from pipelines.recsys.tasks import Recipe, Scoring, evaluate_recipe
from pipelines.recsys.train import recipes
from pipelines.stages import PipelineError, RunContext, write_json
from recsys.evaluation.evaluate import ModelResult, compare, item_percentiles

EVALUATION_FILE = "evaluation.json"
POPULAR = "popular"


def config(cfg: RecsysConfig) -> dict[str, Any]:
    return {
        "user_model": cfg.user_model,
        "params": {k: dict(v) for k, v in cfg.params.items()},
        "half_life_days": cfg.half_life_days,
        "k": cfg.k,
        "n_boot": cfg.n_boot,
        "seed": cfg.seed,
    }


def finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def evaluate_on_test(
    ctx: RunContext, chosen: Mapping[str, tuple[str, Mapping[str, Any]]]
) -> tuple[dict[str, ModelResult], float]:
    """Fit each (name, params) on the run's test split and score it; with the largest
    worker peak RSS seen."""
    import ray

    cfg: RecsysConfig = ctx.config
    build_dir = ctx.stage_dir("build")
    split = data.read_windows(build_dir).test(data.read_events(build_dir))
    if not split.warm:
        raise PipelineError("no warm users in the test window: nothing to evaluate")
    ctx.ray.ensure()
    train = data.split_interactions(split, half_life_days=cfg.half_life_days)
    train_ref, split_ref = ray.put(train), ray.put(split)
    scoring = Scoring(sorted({10, cfg.k}), item_percentiles(train), cfg.n_boot, cfg.seed)
    refs = {
        label: evaluate_recipe.remote(
            Recipe(name, params, cfg.task_threads), train_ref, split_ref, scoring
        )
        for label, (name, params) in chosen.items()
    }
    done = dict(zip(refs, ray.get(list(refs.values())), strict=True))
    results = {label: result for label, (result, _) in done.items()}
    return results, max(rss for _, rss in done.values())


def _interval(interval: Any) -> dict[str, float | None] | None:
    return None if interval is None else {k: finite(v) for k, v in interval.as_dict().items()}


def result_dict(result: ModelResult) -> dict[str, Any]:
    return {
        "model": result.name,
        "params": result.params,
        "summary": {key: _interval(interval) for key, interval in result.summary.items()},
        "coverage": result.coverage,
        "popularity_bias": result.popularity_bias,
        "cold": {key: finite(i.value) for key, i in result.cold.items()},
        "fit_seconds": round(result.fit_seconds, 3),
        "recommend_ms": round(result.recommend_ms, 3),
    }


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    cfg: RecsysConfig = ctx.config
    results, worker_rss = evaluate_on_test(ctx, recipes(ctx))
    metric = cfg.metric
    versus = compare(results, POPULAR, metric, n_boot=cfg.n_boot, seed=cfg.seed).get(GATED_SURFACE)
    report = {
        "metric": metric,
        "surfaces": {label: result_dict(r) for label, r in results.items()},
        "user_vs_popular": _interval(versus),
    }
    write_json(out / EVALUATION_FILE, report)
    metrics: dict[str, float | None] = {}
    for label, result in results.items():
        for key, interval in result.summary.items():
            metrics[f"test.{label}.{key}"] = finite(interval.value)
        metrics[f"test.{label}.coverage"] = result.coverage
    if versus is not None:
        metrics[f"test.user_vs_popular.{metric}"] = finite(versus.value)
    score = results[GATED_SURFACE].summary[metric].value
    ctx.log(f"evaluate: user {metric} {score:.4f}")
    return {
        "metric": metric,
        "score": score,
        "metrics": {k: v for k, v in metrics.items() if v is not None},
        "worker_peak_rss_mb": worker_rss,
    }
