"""The ``agora`` command line."""

from __future__ import annotations

import os

import typer

from marketplace.config import get_settings

app = typer.Typer(help="Agora marketplace command line.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
admin_app = typer.Typer(help="Platform administration.", no_args_is_help=True)
app.add_typer(db_app, name="db")
demo_app = typer.Typer(help="The demo marketplace.", no_args_is_help=True)
inventory_app = typer.Typer(help="Inventory jobs.", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
app.add_typer(demo_app, name="demo")
app.add_typer(inventory_app, name="inventory")


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
    sellers: int = typer.Option(24, help="Olist sellers to turn into merchants"),
    products_per_seller: int = typer.Option(40),
) -> None:
    """Fill the configured database with the demo marketplace (skipped if already there)."""
    from marketplace.bootstrap import bootstrap
    from marketplace.seeding.demo import already_seeded, seed_demo

    settings = get_settings()
    container = bootstrap(settings)
    try:
        if already_seeded(container):
            typer.echo("demo data already present; nothing to do")
            return
        summary = seed_demo(
            container,
            datasets_dir=settings.datasets_dir,
            sellers=sellers,
            products_per_seller=products_per_seller,
            progress=lambda msg: typer.echo(f"  seeding {msg}"),
        )
    finally:
        container.close()
    typer.echo(
        f"demo ({summary.source}): {summary.merchants} merchants, {summary.categories} "
        f"categories, {summary.products} products, {summary.skus} SKUs, "
        f"{summary.warehouses} warehouses"
    )
    for note in summary.notes:
        typer.echo(f"  {note}")


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
