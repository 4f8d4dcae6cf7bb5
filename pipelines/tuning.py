"""What every family's ``tune`` stage shares: the grid, its Ray Tune run, the skipped case.

Each trial is one grid point fitted on the days before the validation window and scored on
it; the family's trainable reports the scores. Trials get one CPU each and run as many at
once as the cluster has CPUs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.runtime import cluster_cpus
from pipelines.stages import PipelineError

TRIALS_FILE = "trials.json"

Trial = tuple[int, dict[str, Any], dict[str, Any]]  # (grid index, params, reported metrics)


def grid(space: dict[str, list[Any]], samples: int | None, seed: int) -> list[dict[str, Any]]:
    """Every combination in a fixed order, or a seeded subset of ``samples`` of them
    (kept in grid order)."""
    keys = sorted(space)
    points = [dict(zip(keys, values, strict=True)) for values in itertools.product(
        *(space[k] for k in keys))]  # fmt: skip
    if samples is None or samples >= len(points):
        return points
    if samples < 1:
        raise PipelineError("--tune-samples must be at least 1")
    chosen = np.random.default_rng(seed).choice(len(points), size=samples, replace=False)
    return [points[i] for i in sorted(chosen.tolist())]


def skipped(reason: str) -> dict[str, Any]:
    """The outputs of a ``tune`` stage that did not tune (the recipe's parameters stand)."""
    return {"tuned": False, "reason": reason, "best_params": {}, "params": {"tuned": False}}


def tune_grid(
    trainable: Callable[..., None], points: list[dict[str, Any]], *, metric: str, mode: str,
    out: Path,
) -> list[Trial]:  # fmt: skip
    """One Tune trial per grid point (``config["params"]``), stored under ``out/ray``; the
    trials in grid order. PipelineError when a trial failed."""
    from ray import tune

    tuner = tune.Tuner(
        tune.with_resources(trainable, {"cpu": 1}),
        param_space={"params": tune.grid_search(points)},
        tune_config=tune.TuneConfig(metric=metric, mode=mode, max_concurrent_trials=cluster_cpus()),
        run_config=tune.RunConfig(name="tune", storage_path=str(out / "ray"), verbose=0),
    )
    results = tuner.fit()
    if results.errors:
        raise PipelineError(f"{results.num_errors} tuning trial(s) failed: {results.errors[0]}")
    trials = []
    for i in range(len(results)):
        result = results[i]
        params, metrics = (result.config or {})["params"], result.metrics or {}
        trials.append((points.index(params), params, metrics))
    return sorted(trials, key=lambda t: t[0])
