"""The users x items interaction matrix every collaborative model trains on.

Events become weights: a purchase says more than a view, so each event kind has a weight
(DEFAULT_WEIGHTS) and, with a half-life, older events count for less (exponential decay
towards `now`). The raw event log stays alongside (indices, base weights, times, baskets)
because recent popularity, trending and frequently-bought-together need the times and the
order an event belonged to, not just the summed matrix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import scipy.sparse as sp

# view < add_to_cart < purchase; removing from the cart and searching carry no item signal.
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "view": 1.0,
    "click": 1.0,
    "add_to_cart": 3.0,
    "purchase": 5.0,
    "remove_from_cart": 0.0,
    "search": 0.0,
}
PURCHASE = "purchase"
DAY_SECONDS = 86_400.0


def to_epoch_seconds(values: Any) -> np.ndarray:
    """Timestamps (datetime64 array, datetimes, or numbers already in seconds) as float64 s."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[us]").astype(np.int64).astype(np.float64) / 1e6
    if arr.dtype.kind == "O":
        return np.array([_one_epoch(v) for v in arr], dtype=np.float64)
    return arr.astype(np.float64)


def _one_epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, np.datetime64):
        return float(value.astype("datetime64[us]").astype(np.int64)) / 1e6
    return float(value)


def moment_seconds(value: datetime | float | None, default: float) -> float:
    """One moment (a datetime or epoch seconds) as epoch seconds; `default` when None."""
    if value is None:
        return default
    return _one_epoch(value)


@dataclass(frozen=True, eq=False)
class Interactions:
    """Users x items weights plus the event log they came from.

    `matrix` is a float32 CSR of decayed weights (rows follow `user_ids`, columns `item_ids`);
    `purchases` a float32 CSR of purchase counts. The `event_*` arrays are the kept events
    (weight > 0) as indices into the id arrays; `event_baskets` groups purchases by order
    (-1 for events that are not purchases).
    """

    user_ids: np.ndarray
    item_ids: np.ndarray
    matrix: sp.csr_matrix
    purchases: sp.csr_matrix
    last_seen: np.ndarray
    event_users: np.ndarray
    event_items: np.ndarray
    event_weights: np.ndarray
    event_times: np.ndarray
    event_baskets: np.ndarray
    now: float

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def user_index(self) -> dict[str, int]:
        return _index_of(self, "_user_index", self.user_ids)

    @property
    def item_index(self) -> dict[str, int]:
        return _index_of(self, "_item_index", self.item_ids)

    def seen_items(self, user_id: str) -> set[str]:
        """Items the user interacted with (any kept event)."""
        row = self.user_index.get(user_id)
        if row is None:
            return set()
        return {str(self.item_ids[j]) for j in self.matrix[row].indices}

    def purchased_items(self, user_id: str) -> set[str]:
        """Items the user bought: the "exclude already bought" set."""
        row = self.user_index.get(user_id)
        if row is None:
            return set()
        return {str(self.item_ids[j]) for j in self.purchases[row].indices}

    def last_interaction(self, user_id: str) -> float | None:
        """Epoch seconds of the user's latest kept event, None for an unknown user."""
        row = self.user_index.get(user_id)
        return None if row is None else float(self.last_seen[row])

    def basket_matrix(self) -> sp.csr_matrix:
        """Baskets x items, 1 where the basket (order) holds the item."""
        bought = self.event_baskets >= 0
        baskets = self.event_baskets[bought]
        items = self.event_items[bought]
        n_baskets = int(baskets.max()) + 1 if len(baskets) else 0
        mat = sp.csr_matrix(
            (np.ones(len(baskets), dtype=np.float32), (baskets, items)),
            shape=(n_baskets, self.n_items),
        )
        mat.data[:] = 1.0  # duplicates summed by the constructor: presence is what counts
        return mat

    @classmethod
    def from_events(
        cls,
        user_ids: Sequence[str] | np.ndarray,
        item_ids: Sequence[str] | np.ndarray,
        kinds: Sequence[str] | np.ndarray,
        timestamps: Any,
        *,
        now: datetime | float | None = None,
        half_life_days: float | None = 30.0,
        weights: Mapping[str, float] | None = None,
        basket_ids: Sequence[str | None] | np.ndarray | None = None,
    ) -> Interactions:
        """Build from parallel event arrays; unknown kinds and zero-weight kinds are dropped.

        `now` defaults to the latest event; `half_life_days=None` turns decay off;
        `basket_ids` (order ids) group purchases for frequently-bought-together, and a
        purchase without one is its own (user, UTC day) basket.
        """
        users = np.asarray(user_ids, dtype=str)
        items = np.asarray(item_ids, dtype=str)
        kind_arr = np.asarray(kinds, dtype=str)
        times = to_epoch_seconds(timestamps)
        if not len(users) == len(items) == len(kind_arr) == len(times):
            raise ValueError("event arrays differ in length")
        table = dict(DEFAULT_WEIGHTS if weights is None else weights)
        kind_names, kind_codes = np.unique(kind_arr, return_inverse=True)
        kind_weights = np.array([table.get(str(k), 0.0) for k in kind_names], dtype=np.float32)
        base = kind_weights[kind_codes] if len(kind_arr) else np.zeros(0, dtype=np.float32)
        keep = base > 0
        is_purchase = (kind_arr == PURCHASE)[keep]
        baskets = _basket_codes(basket_ids, keep, is_purchase, users[keep], times[keep])
        return cls._build(
            users[keep],
            items[keep],
            base[keep],
            times[keep],
            baskets,
            is_purchase,
            now=moment_seconds(now, float(times.max()) if len(times) else 0.0),
            half_life_days=half_life_days,
        )

    @classmethod
    def _build(
        cls,
        users: np.ndarray,
        items: np.ndarray,
        base: np.ndarray,
        times: np.ndarray,
        baskets: np.ndarray,
        is_purchase: np.ndarray,
        *,
        now: float,
        half_life_days: float | None,
    ) -> Interactions:
        # np.unique sorts, so the same events always give the same index order.
        user_ids, u_idx = np.unique(users, return_inverse=True)
        item_ids, i_idx = np.unique(items, return_inverse=True)
        shape = (len(user_ids), len(item_ids))
        decayed = base * decay(now - times, half_life_days)
        matrix = sp.csr_matrix((decayed, (u_idx, i_idx)), shape=shape, dtype=np.float32)
        bought = np.ones(int(is_purchase.sum()), dtype=np.float32)
        purchases = sp.csr_matrix(
            (bought, (u_idx[is_purchase], i_idx[is_purchase])), shape=shape, dtype=np.float32
        )
        last_seen = np.full(len(user_ids), -np.inf)
        np.maximum.at(last_seen, u_idx, times)
        return cls(
            user_ids=user_ids,
            item_ids=item_ids,
            matrix=matrix,
            purchases=purchases,
            last_seen=last_seen,
            event_users=u_idx.astype(np.int32),
            event_items=i_idx.astype(np.int32),
            event_weights=base,
            event_times=times,
            event_baskets=baskets,
            now=now,
        )


def decay(age_seconds: np.ndarray, half_life_days: float | None) -> np.ndarray:
    """0.5 ** (age / half-life) as float32; events after `now` count fully."""
    if half_life_days is None:
        return np.ones(len(age_seconds), dtype=np.float32)
    age_days = np.maximum(age_seconds, 0.0) / DAY_SECONDS
    factors: np.ndarray = np.power(0.5, age_days / half_life_days).astype(np.float32)
    return factors


def _basket_codes(
    basket_ids: Sequence[str | None] | np.ndarray | None,
    keep: np.ndarray,
    is_purchase: np.ndarray,
    users: np.ndarray,
    times: np.ndarray,
) -> np.ndarray:
    """Integer basket per kept event (-1 when not a purchase)."""
    codes = np.full(len(users), -1, dtype=np.int64)
    if not is_purchase.any():
        return codes
    keys = np.full(int(is_purchase.sum()), "", dtype=object)
    if basket_ids is not None:
        given = np.asarray(basket_ids, dtype=object)[keep][is_purchase]
        keys = np.where(given == None, "", given)  # noqa: E711 (elementwise test for None)
    missing = keys == ""
    if missing.any():
        # A purchase without an order id: the user's purchases of that UTC day are a basket.
        day = np.floor(times[is_purchase][missing] / DAY_SECONDS).astype(np.int64).astype(str)
        keys[missing] = np.char.add(np.char.add(users[is_purchase][missing], "@"), day)
    _, inverse = np.unique(keys.astype(str), return_inverse=True)
    codes[is_purchase] = inverse
    return codes


def _index_of(data: Interactions, attr: str, ids: np.ndarray) -> dict[str, int]:
    cached: dict[str, int] | None = data.__dict__.get(attr)
    if cached is None:
        cached = {str(v): i for i, v in enumerate(ids)}
        object.__setattr__(data, attr, cached)
    return cached
