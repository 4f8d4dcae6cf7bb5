"""Trending: items whose recent window grew most over the window before it."""

from __future__ import annotations

import numpy as np

from recsys.interactions import Interactions
from recsys.models.popularity import DAY, StaticScoreRecommender, item_totals


class TrendingRecommender(StaticScoreRecommender):
    """Score = (recent + s) / (previous + s), for items with >= min_events recent events.

    The smoothing `s` keeps an item going from 1 to 3 events from outranking one going
    from 100 to 250; items below the support threshold are not trending at all (-inf).
    """

    name = "trending"

    def __init__(
        self, *, window_days: float = 7.0, smoothing: float = 5.0, min_events: int = 3
    ) -> None:
        super().__init__(window_days=window_days, smoothing=smoothing, min_events=min_events)

    def _fit(self, data: Interactions) -> None:
        window = self.params["window_days"] * DAY
        age = data.now - data.event_times
        recent = (age >= 0) & (age < window)
        previous = (age >= window) & (age < 2 * window)
        recent_w = item_totals(data, data.event_weights * recent)
        previous_w = item_totals(data, data.event_weights * previous)
        recent_n = np.bincount(data.event_items[recent], minlength=data.n_items)
        s = float(self.params["smoothing"])
        growth = (recent_w + s) / (previous_w + s)
        self.scores = np.where(recent_n >= self.params["min_events"], growth, -np.inf)
