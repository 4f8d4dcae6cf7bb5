"""Demand forecasts and the demand read side, on SQLite and PostgreSQL: only the latest
forecast per SKU is kept, units sold per day count paid orders only, and replenishment
sees stock per active warehouse with the lead time to refill it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from marketplace.advice import queries, services
from marketplace.advice.commands import ForecastInput, RecordDemandForecasts
from marketplace.advice.domain import InvalidDemandForecastError
from marketplace.inventory import services as inventory
from marketplace.inventory.commands import (
    CreateWarehouse,
    ReceiveStock,
    SetWarehouseAccess,
    UpdateWarehouse,
)
from marketplace.inventory.domain import Operator
from marketplace.parties.adapters.tables import merchants
from marketplace.shared.money import Money
from marketplace.sourcing import services as sourcing
from marketplace.sourcing.domain import PriceTier, ServedRegion
from tests.factories import db_snapshot
from tests.integration.advice.seed import Advice


def _record(advice: Advice, at: datetime, *forecasts: ForecastInput, version: str = "1") -> Any:
    cmd = RecordDemandForecasts("ets", version, at, tuple(forecasts))
    return services.record_demand_forecasts(cmd, uow=advice.market.app.uow())


def _forecast(sku_id: str, start: date, mean: list[float], **kw: object) -> ForecastInput:
    quantiles = {0.05: [m * 0.5 for m in mean], "0.5": mean, "0.95": [m * 2 for m in mean]}
    return ForecastInput(sku_id, start, mean, quantiles=quantiles, **kw)  # type: ignore[arg-type]


# -- forecasts ------------------------------------------------------------------------------
def test_only_the_latest_forecast_of_a_sku_is_kept(advice: Advice) -> None:
    seller = advice.market.seller({"dress": "100.00", "shirt": "50.00"})
    dress, shirt = seller.skus["dress"], seller.skus["shirt"]
    now = advice.market.clock.now()
    start = now.date() + timedelta(days=1)
    first = _record(advice, now, _forecast(dress, start, [1.0, 2.0]),
                    _forecast(shirt, start, [5.0], backtest={"mase": 0.8}))  # fmt: skip
    assert (first.stored, first.skipped) == ((dress, shirt), ())

    later = now + timedelta(days=1)
    second = _record(advice, later, _forecast(dress, start, [3.0, 4.0, 5.0]), version="2")
    assert second.stored == (dress,)
    # A late batch made before the stored forecast changes nothing.
    late = _record(advice, now - timedelta(hours=1), _forecast(dress, start, [9.0]))
    assert (late.stored, late.skipped) == ((), (dress,))

    with advice.engine.connect() as conn:
        kept = queries.latest_forecast(conn, dress)
        other = queries.latest_forecast(conn, shirt)
    assert kept is not None
    assert other is not None
    assert (kept.mean, kept.model_version, kept.generated_at) == ((3.0, 4.0, 5.0), "2", later)
    assert list(kept.quantiles) == ["0.05", "0.5", "0.95"]
    assert kept.quantiles["0.95"] == (6.0, 8.0, 10.0)
    assert (kept.merchant_id, kept.start_date, kept.backtest) == (seller.merchant_id, start, None)
    assert other.backtest == {"mase": 0.8}


def test_refused_forecast_batches_change_nothing(advice: Advice) -> None:
    seller = advice.market.seller({"dress": "100.00"})
    dress = seller.skus["dress"]
    now = advice.market.clock.now()
    start = now.date()
    _record(advice, now, _forecast(dress, start, [1.0]))
    before = db_snapshot(advice.market.app)
    bad = [
        [_forecast("sku_missing", start, [1.0])],
        [_forecast(dress, start, [1.0]), _forecast(dress, start, [2.0])],
        [ForecastInput(dress, start, [1.0, 2.0], quantiles={"0.5": [1.0]})],
        [ForecastInput(dress, start, [1.0], quantiles={"0.1": [2.0], "0.9": [1.0]})],
        [ForecastInput(dress, start, [-1.0])],
        [_forecast(dress, start, [1.0], backtest={"mase": "n/a"})],
    ]
    for forecasts in bad:
        with pytest.raises(InvalidDemandForecastError):
            _record(advice, now + timedelta(hours=1), *forecasts)
    with pytest.raises(InvalidDemandForecastError):
        _record(advice, now.replace(tzinfo=None), _forecast(dress, start, [1.0]))
    assert db_snapshot(advice.market.app) == before


# -- units sold -----------------------------------------------------------------------------
def test_units_sold_per_day_count_paid_orders_only(advice: Advice) -> None:
    market = advice.market
    seller = market.seller({"dress": "100.00", "shirt": "50.00"}, stock={"dress": 50, "shirt": 50})
    dress, shirt = seller.skus["dress"], seller.skus["shirt"]
    buyer = market.buyer()
    first_day = market.clock.now().date()

    def buy(lines: list[tuple[str, int]], *, paid: bool = True) -> None:
        group = market.checkout(buyer, lines)
        if paid:
            advice.pay(buyer, group.id)

    buy([(dress, 2)])  # day 1
    market.later(days=2)
    buy([(dress, 3), (shirt, 1)])  # day 3
    buy([(dress, 1)])
    buy([(dress, 5)], paid=False)  # not demand: never paid
    market.later(hours=1)
    today = market.clock.now().date()

    with advice.engine.connect() as conn:
        sold = queries.daily_units_sold(conn, seller.merchant_id, [dress, shirt], days=4,
                                        today=today)  # fmt: skip
        other = queries.daily_units_sold(conn, "mer_other", [dress], days=1, today=today)
    days = [first_day - timedelta(days=1) + timedelta(days=i) for i in range(4)]
    assert sold[dress] == list(zip(days, [0, 2, 0, 4], strict=True))
    assert sold[shirt] == list(zip(days, [0, 0, 0, 1], strict=True))
    assert other == {dress: [(today, 0)]}  # another merchant's orders are not theirs


def test_the_forecast_view_lines_history_up_with_the_forecast(advice: Advice) -> None:
    market = advice.market
    seller = market.seller({"dress": "100.00"})
    dress = seller.skus["dress"]
    buyer = market.buyer()
    advice.pay(buyer, market.checkout(buyer, [(dress, 2)]).id)
    now = market.clock.now()
    tomorrow = now.date() + timedelta(days=1)
    _record(advice, now, ForecastInput(dress, tomorrow, [2.0, 3.0],
                                       quantiles={"0.5": [2.0, 3.0]}))  # fmt: skip
    with advice.engine.connect() as conn:
        view = queries.forecast_view(conn, seller.merchant_id, dress, now=now, history_days=3)
        foreign = queries.forecast_view(conn, "mer_other", dress, now=now)
    assert foreign is None
    assert view is not None
    assert view["history"][-1] == {"date": now.date().isoformat(), "units": 2}
    assert len(view["history"]) == 3
    # Without quantiles 0.05 and 0.95 the 90 % interval is unknown.
    assert view["forecast"][0] == {"date": tomorrow.isoformat(), "mean": 2.0, "lower": None,
                                   "upper": None, "quantiles": {"0.5": 2.0}}  # fmt: skip


# -- replenishment --------------------------------------------------------------------------
def test_stock_per_active_warehouse_with_the_default_lead_time(advice: Advice) -> None:
    market = advice.market
    seller = market.seller({"dress": "100.00", "shirt": "50.00"}, stock={"dress": 10, "shirt": 0},
                           regions=("Shanghai", "Zhejiang", "Jiangsu"))  # fmt: skip
    dress, shirt = seller.skus["dress"], seller.skus["shirt"]
    operator = Operator.merchant(seller.merchant_id, actor="test")
    inactive = UpdateWarehouse(operator, seller.warehouses["Jiangsu"], {"is_active": False})
    inventory.update_warehouse(inactive, uow=market.app.uow())
    platform = inventory.create_warehouse(
        CreateWarehouse(Operator.platform(), code="P-1", name="Platform", country="CN",
                        region="Guangdong", priority=1), uow=market.app.uow())  # fmt: skip
    inventory.grant_warehouse_access(SetWarehouseAccess(platform.id, seller.merchant_id),
                                     uow=market.app.uow())  # fmt: skip
    inventory.receive_stock(ReceiveStock(operator, dress, platform.id, 4), uow=market.app.uow())
    market.checkout(market.buyer(), [(dress, 3)])  # reserves 3 where the buyer is (Shanghai)
    rival = market.seller({"bag": "300.00"})

    with advice.engine.connect() as conn:
        stock = queries.stock_for_replenishment(
            conn, seller.merchant_id, [dress, shirt, rival.skus["bag"]]
        )
    assert list(stock) == sorted([dress, shirt])
    rows = [(s.warehouse_id, s.on_hand, s.reserved, s.available, s.lead_time_days,
             s.lead_time_source) for s in stock[dress]]  # fmt: skip
    assert rows == [
        (platform.id, 4, 0, 4, 7, "default"),  # priority 1 comes first
        (seller.warehouses["Shanghai"], 10, 3, 7, 7, "default"),
        (seller.warehouses["Zhejiang"], 0, 0, 0, 7, "default"),
    ]  # the inactive Jiangsu warehouse is left out
    assert [s.available for s in stock[shirt]] == [0, 0, 0]


def test_a_supplier_refills_within_its_offer_or_region_lead_time(advice: Advice) -> None:
    market = advice.market
    seller = market.seller({"bolt": "1.00", "nut": "0.50"}, regions=("Shanghai", "Zhejiang"))
    bolt, nut = seller.skus["bolt"], seller.skus["nut"]
    with advice.engine.begin() as conn:
        conn.execute(update(merchants).where(merchants.c.id == seller.merchant_id)
                     .values(kind="supplier"))  # fmt: skip
    zero = Money.zero("CNY")
    sourcing.put_supplier_profile(sourcing.PutSupplierProfile(
        seller.merchant_id, regions=(ServedRegion("CN", "Shanghai", 2, zero, zero),
                                     ServedRegion("CN", "", 5, zero, zero)),
    ), uow=market.app.uow())  # fmt: skip
    sourcing.create_offer(sourcing.CreateOffer(
        seller.merchant_id, bolt, (PriceTier(100, Money.of("0.80", "CNY")),), lead_time_days=4,
    ), uow=market.app.uow())  # fmt: skip

    with advice.engine.connect() as conn:
        stock = queries.stock_for_replenishment(conn, seller.merchant_id, [bolt, nut])
    lead = {sku: [(s.lead_time_days, s.lead_time_source) for s in rows]
            for sku, rows in stock.items()}  # fmt: skip
    assert lead[bolt] == [(4, "offer"), (4, "offer")]
    # Shanghai is served by name, Zhejiang by the whole country.
    assert lead[nut] == [(2, "supplier_region"), (5, "supplier_region")]
