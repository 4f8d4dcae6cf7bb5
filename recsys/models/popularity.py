"""Non-personalised baselines: global popularity and recent (windowed, decayed) popularity.

Every known user gets the same ranking minus what they have seen; `top` is the list a
caller falls back to for an unknown user or when filters empty a personal list.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np

from recsys.base import Recommendation
from recsys.interactions import Interactions, decay
from recsys.models.core import ScoringRecommender

DAY = 86_400.0


class StaticScoreRecommender(ScoringRecommender):
    """One score per item, fitted once: the shape of every popularity-like model."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.scores = np.zeros(0, dtype=np.float64)

    def _score_user(self, row: int) -> np.ndarray:
        return self.scores

    def _state(self) -> dict[str, np.ndarray]:
        return {"scores": self.scores}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.scores = arrays["scores"]

    def top(self, k: int, *, exclude: Collection[str] = ()) -> list[Recommendation]:
        """The best k items for anyone, without `exclude`."""
        self._require_fitted()
        return self._top(np.array(self.scores, dtype=np.float64), k, exclude)


class PopularityRecommender(StaticScoreRecommender):
    """Sum of event weights per item over all time (no decay)."""

    name = "popularity"

    def _fit(self, data: Interactions) -> None:
        self.scores = item_totals(data, data.event_weights)


class RecentPopularityRecommender(StaticScoreRecommender):
    """Event weights of the last `window_days`, decayed with `half_life_days`."""

    name = "recent_popularity"

    def __init__(self, *, window_days: float = 28.0, half_life_days: float = 7.0) -> None:
        super().__init__(window_days=window_days, half_life_days=half_life_days)

    def _fit(self, data: Interactions) -> None:
        age = data.now - data.event_times
        in_window = age <= self.params["window_days"] * DAY
        weights = data.event_weights * decay(age, self.params["half_life_days"]) * in_window
        # Items with nothing in the window keep a tiny all-time score, so that ties among
        # them (and short lists) are broken by long-run popularity, not by id order.
        prior = item_totals(data, data.event_weights)
        self.scores = item_totals(data, weights) + 1e-6 * prior / max(prior.max(), 1.0)


def item_totals(data: Interactions, weights: np.ndarray) -> np.ndarray:
    """Per-item sum of `weights` over the event log (float64, len n_items)."""
    return np.bincount(data.event_items, weights=weights, minlength=data.n_items).astype(np.float64)
