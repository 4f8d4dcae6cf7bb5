"""Replenishment advice: a merchant's stored demand forecasts and stock per warehouse, run
through the order-up-to policy of ``forecasting.replenishment`` (formulas there).

The glue makes a few assumptions, which the API returns with every answer (``ASSUMPTIONS``)
and ``docs/ml/forecasting-serving.md`` explains.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Connection

from forecasting.base import Forecast
from forecasting.replenishment import ReplenishmentPlan, StockPosition, plan_all
from marketplace.advice import queries
from marketplace.advice.domain import DemandForecast
from marketplace.advice.queries import WarehouseStock

# One request reads at most this many SKUs' forecasts when it filters (only_reorder):
# a page may then come back short, with a cursor to read on.
MAX_SCANNED_SKUS = 1000
_FILTER_BATCH = 100
FORECAST_TOO_SHORT = "forecast_too_short"

ASSUMPTIONS: dict[str, str] = {
    "available": "Stock counts as available = on hand - reserved (never below 0): reserved "
    "units already belong to orders.",
    "on_order": "Agora does not record merchants' inbound purchase orders yet, so nothing is "
    "taken as on order: the inventory position is the available stock alone. Subtract what "
    "is already on its way from the suggested quantity.",
    "demand_split": "A forecast covers the SKU in all warehouses together. Units shipped per "
    "warehouse are not recorded, so each warehouse gets the SKU's demand in proportion to "
    "its share of the SKU's available stock (equal shares when the SKU has none anywhere); "
    "a warehouse that ran out while others hold stock gets no demand and no order.",
    "order_rounding": "Orders are whole units (MOQ and pack size 1): the MOQ of a supplier's "
    "offer is what its B2B buyers must take, not what refilling its own stock requires, and "
    "no inbound pack sizes are recorded.",
    "lead_time": "The supplier's offer of the SKU, else its served region covering the "
    "warehouse, else its longest served region, else 7 days (lead_time_source).",
    "forecast_days": "Forecast days before today are skipped and a forecast that starts later "
    "is read from today; a position whose lead time plus review period outruns the days left "
    "is not computed (unavailable_reason forecast_too_short).",
}


@dataclass(frozen=True, slots=True)
class Policy:
    """What the merchant asks for: the cycle service level and the review period."""

    service_level: float = 0.95
    review_period_days: int = 7


@dataclass(frozen=True, slots=True)
class PositionAdvice:
    stock: WarehouseStock
    share: float  # of the SKU's demand this warehouse serves
    plan: ReplenishmentPlan | None  # None: the forecast does not cover lead time + review

    @property
    def needs_order(self) -> bool:
        """Below the reorder point with something to order: act now."""
        plan = self.plan
        return plan is not None and plan.below_reorder_point and plan.order_quantity > 0


@dataclass(frozen=True, slots=True)
class SkuAdvice:
    forecast: DemandForecast
    first_day: date  # the forecast day read as today
    horizon_days: int  # forecast days from first_day on
    positions: tuple[PositionAdvice, ...]


def available(stock: WarehouseStock) -> int:
    return max(stock.available, 0)


def to_forecast(stored: DemandForecast, *, today: date) -> Forecast:
    """The stored forecast as the library's one-series ``Forecast``, from ``today`` on
    (days already past are dropped; one that starts later starts at its own first day)."""
    skip = max((today - stored.start_date).days, 0)
    return Forecast(
        series_ids=np.asarray([stored.sku_id]),
        start=max(stored.start_date, today),
        mean=np.asarray([stored.mean[skip:]], dtype=np.float64),
        quantiles={float(level): np.asarray([values[skip:]], dtype=np.float64)
                   for level, values in stored.quantiles.items()},
    )  # fmt: skip


def demand_shares(stock: Sequence[WarehouseStock]) -> dict[tuple[str, str], float]:
    """Each warehouse's share of its SKU's demand: its share of the SKU's available
    stock, or equal shares when the SKU has none available anywhere."""
    shares: dict[tuple[str, str], float] = {}
    for sku_id in dict.fromkeys(s.sku_id for s in stock):
        rows = [s for s in stock if s.sku_id == sku_id]
        total = sum(available(s) for s in rows)
        for s in rows:
            shares[(sku_id, s.warehouse_id)] = available(s) / total if total else 1 / len(rows)
    return shares


def stock_position(stock: WarehouseStock, policy: Policy) -> StockPosition:
    """The library's position: available stock, nothing on order, whole units."""
    return StockPosition(
        sku_id=stock.sku_id, warehouse_id=stock.warehouse_id, on_hand=available(stock),
        on_order=0, lead_time_days=stock.lead_time_days,
        review_period_days=policy.review_period_days, service_level=policy.service_level,
    )  # fmt: skip


def advise_sku(
    stored: DemandForecast, stock: Sequence[WarehouseStock], *, policy: Policy, today: date
) -> SkuAdvice:
    """A plan for each warehouse of the SKU the forecast covers long enough."""
    forecast = to_forecast(stored, today=today)
    shares = demand_shares(stock)
    covered = [s for s in stock
               if s.lead_time_days + policy.review_period_days <= forecast.horizon]  # fmt: skip
    plans = plan_all(forecast, [stock_position(s, policy) for s in covered], shares=shares)
    by_warehouse = {p.warehouse_id: p for p in plans}
    positions = tuple(
        PositionAdvice(s, shares[(s.sku_id, s.warehouse_id)], by_warehouse.get(s.warehouse_id))
        for s in stock
    )
    return SkuAdvice(stored, forecast.start, forecast.horizon, positions)


def replenishment_page(
    conn: Connection, merchant_id: str, *, policy: Policy, today: date,
    sku_ids: Collection[str] | None = None, only_reorder: bool = False,
    after: str | None = None, limit: int = 50,
) -> tuple[list[SkuAdvice], str | None]:  # fmt: skip
    """Up to ``limit`` SKUs with a forecast, by SKU id after ``after``, and the SKU id to
    read on from (None at the end). With ``only_reorder`` a SKU keeps only the positions
    that need an order now, and a SKU without any is left out."""
    batch_size = _FILTER_BATCH if only_reorder else limit
    page: list[SkuAdvice] = []
    scanned = 0
    while True:
        batch = queries.merchant_forecasts(
            conn, merchant_id, sku_ids=sku_ids, after=after, limit=batch_size + 1
        )
        more, batch = len(batch) > batch_size, batch[:batch_size]
        stock = queries.stock_for_replenishment(conn, merchant_id, [f.sku_id for f in batch])
        for i, stored in enumerate(batch):
            scanned, after = scanned + 1, stored.sku_id
            advice = advise_sku(stored, stock.get(stored.sku_id, []), policy=policy, today=today)
            if only_reorder:
                kept = tuple(p for p in advice.positions if p.needs_order)
                advice = SkuAdvice(advice.forecast, advice.first_day, advice.horizon_days, kept)
            if advice.positions or not only_reorder:
                page.append(advice)
            if len(page) == limit or scanned >= MAX_SCANNED_SKUS:
                return page, after if (more or i < len(batch) - 1) else None
        if not more:
            return page, None


# -- the API's view -------------------------------------------------------------------------
def _r(value: float) -> float:
    return round(value, 2) + 0.0  # + 0.0: no "-0.0"


def position_dict(p: PositionAdvice) -> dict[str, Any]:
    s, plan = p.stock, p.plan
    view: dict[str, Any] = {
        "sku_id": s.sku_id, "warehouse_id": s.warehouse_id, "warehouse_code": s.warehouse_code,
        "on_hand": s.on_hand, "reserved": s.reserved, "available": available(s), "on_order": 0,
        "demand_share": round(p.share, 4), "lead_time_days": s.lead_time_days,
        "lead_time_source": s.lead_time_source, "moq": 1, "pack_size": 1,
    }  # fmt: skip
    if plan is None:
        return view | _UNAVAILABLE | {"inventory_position": available(s)}
    return view | {
        "lead_time_demand": {"mean": _r(plan.lead_time_demand),
                             "sigma": _r(plan.lead_time_sigma)},
        "review_period_demand": _r(plan.review_period_demand),
        "safety_stock": _r(plan.safety_stock), "reorder_point": _r(plan.reorder_point),
        "order_up_to": _r(plan.order_up_to), "inventory_position": plan.inventory_position,
        "order_quantity": plan.order_quantity, "below_reorder_point": plan.below_reorder_point,
        "unavailable_reason": None,
    }  # fmt: skip


_UNAVAILABLE: dict[str, Any] = {
    **dict.fromkeys(("lead_time_demand", "review_period_demand", "safety_stock",
                     "reorder_point", "order_up_to", "order_quantity", "below_reorder_point")),
    "unavailable_reason": FORECAST_TOO_SHORT,
}  # fmt: skip


def sku_advice_dict(a: SkuAdvice) -> dict[str, Any]:
    f = a.forecast
    return {
        "sku_id": f.sku_id,
        "forecast": {
            "model": {"name": f.model_name, "version": f.model_version},
            "generated_at": f.generated_at.isoformat(), "start_date": f.start_date.isoformat(),
            "first_day_used": a.first_day.isoformat(), "days_left": a.horizon_days,
        },
        "positions": [position_dict(p) for p in a.positions],
    }  # fmt: skip
