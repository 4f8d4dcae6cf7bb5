"""``train``: fit every candidate on the whole panel, one Ray task each.

Each candidate is fitted with its recipe (the LSTM with the tuned parameters over the
run's) on every day of the panel, as it would serve, and written to
``train/<model>/model_dir/`` in forecasting's own format; ``evaluate`` decides which one
``register`` logs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forecasting import factory
from pipelines.forecast import data
from pipelines.forecast.config import LEARNED, ForecastConfig
from pipelines.forecast.recipe import Recipe, recipe_of
from pipelines.forecast.tasks import fit_forecaster
from pipelines.model_files import Fitted, write_files
from pipelines.pyfunc import MODEL_DIR
from pipelines.stages import PipelineError, RunContext


def config(cfg: ForecastConfig) -> dict[str, Any]:
    return {
        "candidates": list(cfg.candidates),
        "params": {name: cfg.model_params(name) for name in cfg.candidates},
    }


def recipes(ctx: RunContext) -> dict[str, Recipe]:
    """candidate -> its recipe: the run's parameters, the tuned ones on top (LSTM)."""
    cfg: ForecastConfig = ctx.config
    tuned = ctx.outputs("tune").get("best_params", {})
    found = {}
    for name in check_candidates(cfg.candidates):
        params = cfg.model_params(name)
        found[name] = Recipe(name, {**params, **tuned} if name == LEARNED else params)
    return found


def check_candidates(candidates: tuple[str, ...]) -> tuple[str, ...]:
    """The candidates, each known to the factory and named once."""
    unknown = [name for name in candidates if name not in factory.MODELS]
    if unknown:
        known = ", ".join(factory.names())
        raise PipelineError(f"unknown forecaster(s) {', '.join(unknown)}; known: {known}")
    if not candidates or len(set(candidates)) != len(candidates):
        raise PipelineError("candidates must name at least one forecaster, each once")
    return candidates


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    import ray

    cfg: ForecastConfig = ctx.config
    chosen = recipes(ctx)
    panel = data.read_panel(ctx.stage_dir("build"))
    ctx.ray.ensure()
    panel_ref = ray.put(panel)
    threads = cfg.task_threads
    refs = {name: fit_forecaster.remote(r, panel_ref, threads) for name, r in chosen.items()}
    fitted: dict[str, Fitted] = dict(zip(refs, ray.get(list(refs.values())), strict=True))
    models = {name: _write(out, name, f) for name, f in fitted.items()}
    return {
        "models": models,
        "trained_until": panel.end.isoformat(),
        "example_series": str(panel.series_ids[int(panel.units.sum(axis=1).argmax())]),
        "worker_peak_rss_mb": max(f.worker_peak_rss_mb for f in fitted.values()),
    }


def _write(out: Path, name: str, fitted: Fitted) -> dict[str, Any]:
    folder = out / name / MODEL_DIR
    write_files(folder, fitted.files)
    return {
        "folder": str(folder),
        **recipe_of(folder).as_dict(),
        "fit_seconds": round(fitted.seconds, 3),
    }
