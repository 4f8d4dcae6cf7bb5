"""Reorder points and order quantities per SKU and warehouse from a demand forecast.

A periodic-review, order-up-to policy. An order placed today arrives after ``lead_time``
days, and the next chance to order comes ``review_period`` days later, so:

- lead-time demand: the sum of the daily mean forecasts of the first ``lead_time`` days,
  and its standard deviation (below);
- safety stock = z * sigma of lead-time demand, z the standard normal quantile of the
  cycle service level (the probability of no stock-out in a replenishment cycle);
- reorder point = lead-time demand + safety stock;
- order-up-to level = reorder point + the mean demand of the ``review_period`` days after
  the lead time; the suggested order is that level minus stock on hand and on order,
  rounded up to the minimum order quantity and to whole packs, and never negative.

Aggregating daily quantiles (the assumption): each day's demand is taken as normal with
the forecast mean and a standard deviation read from the upper side of its interval,
``sigma_d = (q_p - mean) / z_p`` for the highest quantile level p >= 0.75 the forecast
holds (the upper side is the one that causes stock-outs and, unlike the lower one, is not
cut off at zero); days are independent, so ``sigma_L = sqrt(sum sigma_d^2)``. Without
quantiles the daily variance is taken to equal the mean (Poisson). Independence
understates the spread when forecast errors persist across days (a wrong level), and the
normal approximation is rough for very intermittent SKUs; the safety stock covers the
lead time only (the review period's demand enters at its mean).

Plain dataclasses in and out; quantities are units (ints), demand is float.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from forecasting.base import Forecast

MIN_SIGMA_LEVEL = 0.75


@dataclass(frozen=True)
class DailyDemand:
    """A SKU's forecast daily demand at one warehouse: mean and standard deviation."""

    mean: tuple[float, ...]
    sigma: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.mean) != len(self.sigma):
            raise ValueError("mean and sigma differ in length")
        if any(not (v >= 0 and math.isfinite(v)) for v in (*self.mean, *self.sigma)):
            raise ValueError("daily mean and sigma must be finite and non-negative")


@dataclass(frozen=True)
class StockPosition:
    """What a warehouse holds of a SKU and how it is replenished."""

    sku_id: str
    warehouse_id: str
    on_hand: int
    on_order: int = 0
    lead_time_days: int = 7
    review_period_days: int = 7
    service_level: float = 0.95  # cycle service level
    moq: int = 1  # minimum order quantity
    pack_size: int = 1

    def __post_init__(self) -> None:
        if self.lead_time_days < 0 or self.review_period_days < 0:
            raise ValueError("lead time and review period must be >= 0 days")
        if not 0.5 <= self.service_level < 1.0:
            raise ValueError("service level must lie in [0.5, 1)")
        if self.moq < 1 or self.pack_size < 1 or self.on_order < 0:
            raise ValueError("moq and pack size must be >= 1, on order >= 0")


@dataclass(frozen=True)
class ReplenishmentPlan:
    """The policy's numbers for one SKU at one warehouse."""

    sku_id: str
    warehouse_id: str
    lead_time_demand: float
    lead_time_sigma: float
    safety_stock: float
    reorder_point: float
    review_period_demand: float
    order_up_to: float
    inventory_position: int  # on hand + on order
    order_quantity: int
    below_reorder_point: bool  # the position no longer covers the lead time


def daily_demand(forecast: Forecast, row: int, *, share: float = 1.0) -> DailyDemand:
    """Row ``row`` of a forecast as daily mean and sigma (see the module docstring).

    ``share`` is the part of the SKU's demand this warehouse serves, taken as a fixed
    fraction of every day (mean and sigma both scale by it).
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError("share must lie in [0, 1]")
    mean = np.maximum(np.asarray(forecast.mean[row], dtype=np.float64), 0.0)
    upper = [q for q in forecast.quantiles if q >= MIN_SIGMA_LEVEL]
    if upper:
        level = max(upper)
        z = NormalDist().inv_cdf(level)
        sigma = np.maximum(np.asarray(forecast.quantiles[level][row]) - mean, 0.0) / z
    else:
        sigma = np.sqrt(mean)
    return DailyDemand(
        tuple(float(v) for v in mean * share), tuple(float(v) for v in sigma * share)
    )


def plan(position: StockPosition, demand: DailyDemand) -> ReplenishmentPlan:
    """Safety stock, reorder point and the suggested order for one SKU and warehouse."""
    lead, review = position.lead_time_days, position.review_period_days
    if lead + review > len(demand.mean):
        raise ValueError(
            f"the forecast covers {len(demand.mean)} days, lead time + review need {lead + review}"
        )
    lt_mean = math.fsum(demand.mean[:lead])
    lt_sigma = math.sqrt(math.fsum(s * s for s in demand.sigma[:lead]))
    safety = NormalDist().inv_cdf(position.service_level) * lt_sigma
    reorder_point = lt_mean + safety
    review_demand = math.fsum(demand.mean[lead : lead + review])
    order_up_to = reorder_point + review_demand
    inventory = position.on_hand + position.on_order
    return ReplenishmentPlan(
        sku_id=position.sku_id,
        warehouse_id=position.warehouse_id,
        lead_time_demand=lt_mean,
        lead_time_sigma=lt_sigma,
        safety_stock=safety,
        reorder_point=reorder_point,
        review_period_demand=review_demand,
        order_up_to=order_up_to,
        inventory_position=inventory,
        order_quantity=order_quantity(order_up_to - inventory, position.moq, position.pack_size),
        below_reorder_point=inventory <= reorder_point,
    )


def order_quantity(shortfall: float, moq: int, pack_size: int) -> int:
    """The shortfall rounded up to the MOQ and whole packs; 0 when nothing is short."""
    if shortfall <= 0:
        return 0
    # A hair below a whole number is float noise from summing daily forecasts.
    units = max(math.ceil(shortfall - 1e-9), moq)
    return -(-units // pack_size) * pack_size


def plan_all(
    forecast: Forecast,
    positions: Iterable[StockPosition],
    *,
    shares: dict[tuple[str, str], float] | None = None,
) -> list[ReplenishmentPlan]:
    """A plan for every position whose SKU the forecast holds (KeyError otherwise).

    ``shares`` maps (sku_id, warehouse_id) to the part of the SKU's demand the warehouse
    serves (1 when absent).
    """
    rows = {str(sid): i for i, sid in enumerate(forecast.series_ids)}
    out = []
    for p in positions:
        if p.sku_id not in rows:
            raise KeyError(f"no forecast for SKU {p.sku_id!r}")
        share = (shares or {}).get((p.sku_id, p.warehouse_id), 1.0)
        out.append(plan(p, daily_demand(forecast, rows[p.sku_id], share=share)))
    return out
