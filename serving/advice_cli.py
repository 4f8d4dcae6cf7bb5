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
    pricing: str = typer.Option(
        "defaults",
        help="Elasticities: `defaults` (the pricing library's), or `champion`: the recipe of "
        "the elasticity model registered as champion in MLflow (agora train pricing)",
    ),
) -> None:
    """Store a forecast per SKU that sold, and price suggestions for enabled merchants."""
    from forecasting import factory
    from marketplace.bootstrap import bootstrap
    from serving.advice.champions import MlflowUnavailableError, NoChampionError
    from serving.advice.producer import CHAMPION, PRICING_CHOICES, refresh_advice, summary

    if forecaster not in [*factory.names(), CHAMPION]:
        typer.echo(f"error: unknown_forecaster: {forecaster!r}; known: {factory.names()}, "
                   f"{CHAMPION}")  # fmt: skip
        raise typer.Exit(1)
    if pricing not in PRICING_CHOICES:
        typer.echo(f"error: unknown_pricing: {pricing!r}; known: {list(PRICING_CHOICES)}")
        raise typer.Exit(1)
    container = bootstrap(get_settings())
    try:
        run = refresh_advice(container, days=days, horizon=horizon, forecaster=forecaster,
                             params=json.loads(params), merchant_id=merchant_id,
                             pricing=pricing)  # fmt: skip
    except NoChampionError as exc:
        typer.echo(f"error: no_champion: {exc}")
        raise typer.Exit(1) from exc
    except MlflowUnavailableError as exc:
        typer.echo(f"error: mlflow_unavailable: {exc}")
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
