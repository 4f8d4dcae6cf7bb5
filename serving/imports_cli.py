"""``agora import olist|online-retail``: bulk imports of the real data sets (idempotent)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from marketplace.config import get_settings
from marketplace.importing.sources import ImportReport

import_app = typer.Typer(help="Import real data sets (idempotent).", no_args_is_help=True)

LIMIT = typer.Option(None, "--limit", min=1, help="Only the first N source rows (orders for Olist)")
REPORT = typer.Option(None, "--report", help="Where to write the JSON report (default: next to "
                      "the SQLite database, else var/)")  # fmt: skip


@contextmanager
def _progress() -> Iterator[Callable[[str, int], None]]:
    done: dict[str, int] = {}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), transient=True) as bar:
        task = bar.add_task("starting")

        def advance(kind: str, count: int) -> None:
            done[kind] = done.get(kind, 0) + count
            bar.update(task, description=", ".join(f"{k} {v:,}" for k, v in done.items()))

        yield advance


def _report_path(url: str, source: str, given: Path | None) -> Path:
    if given is not None:
        return given
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).with_name(f"import_{source}.json")
    return Path("var") / f"import_{source}.json"


def _run(source: str, limit: int | None, report_to: Path | None) -> None:
    from marketplace.db.engine import make_engine
    from marketplace.importing.olist_import import import_olist
    from marketplace.importing.online_retail_import import import_online_retail

    settings = get_settings()
    run = import_olist if source == "olist" else import_online_retail
    engine = make_engine(settings.database_url)
    try:
        with _progress() as progress:
            report = run(engine, Path(settings.datasets_dir), limit=limit, progress=progress)
    finally:
        engine.dispose()
    _print(report)
    path = _report_path(settings.database_url, source, report_to)
    report.save(path)
    typer.echo(f"report: {path}")


def _print(report: ImportReport) -> None:
    typer.echo(f"{report.source}: {report.rows_read:,} source rows in {report.seconds:.1f} s")
    typer.echo("dropped: " + (json.dumps(dict(report.dropped)) if report.dropped else "nothing"))
    typer.echo("records: " + ", ".join(f"{k} {v:,}" for k, v in sorted(report.kept.items())))
    for table, count in report.written.items():
        typer.echo(f"  {table}: {count:,} new")


@import_app.command("olist")
def import_olist_cmd(limit: int | None = LIMIT, report: Path | None = REPORT) -> None:
    """Olist sellers, products and the 10k-order subset (BRL)."""
    _run("olist", limit, report)


@import_app.command("online-retail")
def import_online_retail_cmd(limit: int | None = LIMIT, report: Path | None = REPORT) -> None:
    """UCI Online Retail: one UK supplier, customers, companies, invoices, refunds (GBP)."""
    _run("online_retail", limit, report)
