"""Panels from order lines (hand-made, and through a Parquet export) and from long frames."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from forecasting.panel import (
    filter_series,
    forward_fill,
    is_promotion,
    panel_from_frame,
    panel_from_lines,
    panel_from_orders,
)


def _line(sku: str, day: int, qty: int, unit: int, **kw: Any) -> dict[str, Any]:
    hour = kw.pop("hour", 12)
    return {
        "sku_id": sku,
        "product_id": kw.pop("product", "spu_" + sku),
        "quantity": qty,
        "refunded_quantity": kw.pop("refunded", 0),
        "unit_price_minor": unit,
        "list_price_minor": kw.pop("list_price", 1000),
        "price_rule": kw.pop("rule", "list"),
        "currency": kw.pop("currency", "CNY"),
        "placed_at": datetime(2025, 1, day, hour, 0, tzinfo=UTC),
        "status": kw.pop("status", "completed"),
    }


def lines() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _line("A", 1, 2, 1000),
            _line("A", 1, 1, 700),  # on promotion, but a third of the day's units
            _line("A", 1, 5, 1000, status="cancelled"),
            _line("A", 2, 4, 1000, status="pending_payment"),
            _line("A", 2, 4, 1000, status="expired"),
            _line("A", 3, 3, 800),  # promotion day
            _line("A", 5, 1, 900, rule="member"),  # a member price is no promotion
            _line("B", 3, 2, 500, currency="JPY", list_price=500, status="refunded", refunded=1),
            _line("B", 4, 1, 600, currency="JPY", list_price=600, hour=23),
            _line("C", 2, 1, 100, product="spu_A", status="paid"),
        ]
    )


def test_units_prices_and_promotions_per_sku_and_day() -> None:
    p = panel_from_lines(lines())
    assert list(p.series_ids) == ["A", "B", "C"]
    assert p.start == date(2025, 1, 1)
    assert p.end == date(2025, 1, 5)
    np.testing.assert_array_equal(p.units[0], [3, 0, 3, 0, 1])  # cancelled and unpaid left out
    np.testing.assert_array_equal(p.units[1], [0, 0, 2, 1, 0])  # a refunded order was demand
    np.testing.assert_allclose(p.price[0], [9.0, 9.0, 8.0, 8.0, 9.0])  # (2*10 + 7) / 3, ffill
    np.testing.assert_allclose(p.price[1], [np.nan, np.nan, 500.0, 600.0, 600.0])  # JPY: 0 dp
    np.testing.assert_array_equal(p.promo[0], [False, False, True, True, False])
    assert not p.promo[1].any()


def test_net_of_refunds_and_product_level() -> None:
    net = panel_from_lines(lines(), net_of_refunds=True)
    np.testing.assert_array_equal(net.units[1], [0, 0, 1, 1, 0])
    np.testing.assert_allclose(net.price[1, 2], 500.0)  # the price of what was bought
    by_product = panel_from_lines(lines(), level="product")
    assert list(by_product.series_ids) == ["spu_A", "spu_B"]
    np.testing.assert_array_equal(by_product.units[0], [3, 1, 3, 0, 1])
    np.testing.assert_allclose(by_product.price[0, 1], 1.0)
    with pytest.raises(ValueError, match="level"):
        panel_from_lines(lines(), level="merchant")


def test_days_are_utc_days_and_the_calendar_can_be_fixed() -> None:
    rows = pd.DataFrame([_line("A", 1, 1, 1000, hour=23), _line("A", 2, 2, 1000, hour=0)])
    p = panel_from_lines(rows, start=date(2024, 12, 30), end=date(2025, 1, 3))
    np.testing.assert_array_equal(p.units[0], [0, 0, 1, 2, 0])
    assert np.isnan(p.price[0, :2]).all()


def test_main_currency_prices_only() -> None:
    rows = pd.DataFrame(
        [
            _line("A", 1, 3, 1000),
            _line("A", 2, 1, 99, currency="USD", list_price=99),
        ]
    )
    p = panel_from_lines(rows)
    np.testing.assert_array_equal(p.units[0], [3, 1])
    np.testing.assert_allclose(p.price[0], [10.0, 10.0])  # the USD line counts, its price not


def test_is_promotion_rule() -> None:
    rule = np.array(["list", "list", "list", "tier", "promo:spring", "contract:c1"])
    unit = np.array([990.0, 991.0, 500.0, 500.0, 1000.0, 100.0])
    listed = np.array([1000.0] * 6)
    assert list(is_promotion(rule, unit, listed)) == [True, False, True, False, True, False]


def test_filters_keep_enough_units_and_days_then_top_n() -> None:
    p = panel_from_lines(lines())  # totals A 7, B 3, C 1; active days A 3, B 2, C 1
    assert list(filter_series(p, min_total_units=3).series_ids) == ["A", "B"]
    assert list(filter_series(p, min_active_days=2).series_ids) == ["A", "B"]
    assert list(filter_series(p, top_n=1).series_ids) == ["A"]
    assert list(panel_from_lines(lines(), top_n=2).series_ids) == ["A", "B"]
    tied = panel_from_frame(
        pd.DataFrame({"series_id": ["z", "y", "x"], "date": ["2025-01-01"] * 3, "units": 1})
    )
    assert list(filter_series(tied, top_n=2).series_ids) == ["x", "y"]  # ties: by id


def test_no_paid_demand_is_an_error() -> None:
    rows = pd.DataFrame([_line("A", 1, 1, 1000, status="cancelled")])
    with pytest.raises(ValueError, match="no paid demand"):
        panel_from_lines(rows)


def test_reads_an_export_directory(tmp_path: Path) -> None:
    orders = tmp_path / "orders"
    orders.mkdir()
    pq.write_table(pa.Table.from_pandas(lines(), preserve_index=False), orders / "part-0.parquet")
    (orders / "_manifest.json").write_text(json.dumps({"dataset": "orders"}))
    from_root = panel_from_orders(tmp_path)
    from_dir = panel_from_orders(orders, top_n=1)
    np.testing.assert_array_equal(from_root.units, panel_from_lines(lines()).units)
    assert list(from_dir.series_ids) == ["A"]
    with pytest.raises(FileNotFoundError):
        panel_from_orders(tmp_path / "missing")


def test_panel_from_frame_fills_days_prices_and_promotions() -> None:
    frame = pd.DataFrame(
        {
            "series_id": ["a", "a", "b", "a"],
            "date": ["2025-01-02", "2025-01-04", "2025-01-01", "2025-01-04"],
            "units": [1.0, 2.0, 5.0, 1.0],
            "price": [3.0, 2.5, 7.0, 2.5],
            "promo": [True, False, False, False],
        }
    )
    p = panel_from_frame(frame)
    assert p.start == date(2025, 1, 1)
    assert p.n_days == 4
    np.testing.assert_array_equal(p.units, [[0, 1, 0, 3], [5, 0, 0, 0]])
    np.testing.assert_allclose(p.price[0], [np.nan, 3.0, 3.0, 2.5])
    np.testing.assert_allclose(p.price[1], [7.0, 7.0, 7.0, 7.0])
    np.testing.assert_array_equal(p.promo[0], [False, True, True, False])
    bare = panel_from_frame(frame[["series_id", "date", "units"]])
    assert np.isnan(bare.price).all()
    assert not bare.promo.any()
    with pytest.raises(ValueError, match="lacks"):
        panel_from_frame(frame[["series_id", "units"]])
    with pytest.raises(ValueError, match="non-negative"):
        panel_from_frame(frame.assign(units=-1.0))


def test_forward_fill() -> None:
    x = np.array([[np.nan, 1.0, np.nan, 3.0, np.nan], [2.0, np.nan, np.nan, np.nan, 4.0]])
    np.testing.assert_array_equal(
        forward_fill(x), [[np.nan, 1.0, 1.0, 3.0, 3.0], [2.0, 2.0, 2.0, 2.0, 4.0]]
    )
