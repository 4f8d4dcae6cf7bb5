"""``tune``: Ray Tune over a small grid of the user model's hyperparameters.

Every trial fits on the events before the validation window and is scored (recall@k of
the warm users' new purchases) on that window, which ends where the test window starts:
the test window is never looked at while choosing (docs/ml/recsys-evaluation.md). The
grid is ``TUNE_SPACE`` (ALS: factors x regularisation x alpha = 12 trials);
``tune_samples`` keeps a seeded subset of it. The best trial (ties: the earlier grid
point) gives the parameters ``train`` and ``evaluate`` use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.recsys import data
from pipelines.recsys.config import TUNE_SPACE, RecsysConfig
from pipelines.recsys.tasks import make_model, score_lists, writable
from pipelines.stages import RunContext, write_json
from pipelines.tuning import TRIALS_FILE, grid, skipped, tune_grid
from recsys.interactions import Interactions
from recsys.threads import limited_threads


def config(cfg: RecsysConfig) -> dict[str, Any]:
    return {
        "tune": cfg.tune,
        "tune_samples": cfg.tune_samples,
        "user_model": cfg.user_model,
        "params": cfg.model_params(cfg.user_model),
        "half_life_days": cfg.half_life_days,
        "k": cfg.k,
        "seed": cfg.seed,
    }


def trial(
    config: dict[str, Any],
    *,
    name: str,
    base: dict[str, Any],
    train: Interactions,
    warm: dict[str, set[str]],
    k: int,
    threads: int,
) -> None:
    """One Tune trial: fit the grid point, report its validation scores."""
    from ray import tune

    model = make_model(name, {**base, **config["params"]}, threads)
    with limited_threads(threads):
        model.fit(writable(train))
        scores = score_lists(model, warm, k)
    tune.report(scores)


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    cfg: RecsysConfig = ctx.config
    if not cfg.tune:
        return skipped("--no-tune")
    space = TUNE_SPACE.get(cfg.user_model)
    if space is None:
        return skipped(f"no search space for {cfg.user_model}")
    build_dir = ctx.stage_dir("build")
    split = data.read_windows(build_dir).validation(data.read_events(build_dir))
    if not split.warm:
        return skipped("no warm users in the validation window")
    points = grid(space, cfg.tune_samples, cfg.seed)
    ctx.ray.ensure()
    trials = _tune(ctx, out, points, split.warm, data.split_interactions(
        split, half_life_days=cfg.half_life_days))  # fmt: skip
    best = max(trials, key=lambda t: (t["recall"], -t["index"]))
    write_json(out / TRIALS_FILE, trials)
    return {
        "tuned": True,
        "best_params": best["params"],
        "trials": len(trials),
        "params": {"tuned": True, "tune_samples": len(points)},
        "metrics": {f"validation.user.{cfg.metric}": best["recall"]},
    }


def _tune(
    ctx: RunContext,
    out: Path,
    points: list[dict[str, Any]],
    warm: dict[str, set[str]],
    train: Interactions,
) -> list[dict[str, Any]]:
    from ray import tune

    cfg: RecsysConfig = ctx.config
    trainable = tune.with_parameters(
        trial, name=cfg.user_model, base=cfg.model_params(cfg.user_model), train=train,
        warm=warm, k=cfg.k, threads=cfg.task_threads,
    )  # fmt: skip
    found = tune_grid(trainable, points, metric="recall", mode="max", out=out)
    trials = [
        {"index": i, "params": params, "recall": float(m["recall"]), "ndcg": float(m["ndcg"])}
        for i, params, m in found
    ]
    ctx.log("tune: " + ", ".join(f"{t['params']} {t['recall']:.4f}" for t in trials))
    return trials
