"""``agora train recsys|forecast|pricing|search|all`` (the Ray + MLflow pipelines) and
``agora models list|promote`` (the MLflow registry). docs/ml/pipelines.md."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from marketplace.config import get_settings

if TYPE_CHECKING:
    from pipelines.family import CommonOptions, Family
    from pipelines.runtime import RaySession

train_app = typer.Typer(
    help="Training pipelines on Ray, tracked and registered in MLflow.", no_args_is_help=True
)
models_app = typer.Typer(help="Registered models and their aliases (MLflow).", no_args_is_help=True)

_RAY_ADDRESS = typer.Option(
    None, "--ray-address", help="Ray cluster to run on (default: $RAY_ADDRESS, else local Ray)"
)
_NUM_CPUS = typer.Option(2, "--num-cpus", min=1, help="CPUs of a local Ray")
_FORCE = typer.Option(False, "--force", help="Run every stage again, even those done")
_TUNE = typer.Option(True, "--tune/--no-tune", help="Tune the user model on the validation window")
_SAMPLES = typer.Option(None, "--tune-samples", min=1, help="Grid points to try (default: all)")
_RUNS_DIR = typer.Option(Path("var/pipelines"), "--runs-dir", help="Where run folders go")
_RUN_ID = typer.Option(None, "--run-id", help="Name (or resume) this run")
_RESUME = typer.Option(False, "--resume", help="Resume the latest run")
_UNTIL = typer.Option(None, "--until", help="Stop after this stage")


def _options(
    *, ray_address: str | None, num_cpus: int, force: bool, tune: bool,
    tune_samples: int | None, runs_dir: Path, **extra: Any,
) -> CommonOptions:  # fmt: skip
    from pipelines.family import CommonOptions
    from pipelines.runtime import RayOptions, Tracking

    settings = get_settings()
    return CommonOptions(
        tracking=Tracking(settings.mlflow_tracking_uri, settings.mlflow_artifacts),
        database_url=settings.database_url, root=runs_dir,
        ray=RayOptions.from_env(ray_address, num_cpus=num_cpus), force=force, tune=tune,
        tune_samples=tune_samples, **extra,
    )  # fmt: skip


def _run(
    family: Family, options: CommonOptions, config: Any = None, ray: RaySession | None = None
) -> None:
    from pipelines.family import run_family
    from pipelines.registry import RegistryError
    from pipelines.stages import PipelineError

    try:
        results = run_family(family, options, config=config, log=typer.echo, ray=ray)
    except (PipelineError, RegistryError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    _summary(results)


def _summary(results: dict[str, Any]) -> None:
    typer.echo(f"run {results['run_id']}: {results['run_dir']}/results.json")
    if results.get("mlflow_run_id"):
        typer.echo(f"  MLflow run {results['mlflow_run_id']}")
    for d in results.get("decisions", []):
        verdict = "champion" if d["promoted"] else "refused "
        version = f"v{d['challenger_version']}"
        typer.echo(f"  {d['model']:28} {version:>5} {verdict} ({d['reason']})")
    rss = results["peak_rss_mb"]
    typer.echo(
        f"  wall {results['wall_seconds']:.1f} s, peak RSS driver {rss['driver']:.0f} MB, "
        f"workers {rss['workers']:.0f} MB"
    )


@contextmanager
def _bad_input() -> Iterator[None]:
    """A command-line value the run cannot use: say so and exit 2, before any work."""
    from marketplace.shared.errors import DomainError

    try:
        yield
    except (TypeError, ValueError, DomainError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _params(text: str) -> dict[str, Any]:
    """``--params``: a JSON object (recipe overrides)."""
    overrides = json.loads(text)
    if not isinstance(overrides, dict):
        raise ValueError("--params must be a JSON object")
    return overrides


def _since(text: str | None) -> dict[str, Any]:
    """``--since`` as a config field (none: the family's default)."""
    from marketplace.exports.domain import parse_moment

    return {"since": parse_moment(text)} if text else {}


@train_app.command("recsys")
def train_recsys(
    ray_address: str | None = _RAY_ADDRESS,
    num_cpus: int = _NUM_CPUS,
    force: bool = _FORCE,
    tune: bool = _TUNE,
    tune_samples: int | None = _SAMPLES,
    runs_dir: Path = _RUNS_DIR,
    run_id: str | None = _RUN_ID,
    resume: bool = _RESUME,
    until: str | None = _UNTIL,
    exports: Path | None = typer.Option(
        None, "--exports", help="Read `agora export` folders here instead of the database"
    ),
    since: str | None = typer.Option(None, "--since", help="Events from (default: all)"),
    user_model: str = typer.Option("als", "--user-model", help="Model of the user surface"),
    params: str = typer.Option("{}", "--params", help='JSON per model: {"als": {"factors": 64}}'),
    embed: bool = typer.Option(True, "--embed/--no-embed", help="Embed product texts"),
    margin: float = typer.Option(
        0.01, "--margin", min=0.0, max=1.0, help="Relative win a new recipe needs to be promoted"
    ),
    tolerance: float = typer.Option(
        0.01,
        "--tolerance",
        min=0.0,
        max=1.0,
        help="Relative loss a retrain of the same recipe may show",
    ),
    test_days: float = typer.Option(28.0, "--test-days", min=1.0),
    validation_days: float = typer.Option(28.0, "--validation-days", min=1.0),
) -> None:
    """Extract, build, tune, train, evaluate, register and gate the recommenders."""
    from pipelines.families import family

    options = _options(
        ray_address=ray_address, num_cpus=num_cpus, force=force, tune=tune,
        tune_samples=tune_samples, runs_dir=runs_dir, run_id=run_id, resume=resume, until=until,
    )  # fmt: skip
    recsys = family("recsys")
    with _bad_input():
        overrides, start = _params(params), _since(since)
    config = dataclasses.replace(
        recsys.config(options), exports=exports, user_model=user_model, params=overrides,
        embed=embed, margin=margin, tolerance=tolerance, test_days=test_days,
        validation_days=validation_days, **start,
    )  # fmt: skip
    _run(recsys, options, config)


@train_app.command("forecast")
def train_forecast(
    ray_address: str | None = _RAY_ADDRESS,
    num_cpus: int = _NUM_CPUS,
    force: bool = _FORCE,
    tune: bool = typer.Option(True, "--tune/--no-tune", help="Tune the LSTM (when a candidate)"),
    tune_samples: int | None = _SAMPLES,
    runs_dir: Path = _RUNS_DIR,
    run_id: str | None = _RUN_ID,
    resume: bool = _RESUME,
    until: str | None = _UNTIL,
    exports: Path | None = typer.Option(
        None, "--exports", help="Read an `agora export orders` folder here, not the database"
    ),
    since: str | None = typer.Option(None, "--since", help="Orders from (default: all)"),
    candidates: str | None = typer.Option(
        None, "--candidates", help="Forecasters to backtest (default seasonal_naive,croston,tsb)"
    ),
    params: str = typer.Option("{}", "--params", help='JSON per model: {"lstm": {"lr": 0.001}}'),
    margin: float = typer.Option(
        0.01, "--margin", min=0.0, max=1.0, help="Relative win a new recipe needs to be promoted"
    ),
    tolerance: float = typer.Option(
        0.01,
        "--tolerance",
        min=0.0,
        max=1.0,
        help="Relative loss a retrain of the same recipe may show",
    ),
    windows: int = typer.Option(3, "--windows", min=1, help="Backtest windows (origins)"),
    horizon: int = typer.Option(28, "--horizon", min=1, max=366, help="Days forecast"),
    history_days: int = typer.Option(365, "--history-days", min=28, help="Days of demand used"),
) -> None:
    """Extract orders, build the demand panel, tune, train, backtest, register and gate
    the demand forecaster."""
    from forecasting import factory
    from pipelines.families import family

    options = _options(
        ray_address=ray_address, num_cpus=num_cpus, force=force, tune=tune,
        tune_samples=tune_samples, runs_dir=runs_dir, run_id=run_id, resume=resume, until=until,
    )  # fmt: skip
    forecast = family("forecast")
    base = forecast.config(options)
    chosen = tuple(c.strip() for c in candidates.split(",") if c.strip()) if candidates else None
    with _bad_input():
        overrides, start = _params(params), _since(since)
        unknown = [c for c in chosen or () if c not in factory.names()]
        if unknown or (chosen is not None and not chosen):
            raise ValueError(f"unknown forecaster(s) {unknown}; known: {factory.names()}")
    config = dataclasses.replace(
        base, exports=exports, candidates=chosen or base.candidates, params=overrides,
        margin=margin, tolerance=tolerance, windows=windows, horizon=horizon,
        history_days=history_days, **start,
    )  # fmt: skip
    _run(forecast, options, config)


@train_app.command("pricing")
def train_pricing(
    ray_address: str | None = _RAY_ADDRESS,
    num_cpus: int = _NUM_CPUS,
    force: bool = _FORCE,
    tune: bool = typer.Option(True, "--tune/--no-tune", help="Tune the elasticity recipe"),
    tune_samples: int | None = _SAMPLES,
    runs_dir: Path = _RUNS_DIR,
    run_id: str | None = _RUN_ID,
    resume: bool = _RESUME,
    until: str | None = _UNTIL,
    exports: Path | None = typer.Option(
        None, "--exports", help="Read an `agora export orders` folder here, not the database"
    ),
    since: str | None = typer.Option(None, "--since", help="Orders from (default: all)"),
    params: str = typer.Option(
        "{}", "--params", help='JSON recipe parameters (pinned, not tuned): {"level_days": 14}'
    ),
    margin: float = typer.Option(
        0.01, "--margin", min=0.0, max=1.0, help="Relative win a new recipe needs to be promoted"
    ),
    tolerance: float = typer.Option(
        0.01, "--tolerance", min=0.0, max=1.0, help="Relative loss a retrain of it may show"
    ),
    history_days: int = typer.Option(365, "--history-days", min=56, help="Days of sales used"),
    holdout_days: int = typer.Option(
        28, "--holdout-days", min=7, max=182, help="Days of the test (and validation) window"
    ),
) -> None:
    """Extract orders, build the product panel, tune, estimate elasticities, score them on
    held-out days, register and gate them."""
    from pipelines.families import family

    options = _options(
        ray_address=ray_address, num_cpus=num_cpus, force=force, tune=tune,
        tune_samples=tune_samples, runs_dir=runs_dir, run_id=run_id, resume=resume, until=until,
    )  # fmt: skip
    pricing = family("pricing")
    with _bad_input():
        overrides, start = _params(params), _since(since)
        config = dataclasses.replace(
            pricing.config(options), exports=exports, params=overrides, margin=margin,
            tolerance=tolerance, history_days=history_days, holdout_days=holdout_days, **start,
        )  # fmt: skip
        config.recipe()  # an unknown or invalid recipe parameter fails here, not mid-run
    _run(pricing, options, config)


@train_app.command("search")
def train_search(
    ray_address: str | None = _RAY_ADDRESS,
    num_cpus: int = _NUM_CPUS,
    force: bool = _FORCE,
    runs_dir: Path = _RUNS_DIR,
    run_id: str | None = _RUN_ID,
    resume: bool = _RESUME,
    until: str | None = _UNTIL,
    exports: Path | None = typer.Option(
        None, "--exports", help="Read an `agora export catalog` folder here, not the database"
    ),
    embed: bool = typer.Option(True, "--embed/--no-embed", help="Embed product texts"),
    params: str = typer.Option(
        "{}", "--params", help='JSON recipe: {"semantic_weight": 0.5, "depth": 100}'
    ),
    embed_batch: int = typer.Option(2048, "--embed-batch", min=1, help="Texts per Ray task"),
    sample: int = typer.Option(300, "--sample", min=1, help="Products queried by the test"),
    margin: float = typer.Option(
        0.01, "--margin", min=0.0, max=1.0, help="Relative win a new recipe needs to be promoted"
    ),
    tolerance: float = typer.Option(
        0.01, "--tolerance", min=0.0, max=1.0, help="Relative loss a rebuild of it may show"
    ),
) -> None:
    """Extract the catalogue, embed the product texts, build the search index, score it on
    known-item queries, register and gate it."""
    from pipelines.families import family

    options = _options(
        ray_address=ray_address, num_cpus=num_cpus, force=force, tune=False,
        tune_samples=None, runs_dir=runs_dir, run_id=run_id, resume=resume, until=until,
    )  # fmt: skip
    search = family("search")
    with _bad_input():
        config = dataclasses.replace(
            search.config(options), exports=exports, embed=embed, params=_params(params),
            embed_batch=embed_batch, sample=sample, margin=margin, tolerance=tolerance,
        )  # fmt: skip
        config.recipe()  # an unknown or invalid recipe parameter fails here, not mid-run
    _run(search, options, config)


@train_app.command("all")
def train_all(
    ray_address: str | None = _RAY_ADDRESS,
    num_cpus: int = _NUM_CPUS,
    force: bool = _FORCE,
    tune: bool = _TUNE,
    tune_samples: int | None = _SAMPLES,
    runs_dir: Path = _RUNS_DIR,
) -> None:
    """Every pipeline family with its defaults, one after the other, on one Ray session.
    A family that cannot run (too little data, say) does not stop the others; the command
    fails at the end, naming it."""
    import time

    from pipelines.families import FAMILIES, family
    from pipelines.runtime import ray_session
    from pipelines.stages import peak_rss_mb

    options = _options(
        ray_address=ray_address, num_cpus=num_cpus, force=force, tune=tune,
        tune_samples=tune_samples, runs_dir=runs_dir,
    )  # fmt: skip
    started, failed = time.perf_counter(), []
    with ray_session(options.ray) as ray:
        for name in FAMILIES:
            typer.echo(f"== {name}")
            try:
                _run(family(name), options, ray=ray)
            except typer.Exit:
                failed.append(name)
    typer.echo(
        f"train all: {len(FAMILIES) - len(failed)}/{len(FAMILIES)} families in "
        f"{time.perf_counter() - started:.1f} s, driver peak RSS {peak_rss_mb():.0f} MB"
    )
    if failed:
        typer.echo(f"error: failed: {', '.join(failed)}", err=True)
        raise typer.Exit(1)


def _client() -> Any:
    from pipelines import runtime

    settings = get_settings()
    tracking = runtime.Tracking(settings.mlflow_tracking_uri, settings.mlflow_artifacts)
    runtime.setup_mlflow(tracking)
    return runtime.client(tracking)


@models_app.command("list")
def models_list(
    prefix: str = typer.Option("agora-", "--prefix", help="Registered model name prefix"),
    versions: int = typer.Option(5, "--versions", min=1, help="Versions shown per model"),
) -> None:
    """Registered models, their newest versions and where the aliases point."""
    from pipelines.registry import list_models

    found = list_models(_client(), prefix=prefix)
    if not found:
        typer.echo("no registered models")
    for model in found:
        aliases = ", ".join(f"{a} v{v}" for a, v in sorted(model.aliases.items())) or "no alias"
        count = f"{len(model.versions)} version" + ("s" if len(model.versions) != 1 else "")
        typer.echo(f"{model.name} ({count}; {aliases})")
        for v in model.versions[:versions]:
            tags = v.tags
            score = (
                f" {tags['agora.metric']}={tags['agora.score']}" if "agora.score" in tags else ""
            )
            typer.echo(
                f"  v{v.version:<4} {','.join(v.aliases):20} {tags.get('agora.model', '?'):16}"
                f"{score} run {tags.get('agora.run_id', v.run_id)}"
            )


@models_app.command("promote")
def models_promote(
    name: str = typer.Argument(..., help="Registered model, e.g. agora-recs-user"),
    version: int = typer.Argument(..., min=1, help="The version that becomes champion"),
) -> None:
    """Point `champion` at VERSION (a rollback too); serving picks it up on its next sync."""
    from pipelines.registry import RegistryError, promote

    try:
        before = promote(_client(), name, version)
    except RegistryError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    was = f"v{before}" if before else "none"
    typer.echo(f"{name}: champion {was} -> v{version}")
