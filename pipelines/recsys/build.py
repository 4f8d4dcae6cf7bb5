"""``build``: the exports read with Ray Data into the training tables.

Ray Data reads the day-partitioned events export (``ray.data.read_parquet``) and cleans
each block in parallel (events with a user and a product); the blocks come back to the
driver, which sorts them by time, writes ``events.parquet`` and fixes the evaluation
windows (``split.json``: the test window = the last ``test_days``, validation = the
``validation_days`` before it, docs/ml/recsys-evaluation.md). The catalogue export becomes
the product texts the hybrid embeds (``items.jsonl``, ``pipelines.catalog_texts``: the
listed products sellable at extract time, all listed ones when none is sellable).

On a multi-node cluster the exports must be on storage every node can read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipelines.catalog_texts import build_items
from pipelines.ray_data import read_with_ray
from pipelines.recsys import data
from pipelines.recsys.config import RecsysConfig
from pipelines.stages import PipelineError, RunContext, write_json


def config(cfg: RecsysConfig) -> dict[str, Any]:
    return {
        "test_days": cfg.test_days,
        "validation_days": cfg.validation_days,
        "target_kinds": list(cfg.target_kinds),
    }


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    cfg: RecsysConfig = ctx.config
    extracted = ctx.outputs("extract")
    ctx.ray.ensure()
    events_dir = Path(extracted["datasets"]["events"])
    table = data.sort_events(read_with_ray(events_dir, data.EVENT_COLUMNS, clean=data.clean_events))
    if table.num_rows == 0:
        raise PipelineError("no_events: the export holds no event with a user and a product")
    pq.write_table(table, out / data.EVENTS_FILE, compression="zstd")
    log = data.event_log(table)
    try:
        windows = data.windows_for(
            log, test_days=cfg.test_days, validation_days=cfg.validation_days,
            target_kinds=cfg.target_kinds,
        )  # fmt: skip
    except ValueError as exc:
        raise PipelineError(f"cannot cut evaluation windows: {exc}") from exc
    summary = {
        "events": len(log),
        "users": len(set(log.user_ids.tolist())),
        "items": len(set(log.item_ids.tolist())),
        "first_event": str(log.timestamps.min()),
        "last_event": str(log.timestamps.max()),
        "test": data.split_summary(windows.test(log)),
        "validation": data.split_summary(windows.validation(log)),
    }
    write_json(out / data.SPLIT_FILE, {"windows": windows.as_dict(), **summary})
    items = build_items(extracted, out, ctx.log)
    return {"dataset": summary, "items": items, "windows": windows.as_dict()}
