"""The one interface every forecaster implements, and the data it reads and writes.

A ``Panel`` is many daily series on one shared calendar, as dense arrays of shape
(n_series, n_days): units sold, the average unit price paid (major units, forward-filled,
NaN before a series' first sale) and whether a promotion ran. A ``Forecaster`` is fitted on
a panel and predicts the ``horizon`` days after its last day for every series, as a mean
and quantiles (for intervals). Future covariates (planned prices, promotions) may be passed
to ``predict``; models that cannot use them ignore them.

Saved models are a directory with ``model.json`` (name, format version, params) and arrays
(``.npz`` loaded without pickle, or a torch ``state_dict`` file): loading never runs code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol, Self, runtime_checkable

import numpy as np

DEFAULT_QUANTILES: tuple[float, ...] = (0.05, 0.1, 0.5, 0.9, 0.95)


class NotFittedError(RuntimeError):
    """A forecaster was asked to predict or save before ``fit`` (or ``load``)."""


class ModelFormatError(ValueError):
    """A model directory is missing, of another model, or of an unknown format version."""


@dataclass(frozen=True)
class Panel:
    """Daily series on one calendar: row i of every array is series ``series_ids[i]``."""

    series_ids: np.ndarray  # str, (n_series,)
    start: date  # the date of column 0
    units: np.ndarray  # float64 >= 0, (n_series, n_days); 0 on a day without sales
    price: np.ndarray  # float64, (n_series, n_days); NaN where no price is known yet
    promo: np.ndarray  # bool, (n_series, n_days)

    def __post_init__(self) -> None:
        shape = self.units.shape
        if self.units.ndim != 2 or self.price.shape != shape or self.promo.shape != shape:
            raise ValueError("units, price and promo must share one (n_series, n_days) shape")
        if len(self.series_ids) != shape[0]:
            raise ValueError("one series id per row")

    @property
    def n_series(self) -> int:
        return int(self.units.shape[0])

    @property
    def n_days(self) -> int:
        return int(self.units.shape[1])

    @property
    def end(self) -> date:
        """The last day of the panel."""
        return self.start + timedelta(days=self.n_days - 1)

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.n_days)]

    def head(self, n_days: int) -> Panel:
        """The first ``n_days`` days (a training window that ends at a backtest origin)."""
        return Panel(self.series_ids, self.start, self.units[:, :n_days],
                     self.price[:, :n_days], self.promo[:, :n_days])  # fmt: skip

    def window(self, first: int, n_days: int) -> Panel:
        """Days ``first`` .. ``first + n_days - 1`` (e.g. what a backtest window holds)."""
        last = first + n_days
        start = self.start + timedelta(days=first)
        return Panel(self.series_ids, start, self.units[:, first:last],
                     self.price[:, first:last], self.promo[:, first:last])  # fmt: skip

    def select(self, rows: np.ndarray | Sequence[int]) -> Panel:
        idx = np.asarray(rows)
        return Panel(self.series_ids[idx], self.start, self.units[idx],
                     self.price[idx], self.promo[idx])  # fmt: skip


@dataclass(frozen=True)
class FutureCovariates:
    """What is planned for the horizon: prices and promotions, (n_series, horizon)."""

    price: np.ndarray
    promo: np.ndarray


@dataclass(frozen=True)
class Forecast:
    """Predictions for the ``horizon`` days after ``start - 1``, per series."""

    series_ids: np.ndarray  # str, (n_series,)
    start: date  # the first forecast day
    mean: np.ndarray  # float64 >= 0, (n_series, horizon)
    quantiles: dict[float, np.ndarray] = field(default_factory=dict)  # level -> (n, horizon)

    @property
    def horizon(self) -> int:
        return int(self.mean.shape[1])

    def interval(self, coverage: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of the central ``coverage`` interval (KeyError if absent)."""
        low, high = round((1 - coverage) / 2, 6), round(1 - (1 - coverage) / 2, 6)
        return self.quantiles[low], self.quantiles[high]


@runtime_checkable
class Forecaster(Protocol):
    """Fit on a panel; predict every series' next ``horizon`` days with quantiles."""

    name: str

    def fit(self, panel: Panel) -> Self: ...

    def predict(
        self,
        horizon: int,
        *,
        future: FutureCovariates | None = None,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
    ) -> Forecast: ...

    def save(self, directory: str | Path) -> None: ...

    @classmethod
    def load(cls, directory: str | Path) -> Self: ...
