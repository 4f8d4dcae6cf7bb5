"""What every model shares: id maps, the seen-items mask, top-k selection, save and load.

A model only says how to score one user (`_score_user`) and, if it can, one item
(`_score_item`), how to fit, and which arrays hold its state; this class turns scores into
ranked (item_id, score) lists with exclusions, and writes and reads the model directory.
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

    # -- what a model provides ------------------------------------------------------------
    def _fit(self, data: Interactions) -> None:
        raise NotImplementedError

    def _score_user(self, row: int) -> np.ndarray:
        """Scores for every item (float, len n_items) for user row `row`."""
        raise NotImplementedError

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
        self._fit(data)
        return self

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
        write_model(directory, name=self.name, params=self.params, arrays=arrays, info=info)

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
        return model

    # -- helpers ----------------------------------------------------------------------------
    def _set_ids(self, user_ids: np.ndarray, item_ids: np.ndarray) -> None:
        self.user_ids = np.asarray(user_ids, dtype=str)
        self.item_ids = np.asarray(item_ids, dtype=str)
        self._user_index = {str(u): i for i, u in enumerate(self.user_ids)}
        self._item_index = {str(v): i for i, v in enumerate(self.item_ids)}

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
