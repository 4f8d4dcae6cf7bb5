"""The ``agora`` command line."""

from __future__ import annotations

import os

import typer

from marketplace.config import get_settings

app = typer.Typer(help="Agora marketplace command line.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
admin_app = typer.Typer(help="Platform administration.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")


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
