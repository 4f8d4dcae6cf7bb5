"""Column names of the exported events Parquet (docs/data/exports.md) and a reader for it.

The export is `agora export events --out <dir>`, hive-partitioned by day under
`<dir>/events/`. Only the columns the models use are read, into plain numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

EVENT_ID = "event_id"
OCCURRED_AT = "occurred_at"
TYPE = "type"
SOURCE = "source"
SESSION_ID = "session_id"
USER_ID = "user_id"
PRODUCT_ID = "product_id"
SKU_ID = "sku_id"
MERCHANT_ID = "merchant_id"
QUANTITY = "quantity"
ORDER_ID = "order_id"
ATTRIBUTION_ID = "attribution_id"
EVENTS_DATASET = "events"
COMMON_METADATA = "_common_metadata"

READ_COLUMNS = (OCCURRED_AT, TYPE, SESSION_ID, USER_ID, PRODUCT_ID, ORDER_ID)


@dataclass(frozen=True)
class EventLog:
    """Events with a user and an item, as parallel arrays, ordered by time."""

    user_ids: np.ndarray
    item_ids: np.ndarray
    kinds: np.ndarray
    timestamps: np.ndarray  # datetime64[us], UTC
    order_ids: np.ndarray  # object: str or None

    def __len__(self) -> int:
        return len(self.user_ids)

    def select(self, mask: np.ndarray) -> EventLog:
        """The events where `mask` is true."""
        return EventLog(
            self.user_ids[mask],
            self.item_ids[mask],
            self.kinds[mask],
            self.timestamps[mask],
            self.order_ids[mask],
        )


def events_path(parquet_dir: str | Path) -> Path:
    """`<dir>/events` when given the export root, else the directory itself."""
    path = Path(parquet_dir)
    return path / EVENTS_DATASET if (path / EVENTS_DATASET).is_dir() else path


def load_events(
    parquet_dir: str | Path, *, item_column: str = PRODUCT_ID, anonymous_sessions: bool = False
) -> EventLog:
    """Events with an item, from an events export; anonymous events are dropped unless
    `anonymous_sessions`, which keys them by `session:<session_id>` instead.
    """
    path = events_path(parquet_dir)
    schema = pq.read_schema(path / COMMON_METADATA) if (path / COMMON_METADATA).exists() else None
    dataset = ds.dataset(path, format="parquet", partitioning="hive", schema=schema)
    columns = sorted({*READ_COLUMNS, item_column})
    table = dataset.to_table(columns=columns, filter=pc.is_valid(pc.field(item_column)))
    table = table.sort_by([(OCCURRED_AT, "ascending")])
    users = table[USER_ID].to_numpy(zero_copy_only=False)
    missing = table[USER_ID].is_null().to_numpy(zero_copy_only=False)
    if anonymous_sessions:
        sessions = np.char.add("session:", _strings(table[SESSION_ID]))
        users = np.where(missing, sessions, users)
    else:
        table = table.filter(pa.array(~missing))
        users = users[~missing]
    return EventLog(
        user_ids=np.asarray(users, dtype=str),
        item_ids=_strings(table[item_column]),
        kinds=_strings(table[TYPE]),
        timestamps=table[OCCURRED_AT].to_numpy().astype("datetime64[us]"),
        order_ids=np.asarray(table[ORDER_ID].to_numpy(zero_copy_only=False), dtype=object),
    )


def _strings(column: pa.ChunkedArray[Any]) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=str)
