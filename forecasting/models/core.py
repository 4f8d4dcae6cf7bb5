"""What the statistical forecasters share: fitted state, quantiles, save and load.

A model says how to fit its per-series state (``_fit``), which arrays hold it
(``_state``/``_restore``) and how to forecast the mean and the quantiles (``_forecast``);
this class checks the arguments, keeps the series ids and the last fitted day, and writes
and reads ``model.json`` + ``arrays.npz`` (loaded with ``allow_pickle=False``).

Every series is modelled from its first sale on: the zeros before a SKU was launched (or
first sold) are not demand, and would drag levels and intermittency estimates down.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from forecasting.base import (
    DEFAULT_QUANTILES,
    Forecast,
    FutureCovariates,
    ModelFormatError,
    NotFittedError,
    Panel,
)

FORMAT_VERSION = 1
META_FILE, ARRAYS_FILE = "model.json", "arrays.npz"


def read_metadata(directory: str | Path) -> dict[str, Any]:
    """The ``model.json`` of a saved model; ModelFormatError when absent or unreadable."""
    path = Path(directory) / META_FILE
    if not path.is_file():
        raise ModelFormatError(f"no {META_FILE} in {directory}")
    try:
        meta = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"{path} is not JSON") from exc
    if not isinstance(meta, dict):
        raise ModelFormatError(f"{path} is not a JSON object")
    return meta


def check_levels(quantiles: Sequence[float]) -> list[float]:
    """Distinct quantile levels in (0, 1), ascending."""
    levels = sorted({round(float(q), 6) for q in quantiles})
    if not all(0.0 < q < 1.0 for q in levels):
        raise ValueError("quantile levels must lie strictly between 0 and 1")
    return levels


def first_sale(units: np.ndarray) -> np.ndarray:
    """Per row, the column of the first positive value (n_days when there is none)."""
    sold = units > 0
    first: np.ndarray = np.where(sold.any(axis=1), sold.argmax(axis=1), units.shape[1])
    return first


def launched(units: np.ndarray) -> np.ndarray:
    """True from each row's first sale on."""
    return np.arange(units.shape[1])[None, :] >= first_sale(units)[:, None]


def residual_quantiles(
    point: np.ndarray, residuals: np.ndarray, levels: Sequence[float]
) -> dict[float, np.ndarray]:
    """point + the empirical quantile of each row's residuals (NaN = none), >= 0, ordered.

    ``residuals`` is (n, k) with one column per residual; a row without any keeps the point.
    """
    out: dict[float, np.ndarray] = {}
    has = ~np.isnan(residuals).all(axis=1)
    for q in levels:
        offset = np.zeros(len(point))
        if has.any():
            offset[has] = np.nanquantile(residuals[has], q, axis=1)
        out[q] = point + offset[:, None]
    return ordered(out)


def ordered(quantiles: dict[float, np.ndarray]) -> dict[float, np.ndarray]:
    """Quantiles clipped at zero and made non-decreasing in the level."""
    out: dict[float, np.ndarray] = {}
    running: np.ndarray | None = None
    for q in sorted(quantiles):
        value = np.maximum(np.asarray(quantiles[q], dtype=np.float64), 0.0)
        running = value if running is None else np.maximum(running, value)
        out[q] = running.copy()
    return out


class StatForecaster:
    """Base of the statistical models (implements forecasting.base.Forecaster)."""

    name: ClassVar[str] = ""

    def __init__(self, **params: Any) -> None:
        self.params: dict[str, Any] = params
        self.series_ids: np.ndarray = np.array([], dtype=str)
        self.end: date | None = None  # the last fitted day

    # -- what a model provides ------------------------------------------------------------
    def _fit(self, panel: Panel) -> None:
        raise NotImplementedError

    def _forecast(
        self, horizon: int, levels: list[float]
    ) -> tuple[np.ndarray, dict[float, np.ndarray]]:
        """Mean (n, horizon) and quantiles level -> (n, horizon)."""
        raise NotImplementedError

    def _state(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    # -- the interface --------------------------------------------------------------------
    def fit(self, panel: Panel) -> Self:
        if panel.n_days < 1:
            raise ValueError("cannot fit on a panel without days")
        if np.any(panel.units < 0) or not np.all(np.isfinite(panel.units)):
            raise ValueError("units must be finite and non-negative")
        self._fit(panel)
        self.series_ids = np.asarray(panel.series_ids).astype(str)
        self.end = panel.end
        return self

    def predict(
        self,
        horizon: int,
        *,
        future: FutureCovariates | None = None,  # univariate models ignore it
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
    ) -> Forecast:
        if self.end is None:
            raise NotFittedError(f"{self.name} is not fitted")
        if horizon < 1:
            raise ValueError("horizon must be at least 1")
        levels = check_levels(quantiles)
        mean, qs = self._forecast(horizon, levels)
        return Forecast(
            series_ids=self.series_ids.copy(),
            start=self.end + timedelta(days=1),
            mean=np.maximum(mean, 0.0),
            quantiles=ordered(qs),
        )

    def save(self, directory: str | Path) -> None:
        """``model.json`` (name, format version, params, calendar) + ``arrays.npz``."""
        if self.end is None:
            raise NotFittedError(f"{self.name} is not fitted")
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        arrays = {"series_ids": self.series_ids, **self._state()}
        np.savez(path / ARRAYS_FILE, allow_pickle=False, **arrays)
        meta = {
            "model": self.name,
            "format_version": FORMAT_VERSION,
            "params": self.params,
            "end": self.end.isoformat(),
            "n_series": len(self.series_ids),
        }
        (path / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        meta = read_metadata(directory)
        if meta.get("model") != cls.name or meta.get("format_version") != FORMAT_VERSION:
            raise ModelFormatError(
                f"{directory} holds {meta.get('model')!r} format "
                f"{meta.get('format_version')!r}, not {cls.name!r} format {FORMAT_VERSION}"
            )
        try:
            with np.load(Path(directory) / ARRAYS_FILE, allow_pickle=False) as npz:
                arrays = {key: npz[key] for key in npz.files}
        except (OSError, ValueError) as exc:
            raise ModelFormatError(f"{directory}: unreadable {ARRAYS_FILE}") from exc
        model = cls(**meta["params"])
        model.series_ids = arrays.pop("series_ids").astype(str)
        model.end = date.fromisoformat(meta["end"])
        model._restore(arrays)
        return model
