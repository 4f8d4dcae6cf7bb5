"""Time-based split: train on everything before T, test on the window after it.

The test asks which *new* items a user takes up: relevant items are the test window's
events of the target kinds, minus what the user already had in training (models are asked
with exclude_seen=True, so a repeat could never be found). Warm users were seen in
training; cold users were not and are reported separately.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import cast

import numpy as np

from recsys.schema import EventLog

DAY = np.timedelta64(86_400_000_000, "us")


@dataclass(frozen=True)
class Split:
    train: EventLog
    cutoff: np.datetime64
    end: np.datetime64
    warm: dict[str, set[str]]  # user -> relevant new items, users seen in training
    cold: dict[str, set[str]]  # user -> relevant items, users unseen in training


def time_split(
    log: EventLog,
    *,
    test_days: float = 28.0,
    cutoff: np.datetime64 | None = None,
    target_kinds: Collection[str] = ("purchase",),
) -> Split:
    """Train before `cutoff` (default: the last event minus test_days), test up to +test_days."""
    times = log.timestamps.astype("datetime64[us]")
    window = DAY * test_days
    if cutoff is None:
        if len(times) == 0:
            raise ValueError("no events to split")
        cutoff = times.max() - window + np.timedelta64(1, "us")
    start = cast(np.datetime64, np.asarray(cutoff).astype("datetime64[us]")[()])
    end = start + window
    train = log.select(times < start)
    in_test = (times >= start) & (times < end) & np.isin(log.kinds, list(target_kinds))
    seen: dict[str, set[str]] = {}
    for user, item in zip(train.user_ids.tolist(), train.item_ids.tolist(), strict=True):
        seen.setdefault(user, set()).add(item)
    warm: dict[str, set[str]] = {}
    cold: dict[str, set[str]] = {}
    for user, item in zip(
        log.user_ids[in_test].tolist(), log.item_ids[in_test].tolist(), strict=True
    ):
        if user not in seen:
            cold.setdefault(user, set()).add(item)
        elif item not in seen[user]:
            warm.setdefault(user, set()).add(item)
    return Split(train=train, cutoff=start, end=end, warm=warm, cold=cold)
