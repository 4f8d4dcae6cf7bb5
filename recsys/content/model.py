"""Content-based recommender: item embeddings in a faiss index (recsys.base.Recommender).

- ``similar_items(item)``: the item's nearest neighbours by cosine similarity of text
  embeddings. Works for items nobody has interacted with yet (cold-start items), as long as
  they were embedded.
- ``recommend(user)``: neighbours of the user's profile, the weighted mean of the
  embeddings of their ``recent_items`` most recent distinct items (weight = event weight,
  decayed with ``half_life_days``).
- ``recommend_from_items(items)``: the same for an explicit list (a session, a cart).
- ``score_items(user, items)``: cosine of the profile with given items (for blending).

``ContentRecommender(embeddings)`` is built from ``recsys.content.embed.Embeddings``; ``fit``
only reads who interacted with what. Saved as model.json + arrays.npz (recsys.base) plus the
faiss index files (recsys.content.index); no pickle.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Self

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
from recsys.content.embed import Embeddings
from recsys.content.index import EXACT_THRESHOLD, VectorIndex
from recsys.content.profiles import recent_profiles
from recsys.interactions import Interactions


class ContentRecommender:
    """Nearest neighbours of item (or user-profile) embeddings."""

    name = "content"

    def __init__(
        self,
        embeddings: Embeddings | None = None,
        *,
        recent_items: int = 20,
        half_life_days: float = 30.0,
        exact_threshold: int = EXACT_THRESHOLD,
    ) -> None:
        self.params: dict[str, Any] = {
            "recent_items": recent_items,
            "half_life_days": half_life_days,
            "exact_threshold": exact_threshold,
        }
        self.index: VectorIndex | None = None
        if embeddings is not None:
            self.index = VectorIndex.build(
                embeddings.ids, embeddings.vectors, exact_threshold=exact_threshold
            )
        self.embedding_model: dict[str, str] = (
            {"name": embeddings.model_name, "version": embeddings.model_version}
            if embeddings is not None
            else {}
        )
        self.user_ids = np.array([], dtype=str)
        self._user_index: dict[str, int] = {}
        self._profiles: sp.csr_matrix | None = None  # users x index rows, profile weights
        self._seen: sp.csr_matrix | None = None  # users x index rows, 1 where seen
        self.trained_until: float | None = None

    # -- fit ------------------------------------------------------------------------------
    def fit(self, data: Interactions) -> Self:
        index = self._require_index()
        # Interaction item columns -> index rows (-1 for items that were never embedded).
        to_row = np.array([_row(index, str(i)) for i in data.item_ids], dtype=np.int64)
        self._profiles, self._seen = recent_profiles(
            data,
            to_row,
            n_rows=len(index),
            recent_items=int(self.params["recent_items"]),
            half_life_days=self.params["half_life_days"],
        )
        self.user_ids = np.asarray(data.user_ids, dtype=str)
        self._user_index = {str(u): i for i, u in enumerate(self.user_ids)}
        self.trained_until = data.now
        return self

    # -- queries --------------------------------------------------------------------------
    def recommend(
        self,
        user_id: str,
        k: int,
        *,
        exclude: Collection[str] = (),
        exclude_seen: bool = True,
    ) -> list[Recommendation]:
        profiles, seen = self._require_fitted()
        row = self._user_index.get(user_id)
        if row is None or k <= 0:
            return []
        vector = self._profile_vector(profiles, row)
        if vector is None:
            return []
        banned = self._banned(exclude)
        if exclude_seen:
            banned.update(seen.indices[seen.indptr[row] : seen.indptr[row + 1]].tolist())
        return self._nearest(vector, k, banned)

    def recommend_many(
        self, user_ids: Sequence[str], k: int, *, exclude_seen: bool = True
    ) -> list[list[Recommendation]]:
        return [self.recommend(u, k, exclude_seen=exclude_seen) for u in user_ids]

    def recommend_from_items(
        self,
        item_ids: Sequence[str],
        k: int,
        *,
        weights: Sequence[float] | None = None,
        exclude: Collection[str] = (),
    ) -> list[Recommendation]:
        """Neighbours of the (weighted) mean of these items; they themselves are excluded."""
        index = self._require_index()
        rows, w = _known_rows(index, item_ids, weights)
        if not rows or k <= 0:
            return []
        vector = _unit(np.asarray(w, dtype=np.float32) @ index.vectors(rows))
        if vector is None:
            return []
        return self._nearest(vector, k, self._banned(exclude) | set(rows))

    def similar_items(self, item_id: str, k: int) -> list[Recommendation]:
        index = self._require_index()
        row = index.row_of(item_id)
        if row is None or k <= 0:
            return []
        return self._nearest(index.vectors([row])[0], k, {row})

    def score_items(self, user_id: str, item_ids: Sequence[str]) -> np.ndarray:
        """Cosine of the user's profile with each item; NaN where unknown."""
        profiles, _ = self._require_fitted()
        out = np.full(len(item_ids), np.nan)
        row = self._user_index.get(user_id)
        vector = None if row is None else self._profile_vector(profiles, row)
        return out if vector is None else self.cosine_to(vector, item_ids)

    def seen_items(self, user_id: str) -> set[str]:
        """Embedded items the user interacted with in training."""
        _, seen = self._require_fitted()
        index = self._require_index()
        row = self._user_index.get(user_id)
        if row is None:
            return set()
        return {index.ids[r] for r in seen.indices[seen.indptr[row] : seen.indptr[row + 1]]}

    def item_vector(self, item_id: str) -> np.ndarray | None:
        """The item's unit embedding, None when it was not embedded."""
        index = self._require_index()
        row = index.row_of(item_id)
        return None if row is None else index.vectors([row])[0]

    def cosine_to(self, vector: np.ndarray, item_ids: Sequence[str]) -> np.ndarray:
        """Cosine of ``vector`` with each item; NaN for items that were not embedded."""
        index = self._require_index()
        out = np.full(len(item_ids), np.nan)
        pos = [(i, r) for i, r in enumerate(index.row_of(x) for x in item_ids) if r is not None]
        if pos:
            cols = [i for i, _ in pos]
            out[cols] = index.vectors([r for _, r in pos]) @ vector
        return out

    # -- save / load ------------------------------------------------------------------------
    def save(self, directory: str | Path) -> None:
        profiles, seen = self._require_fitted()
        index = self._require_index()
        arrays = {
            "user_ids": self.user_ids,
            "profile_indptr": profiles.indptr.astype(np.int64),
            "profile_indices": profiles.indices.astype(np.int32),
            "profile_data": profiles.data.astype(np.float32),
            "seen_indptr": seen.indptr.astype(np.int64),
            "seen_indices": seen.indices.astype(np.int32),
        }
        index.save(Path(directory) / "index")
        info = {
            "n_users": len(self.user_ids),
            "n_items": len(index),
            "index_kind": index.kind,
            "embedding_model": self.embedding_model,
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
        model.index = VectorIndex.load(Path(directory) / "index")
        model.embedding_model = dict(meta.get("embedding_model") or {})
        model.user_ids = arrays["user_ids"].astype(str)
        model._user_index = {str(u): i for i, u in enumerate(model.user_ids)}
        shape = (len(model.user_ids), len(model.index))
        model._profiles = sp.csr_matrix(
            (arrays["profile_data"], arrays["profile_indices"], arrays["profile_indptr"]),
            shape=shape,
        )
        seen_idx = arrays["seen_indices"]
        model._seen = sp.csr_matrix(
            (np.ones(len(seen_idx), dtype=np.float32), seen_idx, arrays["seen_indptr"]),
            shape=shape,
        )
        model.trained_until = meta.get("trained_until")
        return model

    # -- helpers ----------------------------------------------------------------------------
    def _require_index(self) -> VectorIndex:
        if self.index is None:
            raise NotFittedError("content: no embeddings (pass them, or load a saved model)")
        return self.index

    def _require_fitted(self) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        if self._profiles is None or self._seen is None:
            raise NotFittedError(f"{self.name} is not fitted")
        return self._profiles, self._seen

    def _profile_vector(self, profiles: sp.csr_matrix, row: int) -> np.ndarray | None:
        start, end = profiles.indptr[row], profiles.indptr[row + 1]
        if start == end:
            return None
        rows = profiles.indices[start:end].tolist()
        return _unit(profiles.data[start:end] @ self._require_index().vectors(rows))

    def _banned(self, exclude: Collection[str]) -> set[int]:
        index = self._require_index()
        return {r for r in (index.row_of(x) for x in exclude) if r is not None}

    def _nearest(self, vector: np.ndarray, k: int, banned: set[int]) -> list[Recommendation]:
        """Top k index rows by cosine, skipping ``banned``; widens the search when needed."""
        index = self._require_index()
        want = min(k, len(index) - len(banned))
        fetch = k + len(banned)
        while True:
            scores, rows = index.search(vector, fetch)
            hits = [
                (index.ids[r], float(s))
                for s, r in zip(scores[0], rows[0], strict=True)
                if r >= 0 and int(r) not in banned
            ]
            if len(hits) >= want or fetch >= len(index):
                return hits[:k]
            fetch = min(len(index), fetch * 2)


def _row(index: VectorIndex, item_id: str) -> int:
    row = index.row_of(item_id)
    return -1 if row is None else row


def _known_rows(
    index: VectorIndex, item_ids: Sequence[str], weights: Sequence[float] | None
) -> tuple[list[int], list[float]]:
    w = list(weights) if weights is not None else [1.0] * len(item_ids)
    if len(w) != len(item_ids):
        raise ValueError("weights and item_ids differ in length")
    pairs = [(index.row_of(i), x) for i, x in zip(item_ids, w, strict=True)]
    kept = [(r, x) for r, x in pairs if r is not None]
    return [r for r, _ in kept], [x for _, x in kept]


def _unit(vector: np.ndarray) -> np.ndarray | None:
    norm = float(np.linalg.norm(vector))
    return None if norm <= 1e-12 else (vector / norm).astype(np.float32)
