"""The shared ``extract`` stage: Parquet exports of the marketplace, read-only.

From the database it runs ``marketplace.exports.services.export_dataset`` (one snapshot
per dataset, nothing written to the database) into the stage's folder; given existing
``agora export`` folders it reads them in place. Either way it records the data
fingerprint every later stage and the MLflow run refer to.

Every family's configuration is a ``SourceConfig`` (where the data comes from) and its
first stage is ``extract_stage(datasets)``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.fingerprint import MANIFEST, data_fingerprint
from pipelines.stages import PipelineError, RunContext, Stage

SELLABLE_FILE = "sellable.json"
HISTORY_START = datetime(2000, 1, 1, tzinfo=UTC)  # before any imported history


@dataclass(frozen=True)
class SourceConfig:
    """Where a run's data comes from: ``exports`` None, extract from ``database_url``;
    else read the ``agora export`` folders there. Each family's configuration extends it."""

    database_url: str
    exports: Path | None = None
    since: datetime = HISTORY_START

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, without the database URL (it may hold a password)."""
        data = asdict(self)
        data.pop("database_url")
        return data

    def source(self) -> dict[str, Any]:
        """Where the data comes from (extract's configuration)."""
        return {
            "exports": str(self.exports) if self.exports else None,
            "database": redacted(self.database_url) if self.exports is None else None,
            "since": self.since.isoformat(),
        }


def redacted(url: str) -> str:
    """A URL without its password."""
    head, at, tail = url.rpartition("@")
    if not at or "://" not in head:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{tail}"


def extract_stage(datasets: Sequence[str], *, sellable: bool = False) -> Stage:
    """The ``extract`` stage of a family (its configuration a ``SourceConfig``): exports
    ``datasets`` (and with ``sellable``, the products that can be bought now)."""

    def run(ctx: RunContext, out: Path) -> dict[str, Any]:
        cfg: SourceConfig = ctx.config
        return extract(
            out, datasets=datasets, database_url=cfg.database_url, exports=cfg.exports,
            since=cfg.since, sellable=sellable,
        )  # fmt: skip

    def config(cfg: SourceConfig) -> dict[str, Any]:
        return {**cfg.source(), "datasets": list(datasets)}

    return Stage("extract", run, config)


def extract(
    out: Path,
    *,
    datasets: Sequence[str],
    database_url: str,
    exports: Path | None,
    since: datetime,
    sellable: bool = False,
) -> dict[str, Any]:
    """Export (or locate) ``datasets``; with ``sellable``, also list the products that can
    be bought now (from the database only). Returns the stage's outputs."""
    if exports is not None:
        dirs = {name: _existing(exports.resolve(), name) for name in datasets}
        sellable_path = None
    else:
        dirs, sellable_path = _export(out, datasets, database_url, since, sellable)
    rows = {
        name: json.loads((path / MANIFEST).read_text()).get("rows") for name, path in dirs.items()
    }
    return {
        "datasets": {name: str(path) for name, path in dirs.items()},
        "rows": rows,
        "sellable": str(sellable_path) if sellable_path else None,
        "fingerprint": data_fingerprint(dirs),
    }


def _existing(root: Path, name: str) -> Path:
    path = root / name
    if not (path / MANIFEST).is_file():
        raise PipelineError(f"{path} is not an `agora export {name}` folder (no {MANIFEST})")
    return path


def _export(
    out: Path, datasets: Sequence[str], database_url: str, since: datetime, sellable: bool
) -> tuple[dict[str, Path], Path | None]:
    from marketplace.db.engine import make_engine
    from marketplace.exports.domain import Dataset, ExportRequest
    from marketplace.exports.services import export_dataset

    now = datetime.now(UTC)
    engine = make_engine(database_url, pool_size=1)
    dirs: dict[str, Path] = {}
    try:
        for name in datasets:
            dataset = Dataset(name)
            start = None if dataset is Dataset.CATALOG else since
            request = ExportRequest.of(dataset, since=start, until=None, now=now)
            result = export_dataset(request, engine=engine, out_dir=out)
            dirs[name] = Path(result.directory)
        sellable_path = _write_sellable(out, engine) if sellable else None
    finally:
        engine.dispose()
    return dirs, sellable_path


def _write_sellable(out: Path, engine: Any) -> Path:
    from marketplace.catalog.queries.sellable import product_facts

    ids = sorted(f.product_id for f in product_facts(engine) if f.is_sellable)
    path = out / SELLABLE_FILE
    path.write_text(json.dumps(ids) + "\n")
    return path
