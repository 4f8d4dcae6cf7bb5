"""What every model shares: id maps, the seen-items mask, top-k selection, save and load.

A model only says how to score one user (`_score_user`) and, if it can, one item
(`_score_item`), how to fit, and which arrays hold its state; this class turns scores into
ranked (item_id, score) lists with exclusions, and writes and reads the model directory.

``precompute(n)`` scores every known user once (at training time) and keeps each user's n
best items, seen ones included; ``recommend`` then filters that list instead of scoring
100k items, and scores live only when the exclusions leave fewer than k of the n. Both
paths rank the same way (score, then lower item index), so the answer is the same. The
lists are saved as plain ``.npy`` files and memory-mapped at load, so the worker processes
of one machine share one copy in the page cache.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp

from recsys.base import (
    ModelFormatError,
    NotFittedError,
    Recommendation,
    read_arrays,
    read_metadata,
    write_model,
)
from recsys.interactions import Interactions

TOP_ITEMS_FILE = "top_items.npy"
TOP_SCORES_FILE = "top_scores.npy"
PRECOMPUTE_BATCH = 256  # users scored per block: 256 x 100k float32 scores = 100 MB


class ScoringRecommender:
    """Base of the models in recsys.models (implements recsys.base.Recommender)."""

    name: ClassVar[str] = ""

    def __init__(self, **params: Any) -> None:
        self.params: dict[str, Any] = params
        self.user_ids: np.ndarray = np.array([], dtype=str)
        self.item_ids: np.ndarray = np.array([], dtype=str)
        self._seen: sp.csr_matrix | None = None
        self._user_index: dict[str, int] = {}
        self._item_index: dict[str, int] = {}
        self.trained_until: float | None = None
        # precomputed (n_users, n) item columns (-1: no more) and their float32 scores
        self._toplists: tuple[np.ndarray, np.ndarray] | None = None

    # -- what a model provides ------------------------------------------------------------
    def _fit(self, data: Interactions) -> None:
        raise NotImplementedError

    def _score_user(self, row: int) -> np.ndarray:
        """Scores for every item (float, len n_items) for user row `row`."""
        raise NotImplementedError

    def _score_users(self, rows: np.ndarray) -> np.ndarray:
        """Scores of every item for several users, (len(rows), n_items); models with a
        faster block product override it."""
        return np.vstack([self._score_user(int(r)) for r in rows])

    def _score_item(self, col: int) -> np.ndarray | None:
        """Scores of every item next to item `col`, or None without an item-to-item notion."""
        return None

    def _state(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    # -- the interface ----------------------------------------------------------------------
    def fit(self, data: Interactions) -> Self:
        self._set_ids(data.user_ids, data.item_ids)
        seen = data.matrix.copy()
        seen.data[:] = 1.0
        self._seen = seen.astype(np.float32)
        self.trained_until = data.now
        self._toplists = None
        self._fit(data)
        return self

    def precompute(self, n: int) -> Self:
        """Keep every user's ``n`` best items (seen ones included) for lookups."""
        self._require_fitted()
        n_users, n_items = len(self.user_ids), len(self.item_ids)
        n = max(0, min(n, n_items))
        items = np.full((n_users, n), -1, dtype=np.int32)
        scores = np.full((n_users, n), -np.inf, dtype=np.float32)
        for first in range(0, n_users, PRECOMPUTE_BATCH):
            rows = np.arange(first, min(first + PRECOMPUTE_BATCH, n_users))
            block = np.asarray(self._score_users(rows))  # float32 for factors, as live
            block[~np.isfinite(block)] = -np.inf
            items[rows], scores[rows] = _block_top(block, n)
        self._toplists = items, scores
        return self

    @property
    def precomputed(self) -> int:
        """How many items per user are precomputed (0: none)."""
        return 0 if self._toplists is None else int(self._toplists[0].shape[1])

    def recommend(
        self,
        user_id: str,
        k: int,
        *,
        exclude: Collection[str] = (),
        exclude_seen: bool = True,
    ) -> list[Recommendation]:
        seen = self._require_fitted()
        row = self._user_index.get(user_id)
        if row is None or k <= 0:
            return []
        if self._toplists is not None:
            found = self._lookup(self._toplists, row, k, exclude, exclude_seen)
            if found is not None:
                return found
        scores = np.array(self._score_user(row), dtype=np.float64)
        if exclude_seen:
            scores[seen.indices[seen.indptr[row] : seen.indptr[row + 1]]] = -np.inf
        return self._top(scores, k, exclude)

    def recommend_many(
        self, user_ids: Sequence[str], k: int, *, exclude_seen: bool = True
    ) -> list[list[Recommendation]]:
        return [self.recommend(u, k, exclude_seen=exclude_seen) for u in user_ids]

    def similar_items(self, item_id: str, k: int) -> list[Recommendation]:
        self._require_fitted()
        col = self._item_index.get(item_id)
        if col is None or k <= 0:
            return []
        raw = self._score_item(col)
        if raw is None:
            return []
        scores = np.array(raw, dtype=np.float64)
        scores[col] = -np.inf
        return self._top(scores, k, ())

    def save(self, directory: str | Path) -> None:
        seen = self._require_fitted()
        arrays = {
            "user_ids": self.user_ids,
            "item_ids": self.item_ids,
            "seen_indptr": seen.indptr.astype(np.int64),
            "seen_indices": seen.indices.astype(np.int32),
        }
        arrays.update({f"m_{key}": value for key, value in self._state().items()})
        info = {
            "n_users": len(self.user_ids),
            "n_items": len(self.item_ids),
            "trained_until": self.trained_until,
        }
        if self._toplists is not None:
            info["precomputed"] = self.precomputed
        write_model(directory, name=self.name, params=self.params, arrays=arrays, info=info)
        if self._toplists is not None:
            np.save(Path(directory) / TOP_ITEMS_FILE, self._toplists[0])
            np.save(Path(directory) / TOP_SCORES_FILE, self._toplists[1])

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        meta = read_metadata(directory)
        if meta["model"] != cls.name:
            raise ModelFormatError(f"{directory} holds {meta['model']!r}, not {cls.name!r}")
        arrays = read_arrays(directory)
        model = cls(**meta["params"])
        model._set_ids(arrays["user_ids"], arrays["item_ids"])
        indices = arrays["seen_indices"]
        model._seen = sp.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), indices, arrays["seen_indptr"]),
            shape=(len(model.user_ids), len(model.item_ids)),
        )
        model.trained_until = meta.get("trained_until")
        model._restore({k[2:]: v for k, v in arrays.items() if k.startswith("m_")})
        if meta.get("precomputed"):
            path = Path(directory)
            items = np.load(path / TOP_ITEMS_FILE, mmap_mode="r", allow_pickle=False)
            scores = np.load(path / TOP_SCORES_FILE, mmap_mode="r", allow_pickle=False)
            if not items.shape == scores.shape == (len(model.user_ids), meta["precomputed"]):
                raise ModelFormatError(f"{directory}: precomputed lists of the wrong shape")
            model._toplists = items, scores
        return model

    # -- helpers ----------------------------------------------------------------------------
    def _set_ids(self, user_ids: np.ndarray, item_ids: np.ndarray) -> None:
        self.user_ids = np.asarray(user_ids, dtype=str)
        self.item_ids = np.asarray(item_ids, dtype=str)
        self._user_index = {str(u): i for i, u in enumerate(self.user_ids)}
        self._item_index = {str(v): i for i, v in enumerate(self.item_ids)}

    def _lookup(
        self,
        top: tuple[np.ndarray, np.ndarray],
        row: int,
        k: int,
        exclude: Collection[str],
        exclude_seen: bool,
    ) -> list[Recommendation] | None:
        """The first k precomputed items that survive the exclusions; None when the n
        precomputed run out first (the caller scores live)."""
        banned = {c for item in exclude if (c := self._item_index.get(item)) is not None}
        if exclude_seen and self._seen is not None:
            seen = self._seen
            banned.update(seen.indices[seen.indptr[row] : seen.indptr[row + 1]].tolist())
        out: list[Recommendation] = []
        cols, scores = top[0][row].tolist(), top[1][row].tolist()
        for col, score in zip(cols, scores, strict=True):
            if col < 0:  # fewer than n items had a finite score: the list is complete
                return out
            if col not in banned:
                out.append((str(self.item_ids[col]), score))
                if len(out) == k:
                    return out
        return out if len(cols) == len(self.item_ids) else None

    def _require_fitted(self) -> sp.csr_matrix:
        if self._seen is None:
            raise NotFittedError(f"{self.name} is not fitted")
        return self._seen

    def _top(self, scores: np.ndarray, k: int, exclude: Collection[str]) -> list[Recommendation]:
        for item in exclude:
            col = self._item_index.get(item)
            if col is not None:
                scores[col] = -np.inf
        return top_k(scores, k, self.item_ids)


def top_k(scores: np.ndarray, k: int, item_ids: np.ndarray) -> list[Recommendation]:
    """The k best finite scores, best first; ties go to the lower index (deterministic)."""
    finite = np.flatnonzero(np.isfinite(scores))
    if len(finite) == 0 or k <= 0:
        return []
    if len(finite) > k:
        part = np.argpartition(-scores[finite], k - 1)[:k]
        # argpartition may cut a tie arbitrarily: take everything tied with the k-th score.
        kth = scores[finite[part]].min()
        finite = finite[scores[finite] >= kth]
    order = np.lexsort((finite, -scores[finite]))[:k]
    chosen = finite[order]
    return [(str(item_ids[j]), float(scores[j])) for j in chosen]


def _block_top(block: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's n best columns and scores, ranked as ``top_k`` ranks (score, then lower
    column); columns without a finite score become -1."""
    b, n_items = block.shape
    if n == 0:
        return np.zeros((b, 0), np.int32), np.zeros((b, 0), np.float32)
    if n < n_items:
        cols = np.argpartition(-block, n - 1, axis=1)[:, :n]
        kth = np.take_along_axis(block, cols, axis=1).min(axis=1, keepdims=True)
        # argpartition cuts ties at the n-th score arbitrarily: redo those rows so that
        # the lowest tied columns are kept (rare for factor scores, common for sparse ones).
        above, tied = (block > kth).sum(axis=1), (block == kth).sum(axis=1)
        cut = np.flatnonzero(tied > n - above)  # more tied columns than places left
        if cut.size:
            cols[cut] = _lowest_columns(block[cut], kth[cut], n)
        cols.sort(axis=1)
    else:
        cols = np.broadcast_to(np.arange(n_items), (b, n_items))
    picked = np.take_along_axis(block, cols, axis=1)
    order = np.argsort(-picked, axis=1, kind="stable")  # stable: ties keep the lower column
    cols = np.take_along_axis(cols, order, axis=1).astype(np.int32)
    picked = np.take_along_axis(picked, order, axis=1)
    cols[~np.isfinite(picked)] = -1
    return cols, picked.astype(np.float32)


def _lowest_columns(block: np.ndarray, kth: np.ndarray, n: int) -> np.ndarray:
    """The n columns of each row above ``kth``, then the lowest columns equal to it."""
    above = block > kth
    ties = block == kth
    need = n - above.sum(axis=1, keepdims=True)
    chosen = above | (ties & (np.cumsum(ties, axis=1) <= need))
    return np.nonzero(chosen)[1].reshape(len(block), n)
