"""Seasonal naive: every day of the horizon repeats the same weekday of the last week.

Quantiles are empirical: the forecast k weeks ahead has the errors seasonal naive made
k weeks ahead inside the training data (``y[t] - y[t - 7k]`` from the first sale on), so
the intervals widen with the horizon as much as the series' own history says. A series
with too little history for k weeks borrows the residuals of the largest k it has. Only
the last ``history`` days are kept (and saved).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from forecasting.base import Panel
from forecasting.models.core import StatForecaster, first_sale, residual_quantiles


class SeasonalNaiveForecaster(StatForecaster):
    """y[T + h] = y[T + h - season * k], k the smallest number of seasons reaching back."""

    name = "seasonal_naive"

    def __init__(self, *, season: int = 7, history: int = 364) -> None:
        if season < 1 or history < season:
            raise ValueError("season must be >= 1 and history >= season")
        super().__init__(season=season, history=history)
        self._units = np.zeros((0, 0))
        self._start = np.zeros(0, dtype=np.int64)  # first sale, as a column of _units

    def _fit(self, panel: Panel) -> None:
        keep = min(panel.n_days, int(self.params["history"]))
        self._units = panel.units[:, -keep:].astype(np.float64)
        self._start = first_sale(self._units).astype(np.int64)

    def _forecast(
        self, horizon: int, levels: list[float]
    ) -> tuple[np.ndarray, dict[float, np.ndarray]]:
        y, m = self._units, int(self.params["season"])
        n, t = y.shape
        steps = np.arange(horizon)
        # less than a season of data: the last day, repeated
        mean = y[:, t - m + steps % m] if t >= m else np.repeat(y[:, -1:], horizon, axis=1)
        quantiles = {q: np.empty((n, horizon)) for q in levels}
        previous = np.full((n, max(t, 1)), np.nan)
        for k in range(1, -(-horizon // m) + 1):
            res = self._residuals(k * m)
            missing = np.isnan(res).all(axis=1)
            res[missing] = previous[missing]  # too short for k seasons: reuse k - 1
            cols = slice((k - 1) * m, min(k * m, horizon))
            block = residual_quantiles(mean[:, cols], res, levels)
            for q in levels:
                quantiles[q][:, cols] = block[q]
            previous = res
        return mean, quantiles

    def _residuals(self, lag: int) -> np.ndarray:
        """(n, t) errors y[i] - y[i - lag] where both days are on or after the first sale."""
        y = self._units
        n, t = y.shape
        out = np.full((n, max(t, 1)), np.nan)
        if lag < t:
            diff = y[:, lag:] - y[:, :-lag]
            valid = np.arange(t - lag)[None, :] >= self._start[:, None]
            out[:, lag:] = np.where(valid, diff, np.nan)
        return out

    def _state(self) -> dict[str, np.ndarray]:
        return {"units": self._units, "start": self._start}

    def _restore(self, arrays: dict[str, Any]) -> None:
        self._units = np.asarray(arrays["units"], dtype=np.float64)
        self._start = np.asarray(arrays["start"], dtype=np.int64)
