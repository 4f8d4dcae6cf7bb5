"""Croston (with the Syntetos-Boylan correction) and TSB, for intermittent demand.

Both forecast a flat daily rate. Croston-SBA smooths the sizes of the demands and the
intervals between them, updating only on demand days: rate = (1 - alpha/2) * size /
interval. TSB (Teunter, Syntetos, Babai 2011) smooths the size on demand days and the
probability of a demand every day, so the rate decays while a SKU stops selling:
rate = probability * size.

The recursions run over time for every series at once, from each series' first sale. The
initial size, interval and probability are the training sample's averages. A smoothing
constant of ``None`` is chosen per series from a small grid by the in-sample one-step
squared error. Quantiles are the point forecast plus empirical quantiles of the in-sample
one-step errors: for a flat rate, the daily demand spread dominates the error at every
horizon (the level's own uncertainty is left out, so far horizons are slightly too
narrow).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecasting.base import Panel
from forecasting.models.core import StatForecaster, first_sale, residual_quantiles

ALPHA_GRID: tuple[float, ...] = (0.05, 0.1, 0.2, 0.3)
BETA_GRID: tuple[float, ...] = (0.02, 0.05, 0.1, 0.2)


@dataclass
class _Run:
    """One pass of a recursion: the final rate and the one-step in-sample forecasts."""

    rate: np.ndarray  # (n,)
    fitted: np.ndarray  # (n, t), NaN before a series' first sale and on it


def _initial(y: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per series: mean demand size, mean interval, share of demand days since launch."""
    t = y.shape[1]
    days = np.maximum(t - start, 1).astype(np.float64)
    demands = (y > 0).sum(axis=1).astype(np.float64)
    size = np.divide(y.sum(axis=1), demands, out=np.zeros(len(y)), where=demands > 0)
    interval = np.divide(days, demands, out=np.ones(len(y)), where=demands > 0)
    return size, interval, demands / days


def croston_run(y: np.ndarray, start: np.ndarray, alpha: np.ndarray, sba: bool) -> _Run:
    """Croston's recursion (SBA-corrected if ``sba``) for every row of ``y``."""
    size, interval, _ = _initial(y, start)
    since = interval.copy()  # the first demand's interval is taken to be the average
    factor = 1.0 - alpha / 2.0 if sba else np.ones_like(alpha)
    fitted = np.full(y.shape, np.nan)
    for t in range(y.shape[1]):
        live = t >= start
        fitted[:, t] = np.where(live & (t > start), factor * size / interval, np.nan)
        demand = live & (y[:, t] > 0)
        size = np.where(demand, size + alpha * (y[:, t] - size), size)
        interval = np.where(demand, interval + alpha * (since - interval), interval)
        since = np.where(demand, 1.0, np.where(live, since + 1.0, since))
    return _Run(factor * size / interval, fitted)


def tsb_run(y: np.ndarray, start: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> _Run:
    """TSB's recursion: size smoothed on demand days, demand probability every day."""
    size, _, prob = _initial(y, start)
    fitted = np.full(y.shape, np.nan)
    for t in range(y.shape[1]):
        live = t >= start
        fitted[:, t] = np.where(live & (t > start), prob * size, np.nan)
        demand = y[:, t] > 0
        size = np.where(live & demand, size + alpha * (y[:, t] - size), size)
        prob = np.where(live, prob + beta * (demand - prob), prob)
    return _Run(prob * size, fitted)


def _mse(y: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    err = (y - fitted) ** 2
    counted = ~np.isnan(err)
    total = np.where(counted, err, 0.0).sum(axis=1)
    n = counted.sum(axis=1)
    mse: np.ndarray = np.divide(total, n, out=np.zeros(len(y)), where=n > 0)
    return mse


class _IntermittentForecaster(StatForecaster):
    """Flat-rate forecasts with empirical one-step residual quantiles."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._rate = np.zeros(0)
        self._residuals = np.zeros((0, 0))
        self._smoothing = np.zeros((0, 2))  # the constants used per series (alpha, beta)

    def _grid(self) -> list[tuple[float, float]]:
        raise NotImplementedError

    def _run(self, y: np.ndarray, start: np.ndarray, a: np.ndarray, b: np.ndarray) -> _Run:
        raise NotImplementedError

    def _fit(self, panel: Panel) -> None:
        y = panel.units.astype(np.float64)
        n = len(y)
        start = first_sale(y)
        best: _Run | None = None
        best_err = np.full(n, np.inf)
        chosen = np.zeros((n, 2))
        for a, b in self._grid():
            run = self._run(y, start, np.full(n, a), np.full(n, b))
            err = _mse(y, run.fitted)
            better = err < best_err  # ties keep the earlier (smaller) constants
            if best is None:
                best = run
            else:
                best.rate = np.where(better, run.rate, best.rate)
                best.fitted = np.where(better[:, None], run.fitted, best.fitted)
            chosen[better] = (a, b)
            best_err = np.where(better, err, best_err)
        assert best is not None
        self._rate = np.where(start < y.shape[1], best.rate, 0.0)
        self._residuals = y - best.fitted
        self._smoothing = chosen

    def _forecast(
        self, horizon: int, levels: list[float]
    ) -> tuple[np.ndarray, dict[float, np.ndarray]]:
        mean = np.repeat(self._rate[:, None], horizon, axis=1)
        return mean, residual_quantiles(mean, self._residuals, levels)

    def _state(self) -> dict[str, np.ndarray]:
        return {"rate": self._rate, "residuals": self._residuals, "smoothing": self._smoothing}

    def _restore(self, arrays: dict[str, Any]) -> None:
        self._rate = np.asarray(arrays["rate"], dtype=np.float64)
        self._residuals = np.asarray(arrays["residuals"], dtype=np.float64)
        self._smoothing = np.asarray(arrays["smoothing"], dtype=np.float64)


def _constants(value: float | None, grid: tuple[float, ...]) -> tuple[float, ...]:
    if value is None:
        return grid
    if not 0.0 < value <= 1.0:
        raise ValueError("smoothing constants must lie in (0, 1]")
    return (float(value),)


class CrostonForecaster(_IntermittentForecaster):
    """Croston's method with the Syntetos-Boylan approximation (SBA) by default."""

    name = "croston"

    def __init__(self, *, alpha: float | None = 0.1, sba: bool = True) -> None:
        _constants(alpha, ALPHA_GRID)
        super().__init__(alpha=alpha, sba=sba)

    def _grid(self) -> list[tuple[float, float]]:
        return [(a, 0.0) for a in _constants(self.params["alpha"], ALPHA_GRID)]

    def _run(self, y: np.ndarray, start: np.ndarray, a: np.ndarray, b: np.ndarray) -> _Run:
        return croston_run(y, start, a, bool(self.params["sba"]))


class TSBForecaster(_IntermittentForecaster):
    """Teunter-Syntetos-Babai: demand probability times demand size."""

    name = "tsb"

    def __init__(self, *, alpha: float | None = None, beta: float | None = None) -> None:
        _constants(alpha, ALPHA_GRID)
        _constants(beta, BETA_GRID)
        super().__init__(alpha=alpha, beta=beta)

    def _grid(self) -> list[tuple[float, float]]:
        alphas = _constants(self.params["alpha"], ALPHA_GRID)
        betas = _constants(self.params["beta"], BETA_GRID)
        return list(itertools.product(alphas, betas))

    def _run(self, y: np.ndarray, start: np.ndarray, a: np.ndarray, b: np.ndarray) -> _Run:
        return tsb_run(y, start, a, b)
