"""Read side of demand: a SKU's stored forecast, its daily units sold, and what
replenishment needs (stock per warehouse and the lead time to refill it).

Units sold follow the forecasting library's definition of demand, so that history and
forecast line up on one chart: the quantity of every order line whose order was paid
(paid, fulfilling, shipped, delivered, completed, and refunded, since the buyer did want
the goods), by the UTC day the order was placed. Unpaid, expired and cancelled orders are
not demand.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, or_, select

from marketplace.advice.adapters.repositories import forecast_from_row
from marketplace.advice.adapters.tables import demand_forecasts
from marketplace.advice.domain import DemandForecast
from marketplace.advice.domain.forecasts import INTERVAL_LEVELS
from marketplace.catalog.adapters.tables import skus
from marketplace.inventory.adapters.tables import stock_levels, warehouse_access, warehouses
from marketplace.ordering.adapters.tables import order_lines, orders
from marketplace.ordering.domain.status import PAID_STATUSES, OrderStatus
from marketplace.parties.adapters.tables import merchants
from marketplace.shared.money import Money
from marketplace.sourcing.adapters.tables import offers, supplier_regions
from marketplace.sourcing.domain import ServedRegion, served_region

DEMAND_STATUSES = frozenset(s.value for s in (*PAID_STATUSES, OrderStatus.REFUNDED))
MAX_HISTORY_DAYS = 730
# Lead time of a merchant that is not a supplier, or a supplier with nothing on record.
DEFAULT_LEAD_TIME_DAYS = 7


# -- forecasts ------------------------------------------------------------------------------
def latest_forecast(conn: Connection, sku_id: str) -> DemandForecast | None:
    """The SKU's stored forecast (only the latest is kept)."""
    row = conn.execute(select(demand_forecasts).where(demand_forecasts.c.sku_id == sku_id)).first()
    return forecast_from_row(row) if row is not None else None


def merchant_forecasts(
    conn: Connection, merchant_id: str, *, sku_ids: Collection[str] | None = None,
    after: str | None = None, limit: int,
) -> list[DemandForecast]:  # fmt: skip
    """Up to ``limit`` of the merchant's stored forecasts (among ``sku_ids`` when given),
    by SKU id, after the SKU id ``after`` (the last one of the previous page)."""
    if limit < 1:
        raise ValueError("limit must be >= 1")
    df = demand_forecasts.c
    query = select(demand_forecasts).where(df.merchant_id == merchant_id)
    if sku_ids is not None:
        query = query.where(df.sku_id.in_(sorted(set(sku_ids))))
    if after is not None:
        query = query.where(df.sku_id > after)
    rows = conn.execute(query.order_by(df.sku_id).limit(limit))
    return [forecast_from_row(r) for r in rows]


def merchant_owns_sku(conn: Connection, merchant_id: str, sku_id: str) -> bool:
    found = conn.execute(select(skus.c.merchant_id).where(skus.c.id == sku_id)).scalar()
    return found == merchant_id


def forecast_view(
    conn: Connection, merchant_id: str, sku_id: str, *, now: datetime, history_days: int = 90
) -> dict[str, Any] | None:
    """The SKU's daily history and latest forecast for a chart; None without a forecast.
    Each forecast day has its mean, the 90 % interval (quantiles 0.05 and 0.95, null when
    the model did not give them) and every quantile the model gave."""
    forecast = latest_forecast(conn, sku_id)
    if forecast is None or forecast.merchant_id != merchant_id:
        return None
    history = daily_units_sold(conn, merchant_id, [sku_id], days=history_days, today=now.date())
    lower, upper = (forecast.quantile(level) for level in INTERVAL_LEVELS)
    days = [
        {"date": day.isoformat(), "mean": forecast.mean[i],
         "lower": lower[i] if lower else None, "upper": upper[i] if upper else None,
         "quantiles": {k: v[i] for k, v in forecast.quantiles.items()}}
        for i, day in enumerate(forecast.days())
    ]  # fmt: skip
    return {
        "sku_id": sku_id,
        "history": [{"date": d.isoformat(), "units": u} for d, u in history[sku_id]],
        "forecast": days,
        "interval_level": 0.9,
        "model": {"name": forecast.model_name, "version": forecast.model_version},
        "generated_at": forecast.generated_at.isoformat(),
        "start_date": forecast.start_date.isoformat(),
        "horizon_days": forecast.horizon_days,
        "backtest": forecast.backtest,
    }


# -- history --------------------------------------------------------------------------------
def daily_units_sold(
    conn: Connection, merchant_id: str, sku_ids: Sequence[str], *, days: int, today: date
) -> dict[str, list[tuple[date, int]]]:
    """Per SKU, units sold on each of the ``days`` UTC days up to and including
    ``today`` (so far), oldest first, 0 on days without sales."""
    if not 1 <= days <= MAX_HISTORY_DAYS:
        raise ValueError(f"history covers 1-{MAX_HISTORY_DAYS} days")
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time(), tzinfo=UTC)
    until = datetime.combine(today + timedelta(days=1), time(), tzinfo=UTC)
    o, line = orders.c, order_lines.c
    # Through the merchant's orders in the window (ix_orders_merchant_id_created_at_id),
    # then each order's line of the SKU (the (order_id, sku_id) unique index).
    rows = conn.execute(
        select(line.sku_id, o.created_at, line.quantity)
        .select_from(orders.join(order_lines, line.order_id == o.id))
        .where(o.merchant_id == merchant_id, o.created_at >= since, o.created_at < until,
               o.status.in_(sorted(DEMAND_STATUSES)), line.sku_id.in_(sorted(set(sku_ids))))
    )  # fmt: skip
    totals: dict[tuple[str, date], int] = {}
    for sku_id, placed_at, quantity in rows:
        key = (sku_id, placed_at.astimezone(UTC).date())
        totals[key] = totals.get(key, 0) + int(quantity)
    calendar = [first + timedelta(days=i) for i in range(days)]
    return {s: [(d, totals.get((s, d), 0)) for d in calendar] for s in sku_ids}


# -- replenishment --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WarehouseStock:
    """One SKU in one active warehouse the merchant may stock, and how long a refill of it
    takes."""

    sku_id: str
    warehouse_id: str
    warehouse_code: str
    on_hand: int
    reserved: int
    lead_time_days: int
    lead_time_source: str  # "offer" | "supplier_region" | "default"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True, slots=True)
class _Warehouse:
    id: str
    code: str
    country: str
    region: str


def stock_for_replenishment(
    conn: Connection, merchant_id: str, sku_ids: Collection[str], *,
    default_lead_time_days: int = DEFAULT_LEAD_TIME_DAYS,
) -> dict[str, list[WarehouseStock]]:  # fmt: skip
    """Per SKU of the merchant among ``sku_ids`` (others are left out), its stock in each
    active warehouse the merchant may stock (its own and the platform ones granted to it;
    0 where it has none), by warehouse priority.

    Lead time: a supplier's offer of the SKU when it sets one; else the supplier's served
    region covering the warehouse (the named region, else the whole country); else the
    longest lead time the supplier serves any region with; else, and for merchants that
    are not suppliers, ``default_lead_time_days``."""
    owned = list(conn.execute(
        select(skus.c.id).where(skus.c.merchant_id == merchant_id,
                                skus.c.id.in_(sorted(set(sku_ids))))
    ).scalars())  # fmt: skip
    if not owned:
        return {}
    places = _warehouses(conn, merchant_id)
    levels = {
        (r.sku_id, r.warehouse_id): (int(r.on_hand), int(r.reserved))
        for r in conn.execute(
            select(stock_levels).where(stock_levels.c.sku_id.in_(owned),
                                       stock_levels.c.warehouse_id.in_([w.id for w in places]))
        )
    }  # fmt: skip
    lead = _LeadTimes(conn, merchant_id, owned, default_lead_time_days)
    return {
        sku: [
            WarehouseStock(sku, w.id, w.code, *levels.get((sku, w.id), (0, 0)), *lead.of(sku, w))
            for w in places
        ]
        for sku in sorted(owned)
    }


def _warehouses(conn: Connection, merchant_id: str) -> list[_Warehouse]:
    w = warehouses.c
    granted = select(warehouse_access.c.warehouse_id).where(
        warehouse_access.c.merchant_id == merchant_id
    )
    rows = conn.execute(
        select(w.id, w.code, w.country, w.region)
        .where(w.is_active.is_(True), or_(w.merchant_id == merchant_id, w.id.in_(granted)))
        .order_by(w.priority, w.id)
    )  # fmt: skip
    return [_Warehouse(r.id, r.code, r.country, r.region) for r in rows]


class _LeadTimes:
    def __init__(
        self, conn: Connection, merchant_id: str, sku_ids: list[str], default: int
    ) -> None:
        self.default = default
        kind = conn.execute(select(merchants.c.kind).where(merchants.c.id == merchant_id)).scalar()
        self.is_supplier = kind == "supplier"
        self.offers: dict[str, int] = {}
        self.regions: list[ServedRegion] = []
        if not self.is_supplier:
            return
        self.offers = {
            r.sku_id: int(r.lead_time_days)
            for r in conn.execute(
                select(offers.c.sku_id, offers.c.lead_time_days)
                .where(offers.c.sku_id.in_(sku_ids), offers.c.lead_time_days.is_not(None))
            )
        }  # fmt: skip
        zero = Money.zero("CNY")  # shipping is not needed here, only the lead time
        self.regions = [
            ServedRegion(r.country, r.region, int(r.lead_time_days), zero, zero)
            for r in conn.execute(
                select(supplier_regions.c.country, supplier_regions.c.region,
                       supplier_regions.c.lead_time_days)
                .where(supplier_regions.c.merchant_id == merchant_id)
            )
        ]  # fmt: skip

    def of(self, sku_id: str, warehouse: _Warehouse) -> tuple[int, str]:
        if sku_id in self.offers:
            return self.offers[sku_id], "offer"
        served = served_region(self.regions, warehouse.country, warehouse.region)
        if served is not None:
            return served.lead_time_days, "supplier_region"
        if self.regions:
            return max(r.lead_time_days for r in self.regions), "supplier_region"
        return self.default, "default"
