"""Per-user content profiles: which recent items stand for a user, and how much each counts.

A profile keeps the user's ``recent_items`` most recently touched distinct items (by their
latest event), each weighted by the sum of its event weights decayed towards ``now``: what
someone looked at last week says more about what they want today than last year's purchase.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recsys.interactions import Interactions, decay


def recent_profiles(
    data: Interactions,
    to_row: np.ndarray,
    *,
    n_rows: int,
    recent_items: int,
    half_life_days: float | None,
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """(profiles, seen), both users x index rows.

    ``to_row`` maps interaction item columns to index rows (-1: not embedded, ignored).
    ``profiles`` holds the decayed weights of each user's recent items; ``seen`` is 1 for
    every embedded item the user interacted with.
    """
    rows = to_row[data.event_items]
    embedded = rows >= 0
    users = data.event_users[embedded].astype(np.int64)
    rows = rows[embedded]
    times = data.event_times[embedded]
    weights = data.event_weights[embedded] * decay(data.now - times, half_life_days)

    # One entry per (user, item): summed weight and latest time.
    keys, inverse = np.unique(users * max(n_rows, 1) + rows, return_inverse=True)
    summed = np.bincount(inverse, weights=weights, minlength=len(keys))
    latest = np.full(len(keys), -np.inf)
    np.maximum.at(latest, inverse, times)
    key_users = keys // max(n_rows, 1)
    key_rows = keys % max(n_rows, 1)
    shape = (data.n_users, n_rows)
    seen = sp.csr_matrix((np.ones(len(keys), dtype=np.float32), (key_users, key_rows)), shape=shape)

    # Newest first within each user (ties by row, for determinism); keep the first N.
    order = np.lexsort((key_rows, -latest, key_users))
    sorted_users = key_users[order]
    group_start = np.searchsorted(sorted_users, sorted_users, side="left")
    rank = np.arange(len(order)) - group_start
    keep = order[rank < recent_items]
    profiles = sp.csr_matrix(
        (summed[keep].astype(np.float32), (key_users[keep], key_rows[keep])), shape=shape
    )
    profiles.sort_indices()
    return profiles, seen
