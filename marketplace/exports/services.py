"""Run an export: one read-only snapshot, the dataset's files and manifest written into a
staged directory, swapped in as ``<out_dir>/<dataset>/`` only when complete."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from sqlalchemy import Connection, Engine

from marketplace.exports import catalog, events, orders
from marketplace.exports.domain import Dataset, ExportRequest, ExportResult, WrittenFile
from marketplace.exports.writer import Progress, snapshot, staged, write_manifest

WriteDataset = Callable[[Connection, ExportRequest, Path, Progress], list[WrittenFile]]

DATASETS: dict[Dataset, tuple[pa.Schema, WriteDataset]] = {
    Dataset.EVENTS: (events.SCHEMA, events.write),
    Dataset.ORDERS: (orders.SCHEMA, orders.write),
    Dataset.CATALOG: (catalog.SCHEMA, catalog.write),
}


def _quiet(_rows: int) -> None:
    return None


def export_dataset(
    request: ExportRequest, *, engine: Engine, out_dir: Path, progress: Progress | None = None
) -> ExportResult:
    """Write ``request``'s dataset under ``out_dir``; ``progress`` hears the rows written
    so far after each batch. Reads only; the database is never written."""
    schema, write = DATASETS[request.dataset]
    name = request.dataset.value
    with staged(out_dir, name) as stage:
        with snapshot(engine) as conn:
            files = write(conn, request, stage, progress or _quiet)
        write_manifest(stage, request, schema, files)
    return ExportResult(request, str(out_dir / name), tuple(files))
