"""Bootstrap confidence intervals over users (seeded, so a report is reproducible)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    """A point estimate with its percentile-bootstrap interval."""

    value: float
    low: float
    high: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "low": self.low, "high": self.high}


def _indices(n: int, n_boot: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(n_boot, n))


def _interval(point: float, draws: np.ndarray, level: float) -> Interval:
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.nanpercentile(draws, [tail, 100.0 - tail])
    return Interval(float(point), float(low), float(high))


def bootstrap_mean(
    values: np.ndarray, *, n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> Interval:
    """The mean of per-user values and its interval (users resampled with replacement)."""
    arr = np.asarray(values, dtype=np.float64)
    if len(arr) == 0:
        return Interval(float("nan"), float("nan"), float("nan"))
    draws = arr[_indices(len(arr), n_boot, seed)].mean(axis=1)
    return _interval(float(arr.mean()), draws, level)


def paired_relative_difference(
    model: np.ndarray,
    baseline: np.ndarray,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> Interval:
    """mean(model) / mean(baseline) - 1 over the same users, resampled together.

    Pairing keeps each user's two values side by side, so the interval reflects the
    difference between models rather than the spread between users.
    """
    a = np.asarray(model, dtype=np.float64)
    b = np.asarray(baseline, dtype=np.float64)
    if len(a) != len(b):
        raise ValueError("paired values differ in length")
    if len(a) == 0 or b.mean() == 0:
        return Interval(float("nan"), float("nan"), float("nan"))
    idx = _indices(len(a), n_boot, seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        draws = a[idx].mean(axis=1) / b[idx].mean(axis=1) - 1.0
    return _interval(float(a.mean() / b.mean() - 1.0), draws, level)
