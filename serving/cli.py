"""The ``agora`` command line."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from marketplace.config import get_settings
from serving.advice_cli import advice_app
from serving.exports_cli import export_app
from serving.imports_cli import import_app
from serving.recs_cli import recs_app, report_app
from serving.sourcing_cli import sourcing_app
from serving.train_cli import models_app, train_app

app = typer.Typer(help="Agora marketplace command line.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
admin_app = typer.Typer(help="Platform administration.", no_args_is_help=True)
app.add_typer(db_app, name="db")
demo_app = typer.Typer(help="The demo marketplace.", no_args_is_help=True)
inventory_app = typer.Typer(help="Inventory jobs.", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
app.add_typer(demo_app, name="demo")
app.add_typer(inventory_app, name="inventory")
events_app = typer.Typer(help="Events: outbox relay and merchant webhooks.", no_args_is_help=True)
app.add_typer(events_app, name="events")
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")
app.add_typer(sourcing_app, name="sourcing")
app.add_typer(recs_app, name="recs")
app.add_typer(report_app, name="report")
app.add_typer(advice_app, name="advice")
app.add_typer(train_app, name="train")
app.add_typer(models_app, name="models")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from marketplace.db import migrate

    migrate.upgrade(get_settings().database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    from marketplace.db import migrate

    migrate.downgrade(get_settings().database_url, revision)


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the database schema disagree."""
    from marketplace.db import migrate

    migrate.check(get_settings().database_url)
    typer.echo("models and schema agree")


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    workers: int = typer.Option(1),
    reload: bool = typer.Option(False),
) -> None:
    """Serve the API and web pages with uvicorn."""
    import uvicorn

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    uvicorn.run(
        "serving.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        access_log=False,
        log_config=None,
    )


@admin_app.command("create")
def admin_create(
    email: str = typer.Option(..., "--email", help="The admin's login e-mail"),
    password: str | None = typer.Option(
        None, "--password", help="Required for a new user; resets it for an existing one"
    ),
) -> None:
    """Create a platform admin, or promote an existing user to one."""
    from marketplace.bootstrap import bootstrap
    from marketplace.parties import services
    from marketplace.shared.errors import DomainError

    container = bootstrap(get_settings())
    try:
        user = services.create_platform_admin(
            email, password, uow=container.uow(), passwords=container.passwords
        )
    except DomainError as exc:
        typer.echo(f"error: {exc.code}: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    finally:
        container.close()
    typer.echo(f"platform admin {user.email} ({user.id})")


@demo_app.command("seed")
def demo_seed(
    olist_orders: int | None = typer.Option(None, min=1, help="Olist orders (default: all 10k)"),
    retail_rows: int | None = typer.Option(
        None, min=1, help="Online Retail source lines (default: all 541,909)"
    ),
    synthetic_users: int = typer.Option(2_000, min=10),
    synthetic_days: int = typer.Option(120, min=7),
) -> None:
    """Fill the configured database with the demo marketplace (skipped if already there)."""
    import dataclasses

    from marketplace.bootstrap import bootstrap
    from marketplace.seeding.demo import DemoScale, already_seeded, seed_demo
    from marketplace.seeding.synthetic.seed import default_truth_path

    settings = get_settings()
    container = bootstrap(settings)
    base = DemoScale()
    synthetic = dataclasses.replace(base.synthetic, users=synthetic_users, days=synthetic_days)
    scale = dataclasses.replace(base, olist_orders=olist_orders, retail_rows=retail_rows,
                                synthetic=synthetic)  # fmt: skip
    try:
        if already_seeded(container):
            typer.echo("demo data already present; nothing to do")
            return
        summary = seed_demo(
            container, datasets_dir=settings.datasets_dir, scale=scale,
            truth_path=default_truth_path(settings.database_url, synthetic.seed),
            progress=lambda msg: typer.echo(f"  {msg}"),
        )  # fmt: skip
    finally:
        container.close()
    typer.echo(
        f"demo ({summary.source}): " + ", ".join(f"{v:,} {k}" for k, v in summary.counts.items())
    )
    for note in summary.notes:
        typer.echo(f"  {note}")


@demo_app.command("train")
def demo_train(
    force: bool = typer.Option(False, "--force", help="Train even when models exist"),
) -> None:
    """Export the demo data, train the served models (skipped when models exist) and
    write merchants' demand forecasts and price suggestions."""
    from marketplace.bootstrap import bootstrap
    from serving.demo_training import train_demo_models

    settings = get_settings()
    models = settings.models_dir
    if (models / "aliases.json").exists() and not force:
        typer.echo(f"models already in {models}; nothing to do (--force to retrain)")
        return
    from serving.advice.producer import refresh_advice, summary

    container = bootstrap(settings)
    try:
        aliases = train_demo_models(container, exports=models.parent / "exports", models=models)
        advice = refresh_advice(container)  # merchants' forecasts and price suggestions
    finally:
        container.close()
    typer.echo(f"models in {models}: " + ", ".join(f"{k} {v}" for k, v in sorted(aliases.items())))
    typer.echo(f"advice: {summary(advice)}")


@inventory_app.command("expire-reservations")
def inventory_expire(
    every: float = typer.Option(0, help="Repeat every N seconds (0: run once and exit)"),
) -> None:
    """Expire active reservations past their expiry and return their stock."""
    import time

    from marketplace.bootstrap import bootstrap
    from marketplace.inventory.services import expire_reservations

    container = bootstrap(get_settings())
    try:
        while True:
            expired = expire_reservations(container.clock.now(), uow=container.uow())
            typer.echo(f"expired {expired} reservation(s)")
            if every <= 0:
                return
            time.sleep(every)
    finally:
        container.close()


def _events_worker(
    *, relay: bool, dispatch: bool, deliver: bool, once: bool, concurrency: int
) -> None:
    from marketplace.bootstrap import bootstrap
    from serving import events_worker

    container = bootstrap(get_settings())
    try:
        if once:
            result = events_worker.run_once(
                container, relay_events=relay, dispatch=dispatch, deliver=deliver
            )
            typer.echo(
                f"relayed {result.relayed}, dispatched {result.dispatched}, "
                f"attempted {result.attempted}"
            )
            return
        stop = events_worker.stop_on_signals()
        events_worker.run_forever(
            container, stop=stop, relay_events=relay, dispatch=dispatch, deliver=deliver,
            concurrency=concurrency,
        )  # fmt: skip
    finally:
        container.close()


@events_app.command("relay")
def events_relay(
    once: bool = typer.Option(False, "--once", help="Relay one batch and exit"),
) -> None:
    """Publish committed outbox events to the Redis stream (needs AGORA_REDIS_URL)."""
    if get_settings().redis_url is None:
        typer.echo("error: no AGORA_REDIS_URL; without Redis consumers read the outbox", err=True)
        raise typer.Exit(1)
    _events_worker(relay=True, dispatch=False, deliver=False, once=once, concurrency=1)


@events_app.command("webhooks")
def events_webhooks(
    once: bool = typer.Option(False, "--once", help="One dispatch and one delivery round"),
    concurrency: int = typer.Option(2, min=1, max=32, help="Delivery worker threads"),
) -> None:
    """Run the consumer groups (webhook fan-out, budget keeping) and send webhook
    deliveries (with retries)."""
    _events_worker(relay=False, dispatch=True, deliver=True, once=once, concurrency=concurrency)


@events_app.command("work")
def events_work(
    concurrency: int = typer.Option(2, min=1, max=32, help="Delivery worker threads"),
) -> None:
    """Everything in one process: the relay (with Redis), the consumer groups and webhook
    delivery."""
    has_redis = get_settings().redis_url is not None
    _events_worker(
        relay=has_redis, dispatch=True, deliver=True, once=False, concurrency=concurrency
    )


@events_app.command("prune")
def events_prune(
    older_than_hours: float = typer.Option(168, help="Delete rows published before this"),
) -> None:
    """Delete outbox rows published long ago (the stream holds the recent history)."""
    from datetime import timedelta

    from marketplace.bootstrap import bootstrap
    from marketplace.events.relay import prune_published

    container = bootstrap(get_settings())
    try:
        deleted = prune_published(uow=container.uow(), older_than=timedelta(hours=older_than_hours))
    finally:
        container.close()
    typer.echo(f"deleted {deleted} published outbox row(s)")


@events_app.command("partitions")
def events_partitions(
    days_ahead: int = typer.Option(7, min=0, help="Make partitions for today and N days on"),
    retention_days: int = typer.Option(
        400, min=8, help="Drop behaviour events older than this many days"
    ),
) -> None:
    """Behaviour events: make the day partitions ahead and drop those past retention."""
    from marketplace.behaviour.services import maintain_partitions
    from marketplace.bootstrap import bootstrap

    container = bootstrap(get_settings())
    try:
        made, dropped = maintain_partitions(
            days_ahead=days_ahead, retention_days=retention_days,
            writer=container.behaviour, clock=container.clock,
        )  # fmt: skip
    finally:
        container.close()
    typer.echo(f"made {made} partition(s); dropped {len(dropped)} day(s) {' '.join(dropped)}")


orders_app = typer.Typer(help="Order and payment jobs.", no_args_is_help=True)
app.add_typer(orders_app, name="orders")


@orders_app.command("work")
def orders_work(
    every: float = typer.Option(10, help="Seconds between passes (0: one pass and exit)"),
) -> None:
    """Expire unpaid orders (releasing their stock), sweep overdue reservations, and ask
    gateways again for refunds still pending."""
    from marketplace.bootstrap import bootstrap
    from serving.jobs import run_forever, run_once

    container = bootstrap(get_settings())
    try:
        if every <= 0:
            run = run_once(container)
            typer.echo(
                f"expired {run.orders_expired} order(s), {run.reservations_expired} "
                f"reservation(s); finished {run.refunds_finished} refund(s)"
            )
            return
        run_forever(container, interval_seconds=every)
    finally:
        container.close()


seed_app = typer.Typer(help="Generated data sets.", no_args_is_help=True)
app.add_typer(seed_app, name="seed")


@seed_app.command("synthetic")
def seed_synthetic(
    users: int = typer.Option(1000, min=1),
    merchants: int = typer.Option(20, min=1),
    products: int = typer.Option(500, min=1),
    days: int = typer.Option(90, min=1),
    seed: int = typer.Option(2026),
    start: str = typer.Option("2025-12-01", help="First simulated day (YYYY-MM-DD, UTC)"),
    truth: Path | None = typer.Option(None, help="Ground-truth JSON (default: next to the DB)"),
) -> None:
    """A synthetic marketplace with known ground truth (idempotent for one seed)."""
    from datetime import date

    from marketplace.bootstrap import bootstrap
    from marketplace.seeding.synthetic import ParamsError, SyntheticParams
    from marketplace.seeding.synthetic.seed import default_truth_path
    from marketplace.seeding.synthetic.seed import seed_synthetic as run

    url = get_settings().database_url
    try:
        params = SyntheticParams(users=users, merchants=merchants, products=products, days=days,
                                 seed=seed, start=date.fromisoformat(start)).validate()  # fmt: skip
    except (ParamsError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    container = bootstrap(get_settings())
    try:
        summary = run(container.engine, params, app=container,
                      truth_path=truth or default_truth_path(url, seed),
                      progress=lambda msg: typer.echo(f"  {msg}"))  # fmt: skip
    finally:
        container.close()
    typer.echo(f"ground truth: {summary.truth_path}")
    typer.echo("generated: " + ", ".join(f"{k} {v}" for k, v in summary.generated.items()))
    typer.echo("new rows: " + ", ".join(f"{k} {v}" for k, v in summary.new_rows.items()))
