"""The regression design of one series: log price, promotion, and the seasonal controls.

Columns, in order: intercept, centred log price (its coefficient is the elasticity), the
promotion dummy (so that a promotion's own lift, badge and all, is not read as price
response), day-of-week dummies, a polynomial trend and yearly Fourier terms. By default a
market index enters as an offset: the log of what every *other* series sold that day,
relative to its mean, which carries the shared calendar (weekends, festivals, the yearly
wave) without spending parameters of the series on it. The linear trend stays on by
default as a guard against a product's own drift (ageing products sold off cheaper), at a
price in precision when the price moves rarely: docs/ml/pricing.md measures both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from forecasting.base import Panel

PRICE = "log_price"
PROMO = "promo"


@dataclass(frozen=True)
class Controls:
    """Which seasonality controls enter each series' regression."""

    day_of_week: bool = True
    trend_degree: int = 1
    # None: one harmonic when a year of days is there and no market index carries the year.
    yearly_harmonics: int | None = None
    market_index: bool = True

    def harmonics(self, n_days: int) -> int:
        if self.yearly_harmonics is not None:
            return self.yearly_harmonics
        return 1 if n_days >= 365 and not self.market_index else 0


@dataclass(frozen=True)
class Gap:
    """Days without sales between two sales at different prices (or promotion states): the
    price changed on one of them, but on which is unknown. Each day has a row at the price
    before (``rows_before``) and one at the price after (``rows_after``), in day order."""

    rows_before: np.ndarray
    rows_after: np.ndarray


@dataclass(frozen=True)
class SeriesDesign:
    """The rows of one series that have a known price, ready for ``fit_poisson``."""

    x: np.ndarray  # (n, k)
    y: np.ndarray  # (n,)
    offset: np.ndarray  # (n,)
    names: tuple[str, ...]
    log_price: np.ndarray  # uncentred log price of the days whose price is certain
    day: np.ndarray  # (n,) the day of each row: a gap day has two rows
    gaps: tuple[Gap, ...] = ()

    @property
    def price_col(self) -> int:
        return self.names.index(PRICE)

    @property
    def promo_col(self) -> int | None:
        return self.names.index(PROMO) if PROMO in self.names else None

    @property
    def certain(self) -> np.ndarray:
        """Rows whose price is known for sure (not one of a gap day's two rows)."""
        out = np.ones(self.y.size, dtype=bool)
        for gap in self.gaps:
            out[gap.rows_before] = False
            out[gap.rows_after] = False
        return out


def market_offsets(units: np.ndarray) -> np.ndarray:
    """(n_series, n_days) log index of the other series' daily units (leave one out)."""
    total = units.sum(axis=0)
    others = total[None, :] - units + 0.5
    return np.asarray(np.log(others / others.mean(axis=1, keepdims=True)))


def calendar_columns(start: date, n_days: int, controls: Controls) -> dict[str, np.ndarray]:
    """The seasonal control columns over the whole panel calendar."""
    days = [start + timedelta(days=i) for i in range(n_days)]
    out: dict[str, np.ndarray] = {}
    if controls.day_of_week:
        weekday = np.array([d.weekday() for d in days])
        for wd in range(1, 7):  # Monday is the baseline
            out[f"dow_{wd}"] = (weekday == wd).astype(float)
    t = np.linspace(-1.0, 1.0, n_days) if n_days > 1 else np.zeros(n_days)
    for degree in range(1, controls.trend_degree + 1):
        out[f"trend_{degree}"] = np.polynomial.legendre.Legendre.basis(degree)(t)
    doy = np.array([d.timetuple().tm_yday for d in days], dtype=float)
    for h in range(1, controls.harmonics(n_days) + 1):
        angle = 2 * np.pi * h * doy / 365.25
        out[f"year_sin_{h}"] = np.sin(angle)
        out[f"year_cos_{h}"] = np.cos(angle)
    return out


def series_design(
    panel: Panel,
    row: int,
    calendar: dict[str, np.ndarray],
    offsets: np.ndarray | None,
    *,
    price_seen_on_sales: bool = False,
) -> SeriesDesign:
    """Design of series ``row`` over the days with a known, positive price.

    With ``price_seen_on_sales`` (prices from an orders export, carried over days without
    sales) a day without sales between two sales at different prices gets two rows, one
    per possible price: see ``Gap`` and ``pricing.elasticity``.
    """
    price, units = panel.price[row], panel.units[row]
    valid = np.isfinite(price) & (price > 0)
    if price_seen_on_sales:
        days, state_day, gaps = _sales_days(units, price, panel.promo[row], valid)
        promo_src = _carried(panel.promo[row], units > 0)
    else:
        days = state_day = np.flatnonzero(valid)
        gaps, promo_src = [], panel.promo[row]
    certain = np.ones(days.size, dtype=bool)
    for before, after in gaps:
        certain[before] = certain[after] = False
    log_price = np.log(price[state_day])
    centre = float(log_price[certain].mean()) if certain.any() else 0.0
    columns: list[tuple[str, np.ndarray]] = [
        ("const", np.ones(days.size)),
        (PRICE, log_price - centre),
    ]
    promo = promo_src[state_day].astype(float)
    if promo.size and np.ptp(promo) > 0:
        columns.append((PROMO, promo))
    for name, values in calendar.items():
        kept = values[days]
        # A dummy that never (or always) fires on the kept days is not identified.
        if kept.size and np.ptp(kept) > 0:
            columns.append((name, kept))
    return SeriesDesign(
        x=np.column_stack([c for _, c in columns]),
        y=units[days].astype(float),
        offset=offsets[row][days] if offsets is not None else np.zeros(days.size),
        names=tuple(n for n, _ in columns),
        log_price=log_price[certain],
        day=days,
        gaps=tuple(Gap(b, a) for b, a in gaps),
    )


def _sales_days(
    units: np.ndarray, price: np.ndarray, promo: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Rows of a series whose prices are seen on sale days only.

    Returns the day of each row, the sale day whose price and promotion state the row
    takes, and the gaps as (rows at the earlier state, rows at the later state).
    """
    n = units.size
    sold = (units > 0) & valid
    idx = np.arange(n)
    last = np.maximum.accumulate(np.where(sold, idx, -1))
    nxt = np.minimum.accumulate(np.where(sold, idx, n)[::-1])[::-1]
    differs = np.zeros(n, dtype=bool)
    inside = (last >= 0) & (nxt < n) & ~sold
    a, b = last[inside], nxt[inside]
    differs[inside] = (price[a] != price[b]) | (promo[a] != promo[b])
    # Before the first sale the price is unknown; after the last one it is carried.
    certain = valid & (last >= 0) & ~differs
    days, state = list(np.flatnonzero(certain)), list(np.where(sold, idx, last)[certain])
    gaps: list[tuple[np.ndarray, np.ndarray]] = []
    gap_days = np.flatnonzero(differs)
    for start in np.unique(last[gap_days]):
        members = gap_days[last[gap_days] == start]
        first = len(days)
        days += list(members) * 2
        state += [int(start)] * members.size + [int(nxt[members[0]])] * members.size
        before = np.arange(first, first + members.size)
        gaps.append((before, before + members.size))
    return np.array(days, dtype=np.int64), np.array(state, dtype=np.int64), gaps


def partial_sd(design: SeriesDesign) -> float:
    """SD of log price left after the other columns explain what they can.

    A price that moves only when a promotion runs is collinear with the promotion dummy:
    its raw spread is large, but none of it can be told apart from the promotion's lift.
    """
    rows = design.certain
    if rows.sum() < 2:
        return 0.0
    col = design.price_col
    others = np.delete(design.x[rows], col, axis=1)
    target = design.x[rows, col]
    coef, *_ = np.linalg.lstsq(others, target, rcond=None)
    return float(np.std(target - others @ coef))


def _carried(promo: np.ndarray, sold: np.ndarray) -> np.ndarray:
    """The promotion state of the last sale day, carried over the days without sales."""
    last = np.maximum.accumulate(np.where(sold, np.arange(sold.size), -1))
    return np.where(last >= 0, promo[np.maximum(last, 0)], False)
