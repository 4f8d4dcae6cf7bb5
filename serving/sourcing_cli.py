"""``agora sourcing ...``: the B2B sourcing sweeps, for cron or a scheduler.

Offers copy catalog facts; ``product.updated`` keeps them current as products change (the
``sourcing-listings`` consumer group), so ``refresh-listings`` is a full sweep for after a
bulk import or a restore. Supplier metrics are computed from shipped orders: run
``refresh-metrics`` nightly.
"""

from __future__ import annotations

import typer

from marketplace.config import get_settings

sourcing_app = typer.Typer(help="B2B sourcing: supplier metrics and offer listings.",
                           no_args_is_help=True)  # fmt: skip


@sourcing_app.command("refresh-metrics")
def refresh_metrics() -> None:
    """Recompute every supplier's on-time rate and rating from its shipped orders."""
    from marketplace.bootstrap import bootstrap
    from marketplace.sourcing.services import refresh_all_supplier_metrics

    container = bootstrap(get_settings())
    try:
        count = refresh_all_supplier_metrics(uow=container.uow())
    finally:
        container.close()
    typer.echo(f"refreshed the metrics of {count} supplier(s)")


@sourcing_app.command("refresh-listings")
def refresh_listings(
    merchant: str | None = typer.Option(None, help="Only this merchant's offers"),
) -> None:
    """Copy the catalog's titles, categories and attributes onto offers again."""
    from marketplace.bootstrap import bootstrap
    from marketplace.sourcing.services import refresh_offer_listings

    container = bootstrap(get_settings())
    try:
        count = refresh_offer_listings(uow=container.uow(), merchant_id=merchant)
    finally:
        container.close()
    typer.echo(f"refreshed {count} offer(s)")
