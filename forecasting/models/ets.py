"""Exponential smoothing (ETS) per series, the model chosen by AICc (statsforecast).

statsforecast's ``ets_f`` (C++ core, no numba, so nothing is compiled at run time) selects
error, trend and season types (``model="ZZZ"``: every admissible combination, additive
only when a series holds zeros) with a weekly season. What a forecast needs is kept per
series: the component letters, the smoothing parameters, the last state vector and the
residual variance; predictions rebuild statsforecast's model dict from these and call its
``forecast_ets``, whose prediction intervals (analytical, or 5,000 simulated paths from a
fixed seed for the multiplicative classes) give the quantiles. Forecasts and quantiles are
clipped at zero (demand is never negative).

A series with fewer than ``min_history`` days since its first sale, or on which every
admissible model fails, gets a flat forecast of its mean with normal intervals of its
variance (an ETS(A,N,N) with alpha 0); one that never sold is forecast as zeros.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

import numpy as np
from statsforecast import ets as sf_ets

from forecasting.base import Panel
from forecasting.models.core import StatForecaster, first_sale

_SIMPLE = "ANNN"
# statsforecast's functions are untyped: these are the signatures used here.
_ets_f: Callable[..., dict[str, Any]] = sf_ets.ets_f
_forecast_ets: Callable[..., dict[str, np.ndarray]] = sf_ets.forecast_ets


class ETSForecaster(StatForecaster):
    """AutoETS on every series from its first sale, weekly season."""

    name = "ets"

    def __init__(self, *, season: int = 7, model: str = "ZZZ", min_history: int = 14) -> None:
        if season < 1 or len(model) != 3 or min_history < 8:
            raise ValueError("season >= 1, a three-letter model, min_history >= 8")
        super().__init__(season=season, model=model, min_history=min_history)
        self._components = np.zeros(0, dtype="<U4")
        self._par = np.zeros((0, 4))  # alpha, beta, gamma, phi (NaN when absent)
        self._states = np.zeros((0, 2 + season))  # last state: level, [trend], [season]
        self._season = np.zeros(0, dtype=np.int64)  # m per series (1 without a season)
        self._sigma2 = np.zeros(0)

    def _fit(self, panel: Panel) -> None:
        n, m = panel.n_series, int(self.params["season"])
        self._components = np.full(n, _SIMPLE, dtype="<U4")
        self._par = np.full((n, 4), np.nan)
        self._states = np.zeros((n, 2 + m))
        self._season = np.ones(n, dtype=np.int64)
        self._sigma2 = np.zeros(n)
        self._par[:, 0] = 0.0
        for i, start in enumerate(first_sale(panel.units)):
            y = panel.units[i, start:].astype(np.float64)
            if len(y) > 0:
                self._fit_series(i, y)

    def _fit_series(self, i: int, y: np.ndarray) -> None:
        fitted = self._auto(y) if len(y) >= int(self.params["min_history"]) else None
        if fitted is None:  # the mean with its variance
            self._states[i, 0] = float(y.mean())
            self._sigma2[i] = statistics.pvariance(y.tolist()) if len(y) > 1 else 0.0
            return
        last = np.asarray(fitted["states"])[-1]
        self._components[i] = "".join(str(c) for c in fitted["components"][:4])
        self._par[i] = np.asarray(fitted["par"], dtype=np.float64)[:4]
        self._states[i, : len(last)] = last
        self._season[i] = int(fitted["m"])
        self._sigma2[i] = float(fitted["sigma2"])

    def _auto(self, y: np.ndarray) -> dict[str, Any] | None:
        try:
            out = _ets_f(y, m=int(self.params["season"]), model=str(self.params["model"]))
        except (ValueError, NotImplementedError, KeyError, ArithmeticError):
            return None  # no admissible model for this series
        return out if np.isfinite(out["sigma2"]) else None

    def _forecast(
        self, horizon: int, levels: list[float]
    ) -> tuple[np.ndarray, dict[float, np.ndarray]]:
        n = len(self._components)
        widths = sorted({round(abs(2.0 * q - 1.0) * 100.0, 6) for q in levels} - {0.0})
        mean = np.zeros((n, horizon))
        out = {q: np.zeros((n, horizon)) for q in levels}
        for i in range(n):
            fc = _forecast_ets(self._model_dict(i), horizon, level=widths or None)
            mean[i] = fc["mean"]
            for q in levels:
                width = round(abs(2.0 * q - 1.0) * 100.0, 6)
                key = "mean" if width == 0 else f"{'lo' if q < 0.5 else 'hi'}-{width}"
                out[q][i] = fc[key]
        bad = ~np.isfinite(mean).all(axis=1)
        mean[bad] = 0.0  # a diverging fit would be worse than no forecast
        for q in levels:
            out[q][bad] = 0.0
        return mean, out

    def _model_dict(self, i: int) -> dict[str, Any]:
        """statsforecast's fitted-model dict, rebuilt from what was kept."""
        comp = str(self._components[i])
        m = int(self._season[i])
        width = 1 + (comp[1] != "N") + (m if comp[2] != "N" else 0)
        return {
            "components": list(comp),
            "par": self._par[i].copy(),
            "states": self._states[i : i + 1, :width].copy(),
            "m": m,
            "sigma2": float(self._sigma2[i]),
            "residuals": np.zeros(0),
            "fitted": np.zeros(0),
            "distribution": "normal",
        }

    def _state(self) -> dict[str, np.ndarray]:
        return {
            "components": self._components,
            "par": self._par,
            "states": self._states,
            "season": self._season,
            "sigma2": self._sigma2,
        }

    def _restore(self, arrays: dict[str, Any]) -> None:
        self._components = np.asarray(arrays["components"]).astype("<U4")
        self._par = np.asarray(arrays["par"], dtype=np.float64)
        self._states = np.asarray(arrays["states"], dtype=np.float64)
        self._season = np.asarray(arrays["season"], dtype=np.int64)
        self._sigma2 = np.asarray(arrays["sigma2"], dtype=np.float64)
