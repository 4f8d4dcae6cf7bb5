"""Paired bootstrap over series (seeded, so a report is reproducible)."""

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


NAN_INTERVAL = Interval(float("nan"), float("nan"), float("nan"))


def paired_relative_difference(
    model: np.ndarray,
    baseline: np.ndarray,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> Interval:
    """mean(model) / mean(baseline) - 1 over the same series, resampled together.

    Series where either value is NaN are left out. Pairing keeps each series' two scores
    side by side, so the interval reflects the difference between the models rather than
    the spread between series.
    """
    a = np.asarray(model, dtype=np.float64)
    b = np.asarray(baseline, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError("paired values differ in length")
    both = ~(np.isnan(a) | np.isnan(b))
    a, b = a[both], b[both]
    if len(a) == 0 or b.mean() == 0:
        return NAN_INTERVAL
    idx = np.random.default_rng(seed).integers(0, len(a), size=(n_boot, len(a)))
    with np.errstate(divide="ignore", invalid="ignore"):
        draws = a[idx].mean(axis=1) / b[idx].mean(axis=1) - 1.0
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.nanpercentile(draws, [tail, 100.0 - tail])
    return Interval(float(a.mean() / b.mean() - 1.0), float(low), float(high))
