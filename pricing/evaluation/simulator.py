"""A small, pure demand simulator with known elasticities, for tests of recovery.

Each series belongs to a group whose mean elasticity is drawn first; its own elasticity
scatters around it. Its regular price moves every few weeks, promotions cut it for a few
days (and lift demand beyond the cut, like a badge), and a shared weekly and yearly rhythm
multiplies demand. Orders are Poisson and each order buys 1-3 units, so daily units are
over-dispersed counts with mean ``base * season * (price / base_price) ** e * lift``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from forecasting.base import Panel

_WEEKLY = (0.92, 0.90, 0.95, 0.97, 1.05, 1.12, 1.09)  # Monday first
_QUANTITIES = np.array([1, 2, 3])
_QUANTITY_P = np.array([0.85, 0.10, 0.05])


@dataclass(frozen=True)
class SimulationSpec:
    n_series: int = 60
    n_days: int = 180
    start: date = date(2025, 1, 1)
    n_groups: int = 4
    group_mean_range: tuple[float, float] = (-2.5, -1.0)
    within_group_sd: float = 0.4
    mean_units_range: tuple[float, float] = (0.5, 20.0)  # daily units at base price
    price_change_every: tuple[int, int] = (14, 45)
    price_change_range: tuple[float, float] = (0.8, 1.25)
    promo_every: tuple[int, int] = (20, 60)
    promo_length: tuple[int, int] = (3, 8)
    promo_discount: tuple[float, float] = (0.10, 0.35)
    promo_lift: float = 1.25
    yearly_amplitude: float = 0.2
    fixed_price_share: float = 0.0  # series whose regular price never changes
    # Price known only on days with a sale, carried forward (as an orders export gives it).
    price_from_sales_only: bool = False


@dataclass(frozen=True)
class SimulatedPanel:
    panel: Panel
    elasticity: np.ndarray  # (n_series,) the truth
    groups: np.ndarray  # (n_series,) str labels
    group_means: dict[str, float]
    base_units: np.ndarray  # (n_series,) daily units at base price, before seasonality
    true_price: np.ndarray  # (n_series, n_days) the price actually charged


def simulate(spec: SimulationSpec, seed: int) -> SimulatedPanel:
    """Simulate ``spec`` with ``numpy.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    group_mean = rng.uniform(*spec.group_mean_range, size=spec.n_groups)
    group_of = rng.integers(0, spec.n_groups, size=spec.n_series)
    elasticity = group_mean[group_of] + rng.normal(0, spec.within_group_sd, spec.n_series)
    low, high = np.log(spec.mean_units_range)
    base_units = np.exp(rng.uniform(low, high, size=spec.n_series))
    season = _season(spec)
    price = np.empty((spec.n_series, spec.n_days))
    promo = np.zeros((spec.n_series, spec.n_days), dtype=bool)
    units = np.empty((spec.n_series, spec.n_days))
    for i in range(spec.n_series):
        fixed = rng.random() < spec.fixed_price_share
        regular = _regular_prices(rng, spec, fixed)
        price[i], promo[i] = _promotions(rng, spec, regular)
        mean = base_units[i] * season * price[i] ** elasticity[i]
        mean = mean * np.where(promo[i], spec.promo_lift, 1.0)
        units[i] = _units(rng, mean)
    observed, seen_promo = price, promo
    if spec.price_from_sales_only:
        observed, seen_promo = _observed_price(price, units), promo & (units > 0)
    labels = np.array([f"g{g}" for g in group_of])
    ids = np.array([f"s{i:04d}" for i in range(spec.n_series)])
    return SimulatedPanel(
        panel=Panel(ids, spec.start, units, observed * 100.0, seen_promo),
        elasticity=elasticity,
        groups=labels,
        group_means={f"g{g}": float(m) for g, m in enumerate(group_mean)},
        base_units=base_units,
        true_price=price * 100.0,
    )


def _season(spec: SimulationSpec) -> np.ndarray:
    days = [spec.start + timedelta(days=i) for i in range(spec.n_days)]
    weekly = np.array([_WEEKLY[d.weekday()] for d in days])
    doy = np.array([d.timetuple().tm_yday for d in days], dtype=float)
    yearly = 1 + spec.yearly_amplitude * np.cos(2 * np.pi * (doy - 320) / 365.25)
    return np.asarray(weekly * yearly)


def _regular_prices(rng: np.random.Generator, spec: SimulationSpec, fixed: bool) -> np.ndarray:
    """Relative regular price (1 = base) on each day."""
    out = np.ones(spec.n_days)
    if fixed:
        return out
    day = int(rng.integers(*spec.price_change_every))
    while day < spec.n_days:
        out[day:] = rng.uniform(*spec.price_change_range)
        day += int(rng.integers(*spec.price_change_every))
    return out


def _promotions(
    rng: np.random.Generator, spec: SimulationSpec, regular: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    price, promo = regular.copy(), np.zeros(spec.n_days, dtype=bool)
    day = int(rng.integers(0, spec.promo_every[1]))
    while day < spec.n_days:
        length = int(rng.integers(spec.promo_length[0], spec.promo_length[1] + 1))
        share = rng.uniform(*spec.promo_discount)
        last = min(day + length, spec.n_days)
        price[day:last] = regular[day:last] * (1 - share)
        promo[day:last] = True
        day = last + int(rng.integers(*spec.promo_every))
    return price, promo


def _units(rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
    """Poisson orders of 1-3 units each, scaled so that the mean is ``mean``."""
    orders = rng.poisson(mean / float(_QUANTITIES @ _QUANTITY_P))
    by_quantity = rng.multinomial(orders, _QUANTITY_P)  # (days, 3) orders of 1, 2, 3 units
    return np.asarray(by_quantity @ _QUANTITIES, dtype=np.float64)


def _observed_price(price: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Price seen only on sale days, carried forward; NaN before a series' first sale."""
    out = np.full(price.shape, np.nan)
    for i in range(price.shape[0]):
        last = np.nan
        for t in range(price.shape[1]):
            if units[i, t] > 0:
                last = price[i, t]
            out[i, t] = last
    return out
