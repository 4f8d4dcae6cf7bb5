"""The recommender pipeline's datasets: the cleaned event table ``build`` writes and the
validation and test splits cut from it (the catalogue texts are ``pipelines.catalog_texts``).

Column names are recsys.schema's (the export's); the cleaned table keeps one row per
event with a user and a product, sorted by time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from recsys import schema
from recsys.evaluation.evaluate import train_interactions
from recsys.evaluation.split import Split, time_split
from recsys.interactions import Interactions

EVENTS_FILE = "events.parquet"
SPLIT_FILE = "split.json"
EVENT_COLUMNS = [
    schema.OCCURRED_AT, schema.TYPE, schema.USER_ID, schema.PRODUCT_ID, schema.ORDER_ID,
]  # fmt: skip
_CLEAN_FIELDS: list[pa.Field[Any]] = [
    pa.field(schema.OCCURRED_AT, pa.timestamp("us", tz="UTC")),
    pa.field(schema.TYPE, pa.string()),
    pa.field(schema.USER_ID, pa.string()),
    pa.field(schema.PRODUCT_ID, pa.string()),
    pa.field(schema.ORDER_ID, pa.string()),
]
_CLEAN = pa.schema(_CLEAN_FIELDS)


def clean_events(batch: pa.Table) -> pa.Table:
    """Events with a user and a product, in the cleaned schema (a Ray Data batch UDF)."""
    keep = pc.and_(pc.is_valid(batch[schema.USER_ID]), pc.is_valid(batch[schema.PRODUCT_ID]))
    kept = batch.filter(keep).select([f.name for f in _CLEAN])
    return kept.cast(_CLEAN)


def sort_events(tables: Sequence[pa.Table]) -> pa.Table:
    """Concatenate cleaned batches in time order (ties by user, product: deterministic)."""
    if not tables:
        return _CLEAN.empty_table()
    table = pa.concat_tables([t.cast(_CLEAN) for t in tables])
    return table.sort_by(
        [(schema.OCCURRED_AT, "ascending"), (schema.USER_ID, "ascending"),
         (schema.PRODUCT_ID, "ascending")]
    )  # fmt: skip


def event_log(table: pa.Table) -> schema.EventLog:
    """The cleaned table as recsys' EventLog."""

    def strings(name: str) -> np.ndarray:
        return np.asarray(table[name].to_numpy(zero_copy_only=False), dtype=str)

    return schema.EventLog(
        user_ids=strings(schema.USER_ID),
        item_ids=strings(schema.PRODUCT_ID),
        kinds=strings(schema.TYPE),
        timestamps=table[schema.OCCURRED_AT].to_numpy().astype("datetime64[us]"),
        order_ids=np.asarray(table[schema.ORDER_ID].to_numpy(zero_copy_only=False), dtype=object),
    )


def read_events(build_dir: Path) -> schema.EventLog:
    return event_log(pq.read_table(build_dir / EVENTS_FILE))


@dataclass(frozen=True)
class Windows:
    """Cut-offs of the two evaluation windows: validation (for tuning) ends where the
    test window starts; the test window ends at the last event."""

    test_cutoff: np.datetime64
    test_days: float
    validation_cutoff: np.datetime64
    validation_days: float
    target_kinds: tuple[str, ...]

    def test(self, log: schema.EventLog) -> Split:
        return time_split(
            log, test_days=self.test_days, cutoff=self.test_cutoff, target_kinds=self.target_kinds
        )

    def validation(self, log: schema.EventLog) -> Split:
        before = log.select(log.timestamps < self.test_cutoff)
        return time_split(
            before, test_days=self.validation_days, cutoff=self.validation_cutoff,
            target_kinds=self.target_kinds,
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "test_cutoff": str(self.test_cutoff),
            "test_days": self.test_days,
            "validation_cutoff": str(self.validation_cutoff),
            "validation_days": self.validation_days,
            "target_kinds": list(self.target_kinds),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Windows:
        return cls(
            np.datetime64(data["test_cutoff"], "us"), float(data["test_days"]),
            np.datetime64(data["validation_cutoff"], "us"), float(data["validation_days"]),
            tuple(data["target_kinds"]),
        )  # fmt: skip


def windows_for(
    log: schema.EventLog, *, test_days: float, validation_days: float, target_kinds: Sequence[str]
) -> Windows:
    """Test = the last ``test_days``; validation = the ``validation_days`` before it."""
    targets = tuple(target_kinds)
    test = time_split(log, test_days=test_days, target_kinds=targets)
    before = log.select(log.timestamps < test.cutoff)
    if len(before) == 0:
        raise ValueError("no events before the test window")
    validation = time_split(before, test_days=validation_days, target_kinds=targets)
    return Windows(test.cutoff, test_days, validation.cutoff, validation_days, targets)


def read_windows(build_dir: Path) -> Windows:
    return Windows.from_dict(json.loads((build_dir / SPLIT_FILE).read_text())["windows"])


def split_summary(split: Split) -> dict[str, Any]:
    relevant = [len(v) for v in split.warm.values()]
    return {
        "cutoff": str(split.cutoff),
        "end": str(split.end),
        "train_events": len(split.train),
        "warm_users": len(split.warm),
        "cold_users": len(split.cold),
        "warm_relevant_mean": float(np.mean(relevant)) if relevant else 0.0,
    }


def all_interactions(log: schema.EventLog, *, half_life_days: float | None) -> Interactions:
    """Every event, decayed towards the last one: what the served models train on."""
    return Interactions.from_events(
        log.user_ids, log.item_ids, log.kinds, log.timestamps,
        half_life_days=half_life_days, basket_ids=log.order_ids,
    )  # fmt: skip


def split_interactions(split: Split, *, half_life_days: float | None) -> Interactions:
    """The training part of a split, decayed towards its cutoff."""
    return train_interactions(split, half_life_days=half_life_days)
