"""Recovery metrics: pure functions of estimates, intervals and the planted truth."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def _arrays(*xs: Sequence[float] | np.ndarray) -> list[np.ndarray]:
    out = [np.asarray(x, dtype=np.float64) for x in xs]
    if len({a.shape for a in out}) != 1:
        raise ValueError("inputs must have one shape")
    return out


def mae(estimate: Sequence[float] | np.ndarray, truth: Sequence[float] | np.ndarray) -> float:
    """Mean absolute error (NaN when empty)."""
    e, t = _arrays(estimate, truth)
    return float(np.mean(np.abs(e - t))) if e.size else math.nan


def rmse(estimate: Sequence[float] | np.ndarray, truth: Sequence[float] | np.ndarray) -> float:
    e, t = _arrays(estimate, truth)
    return float(np.sqrt(np.mean((e - t) ** 2))) if e.size else math.nan


def bias(estimate: Sequence[float] | np.ndarray, truth: Sequence[float] | np.ndarray) -> float:
    """Mean of estimate minus truth: positive means estimates too close to zero here."""
    e, t = _arrays(estimate, truth)
    return float(np.mean(e - t)) if e.size else math.nan


def coverage(
    low: Sequence[float] | np.ndarray,
    high: Sequence[float] | np.ndarray,
    truth: Sequence[float] | np.ndarray,
) -> float:
    """Share of intervals ``[low, high]`` that hold the truth (NaN when empty)."""
    lo, hi, t = _arrays(low, high, truth)
    return float(np.mean((lo <= t) & (t <= hi))) if t.size else math.nan


def mean_width(low: Sequence[float] | np.ndarray, high: Sequence[float] | np.ndarray) -> float:
    lo, hi = _arrays(low, high)
    return float(np.mean(hi - lo)) if lo.size else math.nan
