"""How well a fitted elasticity model predicts days it has not seen.

The model is fitted on the days before a window and predicts each product's units on every
day of the window at the price the panel knows for that day (the price charged, carried
over days without sales). The score is the mean Poisson deviance per product-day, a proper
score for a predicted mean of counts (lower is better); the same model with every
elasticity set to 0 (each product's recent mean, no price effect) is the baseline, and the
relative change between them gets a paired bootstrap interval over products.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecasting.base import Panel
from forecasting.evaluation.bootstrap import paired_relative_difference
from pricing.model import ElasticityModel


def poisson_deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Elementwise unit deviance ``2 (y log(y / mu) - (y - mu))`` (``y log y`` = 0 at 0)."""
    y = np.asarray(y, dtype=np.float64)
    mu = np.asarray(mu, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return np.asarray(2.0 * (term - (y - mu)), dtype=np.float64)


@dataclass(frozen=True)
class HoldoutScores:
    """Per scored product: days scored, units, and summed deviances of the model and the
    no-price-effect baseline."""

    product_ids: np.ndarray
    days: np.ndarray
    units: np.ndarray
    predicted: np.ndarray
    deviance: np.ndarray
    baseline_deviance: np.ndarray

    @property
    def product_days(self) -> int:
        return int(self.days.sum())

    @property
    def mean_deviance(self) -> float:
        """Mean Poisson deviance per product-day (NaN when nothing was scored)."""
        return _per_day(self.deviance, self.days)

    @property
    def baseline_mean_deviance(self) -> float:
        return _per_day(self.baseline_deviance, self.days)

    def relative_change(self, *, n_boot: int = 1000, seed: int = 0) -> dict[str, float]:
        """model / baseline - 1 of the deviance (negative: the prices help), with a paired
        bootstrap interval over products."""
        interval = paired_relative_difference(
            self.deviance, self.baseline_deviance, n_boot=n_boot, seed=seed
        )
        return interval.as_dict()

    def report(self, *, n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
        change = self.relative_change(n_boot=n_boot, seed=seed)
        return {
            "products": int(self.product_ids.size),
            "product_days": self.product_days,
            "units": float(self.units.sum()),
            "predicted_units": float(self.predicted.sum()),
            "mean_deviance": _finite(self.mean_deviance),
            "baseline_mean_deviance": _finite(self.baseline_mean_deviance),
            "relative_change": {k: _finite(v) for k, v in change.items()},
            # how much lower the deviance is than the baseline's (positive: the prices help)
            "gain": {"value": _finite(0.0 - change["value"]),
                     "low": _finite(0.0 - change["high"]),
                     "high": _finite(0.0 - change["low"])},
        }  # fmt: skip


def score_window(model: ElasticityModel, window: Panel) -> HoldoutScores:
    """Score ``model`` on the days of ``window`` (products the model knows, days with a
    known price)."""
    rows = model.rows(window.series_ids)
    keep = np.flatnonzero(rows >= 0)
    ids = window.series_ids[keep].astype(str)
    units, price = window.units[keep], window.price[keep]
    mu = model.expected_units(ids, price)
    flat = model.expected_units(ids, price, price_effect=False)
    scored = np.isfinite(mu) & np.isfinite(flat)
    dev = np.where(scored, poisson_deviance(units, mu), 0.0)
    base = np.where(scored, poisson_deviance(units, flat), 0.0)
    days = scored.sum(axis=1)
    has = days > 0
    return HoldoutScores(
        product_ids=ids[has],
        days=days[has],
        units=np.where(scored, units, 0.0).sum(axis=1)[has],
        predicted=np.where(scored, mu, 0.0).sum(axis=1)[has],
        deviance=dev.sum(axis=1)[has],
        baseline_deviance=base.sum(axis=1)[has],
    )


def _per_day(total: np.ndarray, days: np.ndarray) -> float:
    n = int(days.sum())
    return float(total.sum() / n) if n else math.nan


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
