"""``agora export events|orders|catalog``: Parquet exports for the ML pipelines."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from marketplace.config import get_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from marketplace.exports.domain import ExportRequest, ExportResult

export_app = typer.Typer(help="Parquet exports for the ML pipelines.", no_args_is_help=True)


class Format(StrEnum):
    PARQUET = "parquet"


_MOMENT = "YYYY-MM-DD (midnight UTC) or an ISO datetime (UTC unless it has an offset)"
_UNTIL = typer.Option(None, "--until", help=f"End, exclusive (default: now): {_MOMENT}")
_FORMAT = typer.Option(Format.PARQUET, "--format", help="File format")
_OUT = typer.Option(..., "--out", help="Directory; the export becomes <out>/<dataset>/")


@export_app.command("events")
def export_events(
    since: str = typer.Option(..., "--since", help=f"Start, inclusive, on occurred_at: {_MOMENT}"),
    until: str | None = _UNTIL,
    file_format: Format = _FORMAT,
    out: Path = _OUT,
) -> None:
    """Behaviour events, one file per UTC day (date=YYYY-MM-DD/part-0.parquet)."""
    _run("events", since, until, out)


@export_app.command("orders")
def export_orders(
    since: str = typer.Option(..., "--since", help=f"Start, inclusive, on placed_at: {_MOMENT}"),
    until: str | None = _UNTIL,
    file_format: Format = _FORMAT,
    out: Path = _OUT,
) -> None:
    """Order lines of the orders placed in the window, with refunds so far."""
    _run("orders", since, until, out)


@export_app.command("catalog")
def export_catalog(
    since: str | None = typer.Option(
        None, "--since", help=f"Only SKUs changed since (default: every SKU): {_MOMENT}"
    ),
    until: str | None = _UNTIL,
    file_format: Format = _FORMAT,
    out: Path = _OUT,
) -> None:
    """One row per SKU as it is now: product, merchant, category path, list price."""
    _run("catalog", since, until, out)


def _run(dataset: str, since: str | None, until: str | None, out: Path) -> None:
    from marketplace.db.engine import make_engine
    from marketplace.exports.domain import Dataset, ExportRequest, parse_moment
    from marketplace.shared.clock import SystemClock
    from marketplace.shared.errors import DomainError

    try:
        request = ExportRequest.of(
            Dataset(dataset),
            since=parse_moment(since) if since else None,
            until=parse_moment(until) if until else None,
            now=SystemClock().now(),
        )
        engine = make_engine(get_settings().database_url, pool_size=1)
        try:
            result = _with_progress(request, engine, out)
        finally:
            engine.dispose()
    except DomainError as exc:
        typer.echo(f"error: {exc.code}: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"{dataset}: {result.rows} row(s) in {len(result.files)} file(s) -> {result.directory}"
    )


def _with_progress(request: ExportRequest, engine: Engine, out: Path) -> ExportResult:
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from marketplace.exports.services import export_dataset

    dataset = request.dataset
    columns = (
        SpinnerColumn(),
        TextColumn(f"exporting {dataset.value}"),
        TextColumn("{task.completed:,.0f} rows"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(dataset.value, total=None)
        return export_dataset(
            request,
            engine=engine,
            out_dir=out,
            progress=lambda rows: bar.update(task, completed=rows),
        )
