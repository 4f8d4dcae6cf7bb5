"""``agora recs train`` (fit and publish the served models) and ``agora report recs``
(online CTR and conversion per model and version)."""

from __future__ import annotations

from pathlib import Path

import typer

from marketplace.config import get_settings

recs_app = typer.Typer(help="Recommendation models: train and publish.", no_args_is_help=True)
report_app = typer.Typer(help="Reports.", no_args_is_help=True)

_MOMENT = "YYYY-MM-DD (midnight UTC) or an ISO datetime"


@recs_app.command("train")
def train(
    events: Path = typer.Option(..., "--events", help="An `agora export events` folder"),
    out: Path | None = typer.Option(None, "--out", help="Models folder (AGORA_MODELS_DIR)"),
    catalog: Path | None = typer.Option(
        None,
        "--catalog",
        help="An `agora export catalog` folder, for the search index "
        "(default: <events>/../catalog when present)",
    ),
    user_model: str = typer.Option("als", "--user-model", help="Model of the user surface"),
    embed: bool = typer.Option(True, help="Embed product texts for semantic search"),
    half_life_days: float = typer.Option(30.0, help="Time decay of interaction weights"),
) -> None:
    """Fit the default models (and the search index) and publish them with aliases.json."""
    from serving.recs import sources, training

    out = out or get_settings().models_dir
    data = sources.interactions_from_export(events, half_life_days=half_life_days)
    if data.n_users == 0:
        typer.echo("error: no_events: the export holds no event with a user and a product")
        raise typer.Exit(1)
    models = {**training.DEFAULT_MODELS, "user": (user_model, {})}
    catalog_dir = catalog or sources.catalog_path(events.resolve().parent)
    items = sources.item_texts_from_catalog(catalog_dir) if catalog_dir else None
    result = training.publish(data, out, models=models, search_items=items, embed=embed)
    typer.echo(f"{data.n_users} users x {data.n_items} items -> {out}")
    for surface, folder in sorted(result.aliases.items()):
        typer.echo(f"  {surface:16} {folder}")
    for name, seconds in result.fit_seconds.items():
        typer.echo(f"  fit {name:18} {seconds:.2f} s")


@report_app.command("recs")
def report_recs(
    since: str = typer.Option(..., "--since", help=f"Served from: {_MOMENT}"),
    until: str | None = typer.Option(None, "--until", help="Served before (default: now)"),
) -> None:
    """Impressions, clicks, CTR, add-to-carts, purchases and conversion per model."""
    from marketplace.behaviour.queries import recs_report
    from marketplace.db.engine import make_engine
    from marketplace.exports.domain import parse_moment
    from marketplace.shared.clock import SystemClock
    from marketplace.shared.errors import DomainError

    try:
        start = parse_moment(since)
        end = parse_moment(until) if until else SystemClock().now()
    except DomainError as exc:
        typer.echo(f"error: {exc.code}: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    engine = make_engine(get_settings().database_url, pool_size=1)
    try:
        rows = recs_report(engine, since=start, until=end)
    finally:
        engine.dispose()
    typer.echo(f"{'model':20} {'version':>8} {'impr':>8} {'clicks':>7} {'CTR':>7} "
               f"{'carts':>6} {'bought':>6} {'conv':>7}")  # fmt: skip
    for r in rows:
        typer.echo(
            f"{r.model:20} {r.model_version:>8} {r.impressions:>8} {r.clicks:>7} "
            f"{r.ctr:>7.2%} {r.add_to_carts:>6} {r.purchases:>6} {r.conversion:>7.2%}"
        )
