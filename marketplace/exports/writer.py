"""Parquet plumbing shared by the datasets: query rows streamed in batches, turned into
Arrow record batches of an explicit schema, written file by file into a staged directory
that replaces the previous export only once it is complete."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine, Executable

from marketplace.exports.domain import (
    SCHEMA_VERSIONS,
    Dataset,
    ExportRequest,
    ExportTargetError,
    WrittenFile,
)

COMPRESSION: Final = "zstd"
MANIFEST = "_manifest.json"
# The Parquet convention for "the schema, no rows": dataset readers skip "_" files.
SCHEMA_FILE = "_common_metadata"

Progress = Callable[[int], None]


def dataset_schema(dataset: Dataset, fields: Sequence[pa.Field[Any]]) -> pa.Schema:
    """A dataset's schema, carrying its name and version in the file metadata."""
    return pa.schema(fields).with_metadata(
        {"agora.dataset": dataset.value, "agora.schema_version": str(SCHEMA_VERSIONS[dataset])}
    )


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction for the whole export, so every query sees the same data
    (REPEATABLE READ on PostgreSQL; on SQLite a WAL read transaction is a snapshot)."""
    options: dict[str, Any] = {"agora_readonly": True}
    if engine.dialect.name == "postgresql":
        options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    with engine.connect().execution_options(**options) as conn, conn.begin():
        yield conn


def stream(conn: Connection, statement: Executable, batch_rows: int) -> Iterator[Sequence[Any]]:
    """The statement's rows, ``batch_rows`` at a time: a server-side cursor on PostgreSQL,
    SQLite's own cursor stepping through the result; never the whole result in memory."""
    # Per statement: Connection.execution_options would change the connection itself.
    result = conn.execute(statement, execution_options={"yield_per": batch_rows})
    yield from result.partitions(batch_rows)


def record_batch(schema: pa.Schema, rows: Sequence[Sequence[Any]]) -> pa.RecordBatch:
    """Rows whose values are in ``schema``'s column order, as one record batch."""
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    arrays = [pa.array(col, type=field.type) for col, field in zip(columns, schema, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


class PartWriter:
    """One Parquet file of an export."""

    def __init__(self, root: Path, relative: str, schema: pa.Schema) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(str(path), schema, compression=COMPRESSION)
        self.relative = relative
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            self._writer.write_batch(batch)
            self.rows += batch.num_rows

    def close(self) -> WrittenFile:
        self._writer.close()
        return WrittenFile(self.relative, self.rows)


def write_single(
    root: Path, schema: pa.Schema, batches: Iterable[pa.RecordBatch], progress: Progress
) -> list[WrittenFile]:
    """Every batch into ``part-0.parquet`` (written, with the schema, even when empty)."""
    part = PartWriter(root, "part-0.parquet", schema)
    try:
        for batch in batches:
            part.write(batch)
            progress(part.rows)
    finally:
        written = part.close()
    return [written]


@contextmanager
def staged(out_dir: Path, name: str) -> Iterator[Path]:
    """A fresh directory that replaces ``out_dir/name`` by renames once the block ends
    without error; on error it is removed and the previous export stays as it was."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / name
    if target.exists() and not target.is_dir():
        raise ExportTargetError(f"{target} exists and is not a directory.", path=str(target))
    token = uuid.uuid4().hex[:10]
    stage = out_dir / f".{name}.tmp-{token}"
    stage.mkdir()
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if not target.exists():
        stage.rename(target)
        return
    # Two renames: readers see the old export or the new one, never a half-written one
    # (the name is absent for the instant between them).
    old = out_dir / f".{name}.old-{token}"
    target.rename(old)
    stage.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def write_manifest(
    root: Path, request: ExportRequest, schema: pa.Schema, files: Sequence[WrittenFile]
) -> dict[str, Any]:
    """``_manifest.json`` and the schema-only ``_common_metadata`` beside the data."""
    pq.write_metadata(schema, str(root / SCHEMA_FILE))
    manifest: dict[str, Any] = {
        "dataset": request.dataset.value,
        "schema_version": request.schema_version,
        "format": "parquet",
        "compression": COMPRESSION,
        "created_at": request.created_at.isoformat(),
        "time_range": {
            "column": request.time_column,
            "since": request.since.isoformat() if request.since else None,
            "until": request.until.isoformat() if request.until else None,
        },
        "rows": sum(f.rows for f in files),
        "files": [{"path": f.path, "rows": f.rows} for f in files],
        "columns": [{"name": f.name, "type": str(f.type)} for f in schema],
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
