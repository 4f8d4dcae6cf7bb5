"""The regression rows of a series, checked by hand on tiny panels."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pytest

from forecasting.base import Panel
from pricing.design import (
    PRICE,
    PROMO,
    Controls,
    calendar_columns,
    market_offsets,
    partial_sd,
    series_design,
)


def _panel(
    units: Sequence[float], price: Sequence[float], promo: Sequence[bool] | None = None
) -> Panel:
    n = len(units)
    return Panel(
        np.array(["a"]),
        date(2025, 1, 6),  # a Monday
        np.array([units], dtype=float),
        np.array([price], dtype=float),
        np.array([list(promo) if promo is not None else [False] * n]),
    )


def test_market_offsets_leave_the_series_out() -> None:
    units = np.array([[1.0, 3.0], [2.0, 2.0], [0.0, 1.0]])
    off = market_offsets(units)
    # series 0: others sold 2 and 3 -> +0.5 -> log(2.5 / 3), log(3.5 / 3)
    assert off[0] == pytest.approx(np.log(np.array([2.5, 3.5]) / 3.0))
    assert off[2] == pytest.approx(np.log(np.array([3.5, 5.5]) / 4.5))


def test_calendar_columns() -> None:
    cols = calendar_columns(date(2025, 1, 6), 14, Controls(trend_degree=2))
    assert cols["dow_5"][[5, 12]].tolist() == [1.0, 1.0]  # Saturdays
    assert cols["dow_5"].sum() == 2
    assert cols["trend_1"][0] == -1.0
    assert cols["trend_1"][-1] == 1.0
    assert "trend_2" in cols
    assert "year_sin_1" not in cols
    yearly = calendar_columns(date(2025, 1, 1), 400, Controls(market_index=False))
    assert "year_sin_1" in yearly
    assert "year_cos_1" in yearly


def test_daily_prices_use_every_priced_day() -> None:
    panel = _panel([0, 1, 0, 2, 1], [np.nan, 10, 10, 12, 12], [False, False, False, True, False])
    d = series_design(panel, 0, {}, None)
    assert d.names == ("const", PRICE, PROMO)
    assert d.day.tolist() == [1, 2, 3, 4]
    assert d.y.tolist() == [1, 0, 2, 1]
    assert d.gaps == ()


def test_sales_only_prices_split_a_gap_with_a_price_change() -> None:
    # sales on days 0 (price 10) and 4 (price 12); days 1-3 sold nothing, the change day is
    # unknown; days 5-6 carry 12 (nothing after to contradict it).
    units = [1, 0, 0, 0, 2, 0, 0]
    price = [10, 10, 10, 10, 12, 12, 12]
    d = series_design(_panel(units, price), 0, {}, None, price_seen_on_sales=True)
    assert len(d.gaps) == 1
    gap = d.gaps[0]
    assert d.day[gap.rows_before].tolist() == [1, 2, 3]
    assert d.day[gap.rows_after].tolist() == [1, 2, 3]
    col = d.names.index(PRICE)
    before, after = d.x[gap.rows_before, col], d.x[gap.rows_after, col]
    assert np.allclose(after - before, np.log(12) - np.log(10))
    assert sorted(d.day[d.certain].tolist()) == [0, 4, 5, 6]


def test_sales_only_prices_keep_a_gap_with_one_price() -> None:
    units = [1, 0, 0, 1, 0]
    d = series_design(_panel(units, [10] * 5), 0, {}, None, price_seen_on_sales=True)
    assert d.gaps == ()
    assert sorted(d.day.tolist()) == [0, 1, 2, 3, 4]


def test_partial_sd_is_zero_when_price_moves_only_with_promotions() -> None:
    promo = [i % 7 < 2 for i in range(28)]
    price = [8.0 if p else 10.0 for p in promo]
    d = series_design(_panel([1.0] * 28, price, promo), 0, {}, None)
    assert partial_sd(d) == pytest.approx(0.0, abs=1e-9)
    assert np.std(d.log_price) > 0.05
