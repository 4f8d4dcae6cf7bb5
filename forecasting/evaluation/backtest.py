"""Rolling-origin backtest: refit at each origin, forecast the next window, score it.

With ``windows=3`` and ``horizon=28`` the origins are the panel's end minus 84, 56 and 28
days: each model is fitted on every day before an origin (``panel.head(origin)``) and
forecasts the ``horizon`` days from it, which are then compared with what sold.

Per series and window: RMSSE (scale: the in-sample one-day naive, M5's convention), MASE
(scale: the in-sample seasonal naive, season 7) and a scaled pinball loss (the mean
pinball loss over the quantile levels divided by the one-day naive MAE). Each scale is
taken over the training part from the series' first sale; a series that has not sold
before an origin, or whose training part is constant, has no scaled score in that window.
Over all series and windows: WAPE, bias and the coverage of the central intervals.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from forecasting.base import DEFAULT_QUANTILES, Forecast, Forecaster, FutureCovariates, Panel
from forecasting.evaluation import metrics
from forecasting.models.core import first_sale

MIN_TRAIN_DAYS = 14


@dataclass(frozen=True)
class BacktestConfig:
    """Windows and what is measured."""

    horizon: int = 28
    windows: int = 3
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    intervals: tuple[float, ...] = (0.8, 0.9)  # central coverages reported
    rmsse_season: int = 1
    mase_season: int = 7
    # Pass the window's observed prices and promotions to predict. They are derived from
    # the sales themselves (a new price appears on a day something sold), so they leak a
    # little of the answer: off by default.
    future_covariates: bool = False


def origins(n_days: int, horizon: int, windows: int) -> list[int]:
    """Columns where each window starts (the first forecast day), oldest first."""
    if horizon < 1 or windows < 1:
        raise ValueError("horizon and windows must be positive")
    first = n_days - horizon * windows
    if first < MIN_TRAIN_DAYS:
        raise ValueError(
            f"{n_days} days cannot hold {windows} windows of {horizon} days after "
            f"{MIN_TRAIN_DAYS} training days"
        )
    return [first + horizon * w for w in range(windows)]


@dataclass
class WindowResult:
    """One window's scores: per series, and the totals over every series and day."""

    origin: date
    rmsse: np.ndarray  # (n_series,), NaN where undefined
    mase: np.ndarray
    spl: np.ndarray
    abs_error: float
    actual: float
    forecast: float
    covered: dict[float, int]  # central coverage -> actuals inside the interval
    points: int
    fit_seconds: float = 0.0
    predict_seconds: float = 0.0


@dataclass
class ModelResult:
    """Every window of one model."""

    name: str
    series_ids: np.ndarray
    windows: list[WindowResult] = field(default_factory=list)

    def per_series(self, metric: str) -> np.ndarray:
        """A metric per series, averaged over the windows where it is defined."""
        stacked = np.vstack([getattr(w, metric) for w in self.windows])
        defined = ~np.isnan(stacked)
        total = np.where(defined, stacked, 0.0).sum(axis=0)
        count = defined.sum(axis=0)
        mean: np.ndarray = np.divide(total, count, out=np.full(len(total), np.nan), where=count > 0)
        return mean

    def summary(self) -> dict[str, float]:
        """The aggregates of the report (means over series; totals over everything)."""
        actual = sum(w.actual for w in self.windows)
        out = {
            "rmsse": _nanmean(self.per_series("rmsse")),
            "mase": _nanmean(self.per_series("mase")),
            "spl": _nanmean(self.per_series("spl")),
            "wape": sum(w.abs_error for w in self.windows) / actual if actual else float("nan"),
            "bias": (sum(w.forecast for w in self.windows) - actual) / actual
            if actual
            else float("nan"),
            "series_scored": int((~np.isnan(self.per_series("rmsse"))).sum()),
            "fit_seconds": sum(w.fit_seconds for w in self.windows),
            "predict_seconds": sum(w.predict_seconds for w in self.windows),
        }
        points = sum(w.points for w in self.windows)
        for c in self.windows[0].covered if self.windows else ():
            out[f"coverage_{round(c * 100)}"] = sum(w.covered[c] for w in self.windows) / points
        return out


def _nanmean(values: np.ndarray) -> float:
    finite = values[~np.isnan(values)]
    return float(finite.mean()) if len(finite) else float("nan")


def score_window(
    panel: Panel, origin: int, forecast: Forecast, config: BacktestConfig
) -> WindowResult:
    """Scores of a forecast made at column ``origin`` against the panel's actuals."""
    h = forecast.horizon
    actual = panel.units[:, origin : origin + h]
    day = panel.start + timedelta(days=origin)
    if actual.shape != forecast.mean.shape or forecast.start != day:
        raise ValueError("the forecast does not cover the window")
    if not np.array_equal(forecast.series_ids, panel.series_ids):
        raise ValueError("the forecast's series are not the panel's")
    starts = first_sale(panel.units[:, :origin])
    n = panel.n_series
    rmsse, mase, spl = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    for i in range(n):
        train = panel.units[i, starts[i] : origin]
        if len(train) == 0:
            continue
        a, f = actual[i], forecast.mean[i]
        rmsse[i] = metrics.rmsse(a, f, train, config.rmsse_season)
        mase[i] = metrics.mase(a, f, train, config.mase_season)
        scale = metrics.naive_scale(train, config.rmsse_season)
        if scale > 0:
            losses = [
                metrics.pinball_loss(a, forecast.quantiles[q][i], q) for q in config.quantiles
            ]
            spl[i] = float(np.mean(losses)) / scale
    covered = {}
    for c in config.intervals:
        low, high = forecast.interval(c)
        covered[c] = int(((actual >= low) & (actual <= high)).sum())
    return WindowResult(
        origin=day,
        rmsse=rmsse,
        mase=mase,
        spl=spl,
        abs_error=float(np.abs(actual - forecast.mean).sum()),
        actual=float(actual.sum()),
        forecast=float(forecast.mean.sum()),
        covered=covered,
        points=int(actual.size),
    )


def backtest(
    name: str, make: Callable[[], Forecaster], panel: Panel, config: BacktestConfig | None = None
) -> ModelResult:
    """Refit a fresh model (``make()``) at every origin and score its forecasts."""
    cfg = config or BacktestConfig()
    levels = set(cfg.quantiles)
    for c in cfg.intervals:
        levels |= {round((1 - c) / 2, 6), round(1 - (1 - c) / 2, 6)}
    result = ModelResult(name, panel.series_ids)
    for origin in origins(panel.n_days, cfg.horizon, cfg.windows):
        model = make()
        t0 = time.perf_counter()
        model.fit(panel.head(origin))
        t1 = time.perf_counter()
        future = None
        if cfg.future_covariates:
            window = panel.window(origin, cfg.horizon)
            future = FutureCovariates(price=window.price, promo=window.promo)
        forecast = model.predict(cfg.horizon, future=future, quantiles=sorted(levels))
        t2 = time.perf_counter()
        scored = score_window(panel, origin, forecast, cfg)
        scored.fit_seconds, scored.predict_seconds = t1 - t0, t2 - t1
        result.windows.append(scored)
    return result
