"""A pipeline family (recsys, later forecast and pricing) and how one run of it goes:
stages in a run directory, Ray started when a stage first needs it, ``results.json``
at the end (also logged to the run's MLflow run)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pipelines.runtime import RayOptions, RaySession, Tracking, ray_session
from pipelines.stages import (
    PipelineError,
    RunContext,
    Stage,
    StageReport,
    check_run_id,
    latest_run_id,
    new_run_id,
    peak_rss_mb,
    run_stages,
    write_json,
)

RESULTS_FILE = "results.json"
C = TypeVar("C")


@dataclass(frozen=True)
class CommonOptions:
    """What every family's run is given by the command line."""

    tracking: Tracking
    database_url: str
    root: Path = Path("var/pipelines")
    ray: RayOptions = field(default_factory=RayOptions)
    force: bool = False
    tune: bool = True
    tune_samples: int | None = None
    run_id: str | None = None
    resume: bool = False
    until: str | None = None


@dataclass(frozen=True)
class Family:
    """``config(options)`` makes the family's default configuration for a run."""

    name: str
    experiment: str
    stages: Sequence[Stage]
    config: Callable[[CommonOptions], Any]

    @property
    def stage_names(self) -> list[str]:
        return [s.name for s in self.stages]


def options_config(make: Callable[..., C], options: CommonOptions) -> C:
    """A family's default configuration (``make``, its config class) with what the command
    line sets for every family."""
    return make(
        database_url=options.database_url, tune=options.tune, tune_samples=options.tune_samples,
        task_threads=options.ray.task_threads,
    )  # fmt: skip


def resolve_run_id(family: Family, options: CommonOptions) -> str:
    """The given run id, the latest one (``resume``), or a new one."""
    if options.run_id:
        return check_run_id(options.run_id)
    if options.resume:
        latest = latest_run_id(options.root / family.name)
        if latest is None:
            raise PipelineError(f"no {family.name} run to resume in {options.root}")
        return latest
    return new_run_id()


def run_family(
    family: Family,
    options: CommonOptions,
    *,
    config: Any = None,
    log: Callable[[str], None] = lambda _msg: None,
    ray: RaySession | None = None,
) -> dict[str, Any]:
    """Run (or resume) one run of ``family``; returns what it wrote to results.json.
    ``ray``: a session shared with other runs (else one is started when needed)."""
    started = time.perf_counter()
    run_id = resolve_run_id(family, options)
    run_dir = (options.root / family.name / run_id).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    log(f"{family.name} run {run_id} in {run_dir}")
    with ExitStack() as stack:
        session = ray or stack.enter_context(ray_session(options.ray))
        ctx = RunContext(
            family=family.name, run_id=run_id, run_dir=run_dir,
            config=family.config(options) if config is None else config,
            ray=session, tracking=options.tracking, log=log,
        )  # fmt: skip
        reports = run_stages(family.stages, ctx, force=options.force, until=options.until)
    results = collect_results(ctx, reports, family, wall_seconds=time.perf_counter() - started)
    write_json(run_dir / RESULTS_FILE, results)
    _log_results(options.tracking, run_dir / RESULTS_FILE, results)
    return results


def collect_results(
    ctx: RunContext, reports: Sequence[StageReport], family: Family, *, wall_seconds: float
) -> dict[str, Any]:
    """Merge what the stages recorded into the run's results (Made-With-ML style)."""
    merged: dict[str, Any] = {"params": {}, "metrics": {}, "decisions": []}
    worker_rss = 0.0
    for name in family.stage_names:
        outputs = ctx.done.get(name, {}).get("outputs", {})
        merged["params"].update(outputs.get("params", {}))
        merged["metrics"].update(outputs.get("metrics", {}))
        merged["decisions"].extend(outputs.get("decisions", []))
        for key in ("fingerprint", "code_version", "mlflow_run_id", "versions"):
            if key in outputs:
                merged[key] = outputs[key]
        worker_rss = max(worker_rss, float(outputs.get("worker_peak_rss_mb", 0.0)))
    return {
        "family": family.name,
        "run_id": ctx.run_id,
        "run_dir": str(ctx.run_dir),
        "complete": all(name in ctx.done for name in family.stage_names),
        "mlflow_run_id": merged.pop("mlflow_run_id", None),
        **merged,
        "stages": [{"stage": r.name, "skipped": r.skipped, "seconds": r.seconds} for r in reports],
        "wall_seconds": round(wall_seconds, 3),
        "peak_rss_mb": {"driver": peak_rss_mb(), "workers": worker_rss},
    }


def _log_results(tracking: Tracking, path: Path, results: dict[str, Any]) -> None:
    run_id = results.get("mlflow_run_id")
    if not run_id:
        return
    from pipelines.runtime import client

    mlflow_client = client(tracking)
    mlflow_client.log_artifact(run_id, str(path))
    mlflow_client.log_metric(run_id, "pipeline.wall_seconds", results["wall_seconds"])
    mlflow_client.log_metric(run_id, "pipeline.peak_rss_mb", results["peak_rss_mb"]["driver"])
