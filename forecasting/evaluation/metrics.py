"""Forecast accuracy metrics as pure functions of numpy arrays.

One-series metrics take 1-D arrays of the test days (``actual``, ``forecast``) and, for the
scaled ones, the training part of the same series (``train``). They return NaN when the
metric is undefined (an empty or constant training part, no actual demand) rather than
inventing a value; aggregations skip NaN.
"""

from __future__ import annotations

import numpy as np


def _arrays(*values: np.ndarray) -> list[np.ndarray]:
    out = [np.asarray(v, dtype=np.float64) for v in values]
    if any(v.shape != out[0].shape for v in out):
        raise ValueError("arrays differ in shape")
    return out


def naive_scale(train: np.ndarray, season: int = 1, *, power: int = 1) -> float:
    """Mean |y[t] - y[t - season]| ** power over the training part (NaN if too short)."""
    y = np.asarray(train, dtype=np.float64)
    if season < 1:
        raise ValueError("season must be >= 1")
    if len(y) <= season:
        return float("nan")
    return float(np.mean(np.abs(y[season:] - y[:-season]) ** power))


def rmsse(actual: np.ndarray, forecast: np.ndarray, train: np.ndarray, season: int = 1) -> float:
    """Root mean squared scaled error: RMSE over the in-sample naive RMSE (M5's scale).

    ``sqrt(mean((a - f)^2) / mean((y[t] - y[t - season])^2))``; NaN when the scale is 0.
    """
    a, f = _arrays(actual, forecast)
    scale = naive_scale(train, season, power=2)
    if not scale > 0 or len(a) == 0:
        return float("nan")
    return float(np.sqrt(np.mean((a - f) ** 2) / scale))


def mase(actual: np.ndarray, forecast: np.ndarray, train: np.ndarray, season: int = 7) -> float:
    """Mean absolute scaled error: MAE over the in-sample seasonal naive MAE."""
    a, f = _arrays(actual, forecast)
    scale = naive_scale(train, season, power=1)
    if not scale > 0 or len(a) == 0:
        return float("nan")
    return float(np.mean(np.abs(a - f)) / scale)


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Weighted absolute percentage error: sum |a - f| / sum |a| (any shape)."""
    a, f = _arrays(actual, forecast)
    total = float(np.abs(a).sum())
    return float(np.abs(a - f).sum() / total) if total > 0 else float("nan")


def bias(actual: np.ndarray, forecast: np.ndarray) -> float:
    """(sum f - sum a) / sum a: positive when the forecast is too high."""
    a, f = _arrays(actual, forecast)
    total = float(a.sum())
    return float((f.sum() - total) / total) if total > 0 else float("nan")


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of actuals inside [lower, upper] (bounds included)."""
    a, lo, hi = _arrays(actual, lower, upper)
    if a.size == 0:
        return float("nan")
    return float(np.mean((a >= lo) & (a <= hi)))


def pinball_loss(actual: np.ndarray, predicted: np.ndarray, level: float) -> float:
    """Mean quantile (pinball) loss of ``predicted`` as the ``level`` quantile."""
    if not 0.0 < level < 1.0:
        raise ValueError("level must lie strictly between 0 and 1")
    a, p = _arrays(actual, predicted)
    if a.size == 0:
        return float("nan")
    diff = a - p
    return float(np.mean(np.maximum(level * diff, (level - 1.0) * diff)))
