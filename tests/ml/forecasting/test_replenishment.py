"""Reorder points and order quantities: a hand-computed case and hypothesis properties."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.base import Forecast
from forecasting.replenishment import (
    DailyDemand,
    StockPosition,
    daily_demand,
    order_quantity,
    plan,
    plan_all,
)

Z95 = NormalDist().inv_cdf(0.95)
FLAT = DailyDemand(mean=(2.0,) * 14, sigma=(1.0,) * 14)
POSITION = StockPosition(
    "sku_1",
    "wh_1",
    on_hand=10,
    on_order=5,
    lead_time_days=4,
    review_period_days=7,
    service_level=0.95,
    pack_size=6,
)


def test_plan_by_hand() -> None:
    p = plan(POSITION, FLAT)
    assert p.lead_time_demand == 8.0  # 4 days x 2
    assert p.lead_time_sigma == 2.0  # sqrt(4 x 1^2)
    assert p.safety_stock == pytest.approx(2 * Z95)
    assert p.reorder_point == pytest.approx(8 + 2 * Z95)  # 11.29
    assert p.review_period_demand == 14.0
    assert p.order_up_to == pytest.approx(22 + 2 * Z95)  # 25.29
    assert p.inventory_position == 15
    assert p.order_quantity == 12  # shortfall 10.29 -> 11 -> two packs of 6
    assert not p.below_reorder_point
    assert plan(replace(POSITION, moq=20), FLAT).order_quantity == 24  # MOQ, then packs
    assert plan(replace(POSITION, on_hand=100), FLAT).order_quantity == 0
    assert plan(replace(POSITION, on_hand=2), FLAT).below_reorder_point


def test_order_quantity_rounding() -> None:
    assert order_quantity(-3.0, 1, 1) == 0
    assert order_quantity(0.0, 5, 1) == 0
    assert order_quantity(0.2, 1, 1) == 1
    assert order_quantity(7.0 + 1e-12, 1, 1) == 7  # summation noise is not a unit
    assert order_quantity(7.0, 10, 4) == 12
    assert order_quantity(13.0, 10, 4) == 16


def test_daily_demand_from_a_forecast() -> None:
    fc = Forecast(
        np.array(["sku_1", "sku_2"]),
        date(2025, 1, 1),
        np.array([[2.0, 2.0], [4.0, 0.0]]),
        {
            0.5: np.array([[2.0, 2.0], [4.0, 0.0]]),
            0.9: np.array([[9.0, 9.0], [9.0, 9.0]]),
            0.95: np.array([[2.0 + Z95, 2.0 + 2 * Z95], [3.0, 0.0]]),
        },
    )
    d = daily_demand(fc, 0)
    assert d.mean == (2.0, 2.0)
    assert d.sigma == pytest.approx((1.0, 2.0))  # from the 0.95 quantile, the highest
    assert daily_demand(fc, 1).sigma == (0.0, 0.0)  # an upper quantile below the mean
    half = daily_demand(fc, 0, share=0.5)
    assert half.mean == (1.0, 1.0)
    assert half.sigma == pytest.approx((0.5, 1.0))
    bare = Forecast(fc.series_ids, fc.start, fc.mean)
    assert daily_demand(bare, 1).sigma == (2.0, 0.0)  # Poisson: sqrt(mean)
    plans = plan_all(
        fc, [StockPosition("sku_2", "wh", on_hand=0, lead_time_days=1, review_period_days=1)]
    )
    assert plans[0].lead_time_demand == 4.0
    assert plans[0].review_period_demand == 0.0
    with pytest.raises(KeyError):
        plan_all(fc, [StockPosition("sku_9", "wh", on_hand=0, lead_time_days=1)])


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError, match="service level"):
        StockPosition("s", "w", on_hand=0, service_level=1.0)
    with pytest.raises(ValueError, match="moq"):
        StockPosition("s", "w", on_hand=0, pack_size=0)
    with pytest.raises(ValueError, match="non-negative"):
        DailyDemand(mean=(-1.0,), sigma=(0.0,))
    with pytest.raises(ValueError, match="covers"):
        plan(replace(POSITION, lead_time_days=10), FLAT)  # 10 + 7 > 14 days


demands = st.integers(min_value=1, max_value=60).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(0, 50, allow_nan=False), min_size=n, max_size=n),
        st.lists(st.floats(0, 20, allow_nan=False), min_size=n, max_size=n),
    )
)
positions = st.builds(
    StockPosition,
    sku_id=st.just("s"),
    warehouse_id=st.just("w"),
    on_hand=st.integers(-50, 500),
    on_order=st.integers(0, 200),
    lead_time_days=st.just(0),
    review_period_days=st.just(0),
    service_level=st.floats(0.5, 0.999),
    moq=st.integers(1, 50),
    pack_size=st.integers(1, 24),
)


@settings(max_examples=200, deadline=None)
@given(demands, positions, st.data())
def test_orders_are_never_negative_and_cover_the_shortfall(
    demand: tuple[list[float], list[float]], position: StockPosition, data: st.DataObject
) -> None:
    n = len(demand[0])
    lead = data.draw(st.integers(0, n))
    review = data.draw(st.integers(0, n - lead))
    p = plan(
        replace(position, lead_time_days=lead, review_period_days=review),
        DailyDemand(tuple(demand[0]), tuple(demand[1])),
    )
    assert p.order_quantity >= 0
    assert p.safety_stock >= 0
    assert p.reorder_point >= 0
    assert p.order_quantity % position.pack_size == 0
    if p.order_quantity > 0:
        assert p.order_quantity >= position.moq
        assert p.inventory_position + p.order_quantity >= p.order_up_to - 1e-6
    else:
        assert p.inventory_position >= p.order_up_to - 1e-6


@settings(max_examples=200, deadline=None)
@given(demands, positions, st.floats(0.5, 0.999), st.floats(0.5, 0.999), st.data())
def test_monotone_in_service_level(
    demand: tuple[list[float], list[float]],
    position: StockPosition,
    a: float,
    b: float,
    data: st.DataObject,
) -> None:
    n = len(demand[0])
    lead = data.draw(st.integers(0, n))
    base = replace(position, lead_time_days=lead, review_period_days=n - lead)
    d = DailyDemand(tuple(demand[0]), tuple(demand[1]))
    low = plan(replace(base, service_level=min(a, b)), d)
    high = plan(replace(base, service_level=max(a, b)), d)
    assert low.reorder_point <= high.reorder_point + 1e-9
    assert low.order_quantity <= high.order_quantity


@settings(max_examples=200, deadline=None)
@given(demands, positions, st.data())
def test_monotone_in_lead_time(
    demand: tuple[list[float], list[float]], position: StockPosition, data: st.DataObject
) -> None:
    n = len(demand[0])
    review = data.draw(st.integers(0, n))
    short = data.draw(st.integers(0, n - review))
    long = data.draw(st.integers(short, n - review))
    d = DailyDemand(tuple(demand[0]), tuple(demand[1]))
    a = plan(replace(position, lead_time_days=short, review_period_days=review), d)
    b = plan(replace(position, lead_time_days=long, review_period_days=review), d)
    assert a.lead_time_demand <= b.lead_time_demand + 1e-9
    assert a.reorder_point <= b.reorder_point + 1e-9
    assert a.order_up_to <= b.order_up_to + 1e-9
    assert a.order_quantity <= b.order_quantity
    assert math.isfinite(b.order_up_to)
