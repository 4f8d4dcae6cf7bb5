"""``agora advice refresh`` (forecast demand and suggest prices from recent orders) and
``agora advice expire`` (mark suggestions past their expiry as expired)."""

from __future__ import annotations

import json

import typer

from marketplace.config import get_settings

advice_app = typer.Typer(help="Merchant advice: demand forecasts and price suggestions.",
                         no_args_is_help=True)  # fmt: skip


@advice_app.command("refresh")
def refresh(
    days: int = typer.Option(365, min=28, help="Days of orders to learn from"),
    horizon: int = typer.Option(28, min=1, max=366, help="Days to forecast"),
    forecaster: str = typer.Option(
        "tsb",
        help="Forecaster (forecasting.factory name), or `champion`: the recipe of the demand "
        "forecaster registered as champion in MLflow (agora train forecast)",
    ),
    params: str = typer.Option("{}", help='Its parameters as JSON, e.g. {"max_epochs": 10}'),
    merchant_id: str | None = typer.Option(None, help="Suggest prices for one merchant only"),
) -> None:
    """Store a forecast per SKU that sold, and price suggestions for enabled merchants."""
    from forecasting import factory
    from marketplace.bootstrap import bootstrap
    from serving.advice.producer import (
        CHAMPION_FORECASTER,
        NoChampionError,
        refresh_advice,
        summary,
    )

    if forecaster not in [*factory.names(), CHAMPION_FORECASTER]:
        typer.echo(f"error: unknown_forecaster: {forecaster!r}; known: {factory.names()}, "
                   f"{CHAMPION_FORECASTER}")  # fmt: skip
        raise typer.Exit(1)
    container = bootstrap(get_settings())
    try:
        run = refresh_advice(container, days=days, horizon=horizon, forecaster=forecaster,
                             params=json.loads(params), merchant_id=merchant_id)  # fmt: skip
    except NoChampionError as exc:
        typer.echo(f"error: no_champion: {exc}")
        raise typer.Exit(1) from exc
    finally:
        container.close()
    typer.echo(summary(run))


@advice_app.command("expire")
def expire() -> None:
    """Mark pending suggestions past their expiry as expired."""
    from marketplace.advice.services import expire_price_suggestions
    from marketplace.bootstrap import bootstrap

    container = bootstrap(get_settings())
    try:
        count = expire_price_suggestions(uow=container.uow())
    finally:
        container.close()
    typer.echo(f"{count} suggestions expired")
