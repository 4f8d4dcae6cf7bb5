"""The replenishment glue, without a database: stored forecasts become the library's
``Forecast`` from today on, stock becomes positions (available, nothing on order), demand
splits by available stock, and the view rounds for display."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace.advice.domain import DemandForecast
from marketplace.advice.queries import WarehouseStock
from serving.advice.replenishment import (
    FORECAST_TOO_SHORT,
    Policy,
    advise_sku,
    demand_shares,
    position_dict,
    sku_advice_dict,
    stock_position,
    to_forecast,
)

TODAY = date(2026, 3, 10)


def _stored(mean: list[float], quantiles: dict[str, list[float]] | None = None, *,
            start: date = TODAY) -> DemandForecast:  # fmt: skip
    return DemandForecast(
        sku_id="sku_1", merchant_id="mer_1", generated_at=datetime(2026, 3, 9, 22, tzinfo=UTC),
        model_name="ets", model_version="2", start_date=start, mean=tuple(mean),
        quantiles={k: tuple(v) for k, v in (quantiles or {}).items()},
    )  # fmt: skip


def _stock(warehouse: str, on_hand: int, reserved: int = 0, *, sku: str = "sku_1",
           lead: int = 4) -> WarehouseStock:  # fmt: skip
    return WarehouseStock(sku, warehouse, warehouse.upper(), on_hand, reserved, lead, "default")


def test_a_stored_forecast_becomes_one_series_with_float_quantile_levels() -> None:
    stored = _stored([1.0, 2.0, 3.0], {"0.05": [0.0, 1.0, 1.5], "0.95": [2.0, 4.0, 6.0]})
    forecast = to_forecast(stored, today=TODAY)
    assert (list(forecast.series_ids), forecast.start, forecast.horizon) == (["sku_1"], TODAY, 3)
    assert forecast.mean.tolist() == [[1.0, 2.0, 3.0]]
    assert sorted(forecast.quantiles) == [0.05, 0.95]
    assert all(isinstance(level, float) for level in forecast.quantiles)
    assert forecast.quantiles[0.95].tolist() == [[2.0, 4.0, 6.0]]
    assert [a.tolist() for a in forecast.interval(0.9)] == [[[0.0, 1.0, 1.5]], [[2.0, 4.0, 6.0]]]


def test_days_before_today_are_dropped_and_a_later_start_is_kept() -> None:
    stored = _stored([1.0, 2.0, 3.0], {"0.95": [4.0, 5.0, 6.0]}, start=TODAY - timedelta(days=2))
    forecast = to_forecast(stored, today=TODAY)
    assert (forecast.start, forecast.mean.tolist()) == (TODAY, [[3.0]])
    assert forecast.quantiles[0.95].tolist() == [[6.0]]
    gone = to_forecast(stored, today=TODAY + timedelta(days=5))
    assert (gone.horizon, gone.mean.shape, gone.quantiles[0.95].shape) == (0, (1, 0), (1, 0))
    later = to_forecast(_stored([1.0], start=TODAY + timedelta(days=1)), today=TODAY)
    assert (later.start, later.horizon, later.quantiles) == (TODAY + timedelta(days=1), 1, {})


def test_demand_splits_by_available_stock_or_equally_when_there_is_none() -> None:
    rows = [_stock("a", 30), _stock("b", 15, reserved=5), _stock("c", 2, reserved=4),
            _stock("a", 0, sku="sku_2"), _stock("b", 3, reserved=3, sku="sku_2"),
            _stock("c", 0, sku="sku_2"), _stock("a", 5, sku="sku_3")]  # fmt: skip
    assert demand_shares(rows) == {
        ("sku_1", "a"): 0.75, ("sku_1", "b"): 0.25, ("sku_1", "c"): 0.0,  # c: 2 - 4 is 0
        ("sku_2", "a"): pytest.approx(1 / 3), ("sku_2", "b"): pytest.approx(1 / 3),
        ("sku_2", "c"): pytest.approx(1 / 3), ("sku_3", "a"): 1.0,
    }  # fmt: skip
    assert demand_shares([]) == {}


def test_a_position_holds_available_stock_and_nothing_on_order() -> None:
    policy = Policy(service_level=0.9, review_period_days=3)
    position = stock_position(_stock("a", 10, reserved=3, lead=5), policy)
    assert (position.on_hand, position.on_order, position.lead_time_days) == (7, 0, 5)
    assert (position.service_level, position.review_period_days) == (0.9, 3)
    assert (position.moq, position.pack_size) == (1, 1)
    assert stock_position(_stock("a", 2, reserved=6), policy).on_hand == 0


def test_advice_per_warehouse_matches_a_hand_computation() -> None:
    # No quantiles: daily variance = mean (Poisson), so 4 a day has sigma 2. Service level
    # 0.5 (z = 0): no safety stock. Lead time 4, review 2: reorder point 4 x 4 = 16,
    # order-up-to 16 + 8 = 24. Both warehouses are empty: half the demand each.
    stored = _stored([4.0] * 6)
    rows = [_stock("a", 5, reserved=5), _stock("b", 0)]
    advice = advise_sku(stored, rows, policy=Policy(0.5, 2), today=TODAY)
    assert (advice.first_day, advice.horizon_days) == (TODAY, 6)
    a, b = advice.positions
    assert (a.share, b.share) == (0.5, 0.5)
    assert a.plan is not None
    assert a.plan.lead_time_demand == 8.0
    assert a.plan.lead_time_sigma == pytest.approx(2.0)
    assert (a.plan.safety_stock, a.plan.reorder_point, a.plan.order_up_to) == (0.0, 8.0, 12.0)
    assert (a.plan.order_quantity, a.plan.below_reorder_point, a.needs_order) == (12, True, True)

    # Stock in a alone: a takes all the demand; b none, so nothing to order there.
    advice = advise_sku(stored, [_stock("a", 10), _stock("b", 0)], policy=Policy(0.5, 2),
                        today=TODAY)  # fmt: skip
    a, b = advice.positions
    assert a.plan is not None
    assert b.plan is not None
    assert (a.share, a.plan.reorder_point, a.plan.order_up_to, a.plan.order_quantity) == (
        1.0, 16.0, 24.0, 14
    )  # fmt: skip
    assert (b.plan.reorder_point, b.plan.order_quantity, b.plan.below_reorder_point) == (
        0.0, 0, True
    )  # fmt: skip
    assert (a.needs_order, b.needs_order) == (True, False)


def test_a_forecast_too_short_for_lead_time_and_review_leaves_the_position_unplanned() -> None:
    stored = _stored([1.0] * 6)
    advice = advise_sku(stored, [_stock("a", 3, lead=4), _stock("b", 3, lead=3)],
                        policy=Policy(0.95, 3), today=TODAY)  # fmt: skip
    a, b = advice.positions
    assert (a.plan, a.needs_order) == (None, False)
    assert b.plan is not None
    assert position_dict(a) | {"demand_share": None} == {
        "sku_id": "sku_1", "warehouse_id": "a", "warehouse_code": "A", "on_hand": 3,
        "reserved": 0, "available": 3, "on_order": 0, "demand_share": None,
        "lead_time_days": 4, "lead_time_source": "default", "moq": 1, "pack_size": 1,
        "lead_time_demand": None, "review_period_demand": None, "safety_stock": None,
        "reorder_point": None, "order_up_to": None, "order_quantity": None,
        "below_reorder_point": None, "inventory_position": 3,
        "unavailable_reason": FORECAST_TOO_SHORT,
    }  # fmt: skip


def test_the_view_rounds_statistics_to_two_decimals() -> None:
    # Daily sigma from the 0.95 quantile: (1 + 1.6449 x 0.5 - 1) / 1.6449 = 0.5; over a
    # 3-day lead time sqrt(3) x 0.5 = 0.866; safety 1.6449 x 0.866 = 1.4245.
    z95 = 1.6448536269514722
    stored = _stored([1.0] * 5, {"0.5": [1.0] * 5, "0.95": [1.0 + z95 * 0.5] * 5})
    advice = advise_sku(stored, [_stock("a", 1, lead=3)], policy=Policy(0.95, 2), today=TODAY)
    view = sku_advice_dict(advice)
    [position] = view["positions"]
    assert position["lead_time_demand"] == {"mean": 3.0, "sigma": 0.87}
    assert (position["safety_stock"], position["reorder_point"], position["order_up_to"]) == (
        1.42, 4.42, 6.42
    )  # fmt: skip
    # order-up-to 6.4245 - 1 on hand = 5.4245, rounded up to 6.
    assert (position["order_quantity"], position["review_period_demand"]) == (6, 2.0)
    assert view["forecast"] == {
        "model": {"name": "ets", "version": "2"}, "generated_at": "2026-03-09T22:00:00+00:00",
        "start_date": "2026-03-10", "first_day_used": "2026-03-10", "days_left": 5,
    }  # fmt: skip
    plan = advice.positions[0].plan
    assert plan is not None
    assert plan.safety_stock == pytest.approx(z95 * 0.5 * math.sqrt(3))
