"""Hybrid recommender: a collaborative model's scores blended with content scores.

``HybridRecommender(collaborative, content, alpha=0.7)`` implements recsys.base.Recommender.

- Warm users: the union of both models' top ``candidates`` items, each scored
  ``alpha * collab + (1 - alpha) * content``. Both sides are min-max normalised to [0, 1]
  over the candidates: collaborative scores over its own list (an item it did not list
  counts 0), content scores are the exact cosine of the user's profile with every candidate.
- Cold-start users (unknown to both models): content neighbours of ``session_items`` when
  the caller has them, then ``context``: popular items in the caller's context (category,
  region), supplied as ranked id lists (``interleave`` merges several). The library cannot
  know the context; the serving layer computes those lists.
- Cold-start items: an item the collaborative model never saw has no collaborative
  neighbours, so ``similar_items`` falls back to its content neighbours alone.
- Lists shorter than ``k`` (after exclusions) are filled from ``context``, scored 0
  (minus ``exclude`` and, with ``exclude_seen``, what the user interacted with).

Saved as model.json + arrays.npz (recsys.base) with the two models in ``collaborative/``
and ``content/``; the collaborative one is reloaded through ``recsys.factory``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Self

import numpy as np

from recsys.base import ModelFormatError, Recommendation, Recommender, read_metadata, write_model
from recsys.content.model import ContentRecommender
from recsys.interactions import Interactions


class HybridRecommender:
    """alpha * collaborative + (1 - alpha) * content, with cold-start fallbacks."""

    name = "hybrid"

    def __init__(
        self,
        collaborative: Recommender,
        content: ContentRecommender,
        *,
        alpha: float = 0.7,
        candidates: int = 200,
    ) -> None:
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be within [0, 1], got {alpha}")
        self.collaborative = collaborative
        self.content = content
        self.alpha = alpha
        self.candidates = candidates

    def fit(self, data: Interactions) -> Self:
        self.collaborative.fit(data)
        self.content.fit(data)
        return self

    def recommend(
        self,
        user_id: str,
        k: int,
        *,
        exclude: Collection[str] = (),
        exclude_seen: bool = True,
        context: Sequence[str] = (),
        session_items: Sequence[str] = (),
    ) -> list[Recommendation]:
        """Blended list for a known user; session neighbours and ``context`` for others."""
        if k <= 0:
            return []
        n = max(k, self.candidates)
        collab = self.collaborative.recommend(
            user_id, n, exclude=exclude, exclude_seen=exclude_seen
        )
        content = self.content.recommend(user_id, n, exclude=exclude, exclude_seen=exclude_seen)
        if collab or content:
            ids = _union(collab, content)
            blended = self._blend(collab, ids, self.content.score_items(user_id, ids))
        elif session_items:
            blended = self.content.recommend_from_items(session_items, k, exclude=exclude)
        else:
            blended = []
        banned = set(exclude) | (self.content.seen_items(user_id) if exclude_seen else set())
        return _fill(blended, k, context, banned)

    def recommend_many(
        self, user_ids: Sequence[str], k: int, *, exclude_seen: bool = True
    ) -> list[list[Recommendation]]:
        return [self.recommend(u, k, exclude_seen=exclude_seen) for u in user_ids]

    def similar_items(self, item_id: str, k: int) -> list[Recommendation]:
        """Blended neighbours; content neighbours alone for an item new to the collaborative
        model."""
        if k <= 0:
            return []
        n = max(k, self.candidates)
        collab = self.collaborative.similar_items(item_id, n)
        content = self.content.similar_items(item_id, n)
        ids = _union(collab, content)
        vector = self.content.item_vector(item_id)
        cosines = (
            np.full(len(ids), np.nan) if vector is None else self.content.cosine_to(vector, ids)
        )
        return self._blend(collab, ids, cosines)[:k]

    def _blend(
        self, collab: list[Recommendation], ids: list[str], content: np.ndarray
    ) -> list[Recommendation]:
        c = dict(
            zip([i for i, _ in collab], _minmax(np.array([s for _, s in collab])), strict=True)
        )
        t = _minmax(content)
        scored = [
            (item, float(self.alpha * c.get(item, 0.0) + (1.0 - self.alpha) * t[j]))
            for j, item in enumerate(ids)
        ]
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        return scored

    def save(self, directory: str | Path) -> None:
        path = Path(directory)
        self.collaborative.save(path / "collaborative")
        self.content.save(path / "content")
        params = {"alpha": self.alpha, "candidates": self.candidates}
        info = {"collaborative": self.collaborative.name}
        write_model(path, name=self.name, params=params, arrays={}, info=info)

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        from recsys import factory  # the factory may list this class: import it lazily

        path = Path(directory)
        meta = read_metadata(path)
        if meta["model"] != cls.name:
            raise ModelFormatError(f"{directory} holds {meta['model']!r}, not {cls.name!r}")
        collaborative = factory.load(path / "collaborative")
        content = ContentRecommender.load(path / "content")
        return cls(collaborative, content, **meta["params"])


def interleave(*lists: Sequence[str]) -> list[str]:
    """Round-robin merge of ranked id lists (e.g. popular in category, in region), deduped."""
    merged: list[str] = []
    seen: set[str] = set()
    for rank in range(max((len(x) for x in lists), default=0)):
        for ranked in lists:
            if rank < len(ranked) and ranked[rank] not in seen:
                seen.add(ranked[rank])
                merged.append(ranked[rank])
    return merged


def _union(*lists: list[Recommendation]) -> list[str]:
    return list(dict.fromkeys(item for ranked in lists for item, _ in ranked))


def _minmax(scores: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; NaN (unknown) becomes 0; a constant list becomes all 1."""
    out = np.zeros(len(scores))
    known = ~np.isnan(scores)
    if not known.any():
        return out
    low, high = float(scores[known].min()), float(scores[known].max())
    out[known] = 1.0 if high - low <= 1e-12 else (scores[known] - low) / (high - low)
    return out


def _fill(
    ranked: list[Recommendation], k: int, context: Sequence[str], exclude: Collection[str]
) -> list[Recommendation]:
    out = ranked[:k]
    have = {item for item, _ in out} | set(exclude)
    for item in context:
        if len(out) >= k:
            break
        if item not in have:
            have.add(item)
            out.append((item, 0.0))
    return out
