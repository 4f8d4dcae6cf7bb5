"""Demand forecasts: for a SKU, the expected units sold on each day from ``start_date``
for ``horizon_days`` days, with quantiles of the predictive distribution.

Only the latest forecast of a SKU is kept: a newer one replaces it, an older one (a late
or replayed batch) is ignored. Units are statistics (floats): non-negative, finite, and the
quantiles of a day never cross (a higher level never forecasts fewer units).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from marketplace.advice.domain.errors import InvalidDemandForecastError

MAX_HORIZON_DAYS = 366
MAX_QUANTILES = 20
MAX_BACKTEST_METRICS = 20
# The interval a merchant reads: the central 90 % (quantiles 0.05 and 0.95).
INTERVAL_LEVELS = (0.05, 0.95)
# A day's quantiles may differ by float noise without crossing.
_CROSSING_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class DemandForecast:
    sku_id: str
    merchant_id: str
    generated_at: datetime
    model_name: str
    model_version: str
    start_date: date  # the first forecast day (UTC)
    mean: tuple[float, ...]  # one per day
    quantiles: dict[str, tuple[float, ...]]  # level ("0.05") -> one per day
    backtest: dict[str, float] | None = None  # the model's backtest scores by metric

    @property
    def horizon_days(self) -> int:
        return len(self.mean)

    def days(self) -> list[date]:
        return [self.start_date + timedelta(days=i) for i in range(self.horizon_days)]

    def quantile(self, level: float) -> tuple[float, ...] | None:
        return self.quantiles.get(quantile_key(level))


def quantile_key(level: float) -> str:
    """The canonical key of a quantile level: ``0.05`` -> ``"0.05"``, ``"0.50"`` -> ``"0.5"``."""
    return repr(float(level))


def check_forecast(
    mean: Sequence[Any], quantiles: Mapping[Any, Sequence[Any]], start_date: date
) -> tuple[tuple[float, ...], dict[str, tuple[float, ...]]]:
    """Validate a forecast's arrays; returns them normalised (floats, canonical keys,
    quantiles ordered by level)."""
    if not isinstance(start_date, date) or isinstance(start_date, datetime):
        raise InvalidDemandForecastError("start_date is a date.")
    horizon = len(mean)
    if not 1 <= horizon <= MAX_HORIZON_DAYS:
        raise InvalidDemandForecastError(f"A forecast covers 1-{MAX_HORIZON_DAYS} days.")
    means = _units(mean, "mean")
    if len(quantiles) > MAX_QUANTILES:
        raise InvalidDemandForecastError(f"At most {MAX_QUANTILES} quantiles.")
    levels: dict[float, tuple[float, ...]] = {}
    for raw_level, values in quantiles.items():
        level = _level(raw_level)
        if level in levels:
            raise InvalidDemandForecastError(f"Quantile {level} is given twice.")
        levels[level] = _units(values, f"quantile {level}")
        if len(levels[level]) != horizon:
            raise InvalidDemandForecastError(
                f"Quantile {level} has {len(levels[level])} days, the mean {horizon}."
            )
    ordered = sorted(levels)
    for low, high in itertools.pairwise(ordered):
        crossed = [
            i for i, (a, b) in enumerate(zip(levels[low], levels[high], strict=True))
            if a > b + _CROSSING_TOLERANCE
        ]  # fmt: skip
        if crossed:
            raise InvalidDemandForecastError(
                f"Quantiles {low} and {high} cross.", day_indexes=crossed[:10]
            )
    return means, {quantile_key(level): levels[level] for level in ordered}


def check_backtest(raw: Mapping[str, Any] | None) -> dict[str, float] | None:
    """Scores of the model's backtest by metric name (``{"mase": 0.81}``), or None."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or len(raw) > MAX_BACKTEST_METRICS:
        raise InvalidDemandForecastError(f"backtest maps up to {MAX_BACKTEST_METRICS} metrics.")
    scores: dict[str, float] = {}
    for name, value in raw.items():
        if not isinstance(name, str) or not 1 <= len(name) <= 40:
            raise InvalidDemandForecastError("A backtest metric has a name of 1-40 characters.")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidDemandForecastError(f"Backtest {name!r} is a number.")
        if not math.isfinite(value):
            raise InvalidDemandForecastError(f"Backtest {name!r} is finite.")
        scores[name] = float(value)
    return scores


def _level(raw: Any) -> float:
    try:
        level = float(raw) if not isinstance(raw, bool) else math.nan
    except (TypeError, ValueError):
        level = math.nan
    if not 0 < level < 1:
        raise InvalidDemandForecastError(f"{raw!r} is not a quantile level in (0, 1).")
    return level


def _units(values: Sequence[Any], what: str) -> tuple[float, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise InvalidDemandForecastError(f"The {what} is a list of numbers.")
    found = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidDemandForecastError(f"The {what} holds numbers only.")
        if not math.isfinite(value) or value < 0:
            raise InvalidDemandForecastError(f"The {what} holds finite, non-negative units.")
        found.append(float(value))
    return tuple(found)
