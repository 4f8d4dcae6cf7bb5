"""The LSTM forecaster's data: per-series statistics, training windows and predict inputs.

A fitted panel becomes padded feature arrays (``context_length`` days of zeros, flagged as
outside the history, before column 0) from which windows are gathered by (series, origin),
where an origin is a window's last context day. Predict reads only the last
``context_length`` days of each series (``SeriesState``), which is also what is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import torch

from forecasting.base import FutureCovariates, Panel
from forecasting.models.lstm_net import (
    N_CALENDAR,
    calendar_features,
    dynamic_features,
    history_mask,
    price_ratio,
)

Pairs = tuple[np.ndarray, np.ndarray]  # (series rows, origin days)


@dataclass
class SeriesState:
    """What predict needs from the fitted panel: the last context days and per-series stats."""

    series_ids: np.ndarray  # str (n,)
    tail_start: date  # the date of tail column 0 (may precede the panel: left padding)
    tail_units: np.ndarray  # (n, L) float64, 0 on padding
    tail_price: np.ndarray  # (n, L) float64, NaN where unknown
    tail_promo: np.ndarray  # (n, L) bool
    tail_active: np.ndarray  # (n, L) bool, False on padding and before the first sale
    scale: np.ndarray  # (n,) mean units on sale days (1 for a series without sales)
    ref_price: np.ndarray  # (n,) median known price (NaN if none)
    static: np.ndarray  # (n, 1) float32 standardised log scale

    @property
    def fitted_end(self) -> date:
        return self.tail_start + timedelta(days=self.tail_units.shape[1] - 1)

    @property
    def last_price(self) -> np.ndarray:
        return self.tail_price[:, -1]

    @property
    def has_history(self) -> np.ndarray:
        return np.asarray(self.tail_active.any(axis=1))


@dataclass
class TrainData:
    """The fitted panel as padded feature arrays, ready for window gathering."""

    dynamic: np.ndarray  # (n, L + T, N_DYNAMIC); panel day d is column d + L
    calendar: np.ndarray  # (L + T + H, N_CALENDAR); same columns
    target: np.ndarray  # (n, T) float32 units / scale
    static: np.ndarray  # (n, 1) float32


def prepare(panel: Panel, n_ctx: int, n_out: int) -> tuple[SeriesState, TrainData]:
    """Per-series statistics, the predict-time tail and the padded training arrays."""
    n = panel.n_series
    units = np.nan_to_num(np.asarray(panel.units, dtype=np.float64), nan=0.0)
    price = np.asarray(panel.price, dtype=np.float64)
    promo = np.asarray(panel.promo, dtype=bool)
    active = history_mask(units, price)
    sale_days = (units > 0).sum(axis=1)
    scale = np.where(sale_days > 0, units.sum(axis=1) / np.maximum(sale_days, 1), 1.0)
    known = np.where(active, price, np.nan)
    ref_price = np.full(n, np.nan)
    has_price = ~np.isnan(known).all(axis=1)
    ref_price[has_price] = np.nanmedian(known[has_price], axis=1)
    static = standardised_log(scale, sale_days > 0)[:, None]

    pad = np.zeros((n, n_ctx))
    p_units = np.concatenate([pad, units], axis=1)
    p_price = np.concatenate([pad + np.nan, price], axis=1)
    p_promo = np.concatenate([pad.astype(bool), promo], axis=1)
    p_active = np.concatenate([pad.astype(bool), active], axis=1)
    first = panel.start - timedelta(days=n_ctx)
    data = TrainData(
        dynamic=dynamic_features(p_units, p_price, p_promo, p_active, scale, ref_price),
        calendar=calendar_features(first, n_ctx + panel.n_days + n_out),
        target=(units / scale[:, None]).astype(np.float32),
        static=static,
    )
    tail = slice(panel.n_days, panel.n_days + n_ctx)
    series = SeriesState(
        np.asarray(panel.series_ids, dtype=str), panel.end - timedelta(days=n_ctx - 1),
        p_units[:, tail], p_price[:, tail], p_promo[:, tail], p_active[:, tail],
        scale, ref_price, static,
    )  # fmt: skip
    return series, data


def origins(panel: Panel, n_out: int, val_origins: int, min_history: int) -> tuple[Pairs, Pairs]:
    """(series, origin day) pairs for training and validation; an origin is the last
    context day. Validation origins are the last ``val_origins``; training targets end
    on or before the first of them."""
    n_val = max(val_origins, 0)
    active = history_mask(np.nan_to_num(panel.units), panel.price)
    first = np.where(active.any(axis=1), active.argmax(axis=1), panel.n_days)
    earliest = first + min_history - 1
    last_origin = panel.n_days - 1 - n_out
    val = pairs(earliest, last_origin - n_val + 1, last_origin) if n_val else empty_pairs()
    train = pairs(earliest, 0, last_origin - n_val + 1 - n_out if n_val else last_origin)
    if len(train[0]) == 0:
        raise ValueError(
            f"no training window: {panel.n_days} days is too short for horizon {n_out}, "
            f"{n_val} validation origins and {min_history} days of history"
        )
    return train, val


def window_batch(
    data: TrainData,
    series: np.ndarray,
    origin: np.ndarray,
    n_ctx: int,
    n_out: int,
    *,
    hold_covariates: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """past, future, series, static, target tensors for windows ending at ``origin``.

    With ``hold_covariates`` the horizon's price and promotion are the origin day's (what
    predict assumes without planned covariates), else the ones observed on those days."""
    past_cols = origin[:, None] + np.arange(1, n_ctx + 1)  # panel day d: column d + n_ctx
    future_cols = origin[:, None] + n_ctx + np.arange(1, n_out + 1)
    rows = series[:, None]
    past = np.concatenate([data.dynamic[rows, past_cols], data.calendar[past_cols]], axis=2)
    covariate_cols = past_cols[:, -1:].repeat(n_out, axis=1) if hold_covariates else future_cols
    future = np.concatenate(
        [data.dynamic[rows, covariate_cols][..., 2:4], data.calendar[future_cols]], axis=2
    )
    target = data.target[rows, future_cols - n_ctx]
    return (
        tensor(past), tensor(future), tensor(series.astype(np.int64)),
        tensor(data.static[series]), tensor(target),
    )  # fmt: skip


def predict_inputs(
    series: SeriesState, horizon: int, future: FutureCovariates | None, n_ctx: int, n_out: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """past (n, L, dyn+cal) and future (n, H, N_FUTURE) inputs from the fitted tail."""
    n = len(series.series_ids)
    price, promo = future_arrays(series, horizon, n_out, future)
    calendar = calendar_features(series.tail_start, n_ctx + n_out)
    dynamic = dynamic_features(
        series.tail_units, series.tail_price, series.tail_promo, series.tail_active,
        series.scale, series.ref_price,
    )  # fmt: skip
    past = np.concatenate(
        [dynamic, np.broadcast_to(calendar[:n_ctx], (n, n_ctx, N_CALENDAR))], axis=2
    )
    fut = np.concatenate(
        [
            price_ratio(price, series.ref_price)[..., None],
            promo[..., None],
            np.broadcast_to(calendar[n_ctx:], (n, n_out, N_CALENDAR)),
        ],
        axis=2,
    ).astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(past)), torch.from_numpy(fut)


def standardised_log(scale: np.ndarray, has_sales: np.ndarray) -> np.ndarray:
    """(log scale - mean) / std over series with sales, as float32; 0 for the others."""
    logs = np.log(scale)
    if not has_sales.any():
        return np.zeros_like(logs, dtype=np.float32)
    mean, std = logs[has_sales].mean(), logs[has_sales].std()
    out = np.where(has_sales, (logs - mean) / (std if std > 1e-6 else 1.0), 0.0)
    return out.astype(np.float32)


def pairs(earliest: np.ndarray, low: int, high: int) -> Pairs:
    """Every (series, origin) with max(low, earliest[series]) <= origin <= high."""
    begin = np.maximum(earliest, low)
    counts = np.maximum(high - begin + 1, 0)
    series = np.repeat(np.arange(len(earliest)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return series, np.repeat(begin, counts) + offsets


def at(windows: Pairs, rows: Any) -> Pairs:
    """The (series, origin) pairs at ``rows``."""
    return windows[0][rows], windows[1][rows]


def tensor(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array))


def empty_pairs() -> Pairs:
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)


def future_arrays(
    series: SeriesState, horizon: int, fitted_horizon: int, future: FutureCovariates | None
) -> Pairs:
    """Prices and promotions for the fitted horizon: given ones (NaN price = last price),
    else the last price and no promotion; days past ``horizon`` repeat the last given day."""
    n = len(series.series_ids)
    last = series.last_price[:, None]
    if future is None:
        return np.repeat(last, fitted_horizon, axis=1), np.zeros((n, fitted_horizon))
    price = np.asarray(future.price, dtype=np.float64)
    promo = np.asarray(future.promo, dtype=np.float64)
    if price.shape[0] != n or promo.shape[0] != n or min(price.shape[1], promo.shape[1]) < horizon:
        raise ValueError(f"future covariates must be ({n}, >= {horizon})")
    price, promo = price[:, :horizon], promo[:, :horizon]
    price = np.where(np.isnan(price), last, price)
    pad = fitted_horizon - horizon
    return (
        np.concatenate([price, np.repeat(price[:, -1:], pad, axis=1)], axis=1),
        np.concatenate([promo, np.repeat(promo[:, -1:], pad, axis=1)], axis=1),
    )
