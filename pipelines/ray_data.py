"""Reading the Parquet exports with Ray Data (every family's ``build``).

On a multi-node cluster the exports must be on storage every node can read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa


def read_with_ray(path: Path, columns: list[str], *, clean: Any = None) -> list[pa.Table]:
    """The Parquet files under ``path`` (hive partitions too) as Arrow tables, read by Ray
    Data tasks, each block passed through ``clean`` first when given."""
    import ray
    import ray.data

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    # Ray 2.60's new Parquet reader starts 32 footer-reading actors per read: seconds of
    # overhead per read on a small machine. The classic reader does the same job here.
    context.use_datasource_v2 = False
    ds = ray.data.read_parquet(str(path), columns=columns, file_extensions=["parquet"])
    if clean is not None:
        ds = ds.map_batches(clean, batch_format="pyarrow", batch_size=None)
    return [t for t in ray.get(ds.to_arrow_refs()) if t.num_rows]
