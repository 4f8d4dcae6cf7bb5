"""The LSTM forecaster's network and the features it reads (numpy in, torch inside).

Per day the encoder reads the series' own units scaled by its typical sale size (as
``log1p(units / scale)``), whether the day is part of the series' history (0 for left
padding and for days before its first sale), the price relative to the series' typical
price (log ratio), the promotion flag and the calendar; a learned series embedding and the
series' standardised log scale are appended to every step. The decoder is MQ-RNN's: a
global MLP turns the last hidden state into one context per horizon step, and a local MLP
shared by all steps reads that context with the step's planned price, promotion and
calendar, and returns the quantiles plus the log of the mean. Quantiles are a free lowest
value plus cumulative softplus increments, so they never cross; the loss reads them as they
are (a lowest quantile may sit below 0, which keeps its gradient alive on the many zero
days of intermittent series) and predictions clip them at 0, so a quantile whose optimum is
0 comes out as exactly 0.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import torch
from torch import nn

N_CALENDAR = 10  # day of week one-hot (7), day of year sin/cos (2), month (1)
N_DYNAMIC = 4  # log1p(scaled units), is-history flag, log price ratio, promotion
N_FUTURE = 2 + N_CALENDAR  # log price ratio, promotion, calendar
PRICE_RATIO_CLIP = 3.0  # |log ratio| beyond e^3 is a data error, not a price
LOG_MEAN_MIN, LOG_MEAN_MAX = -20.0, 12.0  # keeps exp() finite for a wild initial output


def calendar_features(first: date, n_days: int) -> np.ndarray:
    """``(n_days, N_CALENDAR)`` float32 for the days from ``first`` on."""
    days = np.datetime64(first, "D") + np.arange(n_days)
    epoch_days = days.astype(np.int64)
    dow = (epoch_days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    day_of_year = (days - days.astype("datetime64[Y]")).astype(np.int64)
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    angle = 2.0 * np.pi * day_of_year / 365.25
    out = np.zeros((n_days, N_CALENDAR), dtype=np.float32)
    out[np.arange(n_days), dow] = 1.0
    out[:, 7] = np.sin(angle)
    out[:, 8] = np.cos(angle)
    out[:, 9] = month / 5.5 - 1.0
    return out


def history_mask(units: np.ndarray, price: np.ndarray) -> np.ndarray:
    """True from a series' first known price (or first sale) on: the days it was listed."""
    known = ~np.isnan(price) | (units > 0)
    return np.logical_or.accumulate(known, axis=1)


def price_ratio(price: np.ndarray, ref_price: np.ndarray) -> np.ndarray:
    """log(price / the series' typical price), clipped; 0 where either is unknown."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log(price / ref_price[:, None])
    ratio = np.where(np.isfinite(ratio), ratio, 0.0)
    return np.clip(ratio, -PRICE_RATIO_CLIP, PRICE_RATIO_CLIP)


def dynamic_features(
    units: np.ndarray,
    price: np.ndarray,
    promo: np.ndarray,
    active: np.ndarray,
    scale: np.ndarray,
    ref_price: np.ndarray,
) -> np.ndarray:
    """``(n, days, N_DYNAMIC)`` float32; everything is 0 on days outside the history."""
    out = np.zeros((*units.shape, N_DYNAMIC), dtype=np.float32)
    out[..., 0] = np.log1p(np.maximum(units, 0.0) / scale[:, None])
    out[..., 1] = 1.0
    out[..., 2] = price_ratio(price, ref_price)
    out[..., 3] = promo
    out[~active] = 0.0
    return out


class QuantileLSTM(nn.Module):
    """Encoder LSTM + MQ-RNN style decoder: quantiles and log-mean for every horizon step."""

    def __init__(
        self,
        *,
        n_series: int,
        horizon: int,
        n_quantiles: int,
        hidden_size: int,
        num_layers: int,
        dropout: float,
        embedding_dim: int,
        context_size: int,
        decoder_hidden: int,
    ) -> None:
        super().__init__()
        n_static = embedding_dim + 1  # embedding + standardised log scale
        self.horizon, self.context_size, self.n_quantiles = horizon, context_size, n_quantiles
        self.embed = nn.Embedding(n_series, embedding_dim)
        self.encoder = nn.LSTM(
            N_DYNAMIC + N_CALENDAR + n_static,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.global_mlp = nn.Sequential(
            nn.Linear(hidden_size + n_static, horizon * context_size), nn.ReLU()
        )
        self.local_mlp = nn.Sequential(
            nn.Linear(context_size + N_FUTURE, decoder_hidden),
            nn.ReLU(),
            nn.Linear(decoder_hidden, n_quantiles + 1),
        )

    def forward(
        self, past: torch.Tensor, future: torch.Tensor, series: torch.Tensor, static: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """past (B, L, dyn+cal), future (B, H, N_FUTURE), series (B,), static (B, 1) ->
        quantiles (B, H, Q) non-decreasing in Q (clip at 0 to use), log-mean (B, H); in
        scaled units."""
        batch, steps = past.shape[0], past.shape[1]
        side = torch.cat([self.embed(series), static], dim=1)
        _, (hidden, _) = self.encoder(
            torch.cat([past, side[:, None, :].expand(batch, steps, side.shape[1])], dim=2)
        )
        last = self.dropout(hidden[-1])
        context = self.global_mlp(torch.cat([last, side], dim=1))
        context = context.view(batch, self.horizon, self.context_size)
        raw = self.local_mlp(torch.cat([context, future], dim=2))
        steps_up = nn.functional.softplus(raw[..., 1 : self.n_quantiles])
        quantiles = torch.cat([raw[..., :1], raw[..., :1] + torch.cumsum(steps_up, dim=2)], dim=2)
        log_mean = raw[..., self.n_quantiles].clamp(LOG_MEAN_MIN, LOG_MEAN_MAX)
        return quantiles, log_mean


def forecast_loss(
    quantiles: torch.Tensor, log_mean: torch.Tensor, target: torch.Tensor, levels: torch.Tensor
) -> torch.Tensor:
    """Pinball loss averaged over the levels + Poisson deviance of the mean (both scaled).

    The Poisson term is a proper scoring rule for the mean that is gentler than squared
    error with the occasional bulk order."""
    error = target[..., None] - quantiles
    pinball = torch.maximum(levels * error, (levels - 1.0) * error).mean()
    poisson = (torch.exp(log_mean) - target * log_mean).mean()
    return pinball + poisson
