"""What each statistical model forecasts, against hand-computed values."""

from __future__ import annotations

from datetime import date
from statistics import NormalDist, pstdev

import numpy as np
import pytest

from forecasting import factory
from forecasting.base import Panel
from forecasting.models.core import ordered, residual_quantiles
from forecasting.models.ets import ETSForecaster
from forecasting.models.intermittent import CrostonForecaster, TSBForecaster
from forecasting.models.naive import SeasonalNaiveForecaster
from tests.ml.forecasting.conftest import make_panel


def one(*rows: list[float]) -> Panel:
    units = np.array(rows, dtype=np.float64)
    n = len(rows)
    ids = np.array([f"s{i}" for i in range(n)])
    return Panel(ids, date(2025, 1, 1), units, np.ones_like(units), np.zeros_like(units, bool))


def test_residual_quantiles_interpolate_clip_and_order() -> None:
    point = np.array([[1.0, 1.0], [0.0, 0.0]])
    res = np.array([[-1.0, 0.0, 1.0, 2.0], [np.nan] * 4])
    q = residual_quantiles(point, res, [0.05, 0.5])
    np.testing.assert_allclose(q[0.05][0], [0.15, 0.15])  # -1 + 0.15 * (0 - -1)
    np.testing.assert_allclose(q[0.5][0], [1.5, 1.5])
    np.testing.assert_array_equal(q[0.5][1], [0.0, 0.0])  # no residuals: the point
    fixed = ordered({0.9: np.array([1.0]), 0.1: np.array([-2.0]), 0.5: np.array([0.5])})
    assert [float(fixed[k][0]) for k in (0.1, 0.5, 0.9)] == [0.0, 0.5, 1.0]
    crossed = ordered({0.1: np.array([3.0]), 0.9: np.array([2.0])})
    assert float(crossed[0.9][0]) == 3.0


def test_seasonal_naive_repeats_the_last_week_with_its_own_errors() -> None:
    week = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    periodic = one(week * 4)
    fc = SeasonalNaiveForecaster().fit(periodic).predict(10)
    np.testing.assert_array_equal(fc.mean[0], [1, 2, 3, 4, 5, 6, 7, 1, 2, 3])
    for q in fc.quantiles.values():  # a perfectly periodic past: no error
        np.testing.assert_array_equal(q, fc.mean)
    noisy = one([0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0])
    fc = SeasonalNaiveForecaster().fit(noisy).predict(1, quantiles=[0.1, 0.9])
    # one-week errors from the first sale on: [4 - 2] + six zeros -> q0.9 = 0.4 * 2 = 0.8
    assert fc.mean[0, 0] == 4.0
    assert fc.quantiles[0.9][0, 0] == pytest.approx(4.8)
    assert fc.quantiles[0.1][0, 0] == pytest.approx(4.0)


def test_seasonal_naive_with_less_than_a_season() -> None:
    fc = SeasonalNaiveForecaster().fit(one([1.0, 3.0, 2.0])).predict(4)
    np.testing.assert_array_equal(fc.mean[0], [2, 2, 2, 2])


Y = [0.0, 0.0, 2.0, 0.0, 0.0, 4.0, 0.0, 1.0]  # two zeros before the first sale


def test_croston_by_hand() -> None:
    # From the first sale: [2, 0, 0, 4, 0, 1]; start size 7/3, interval 2; alpha 0.5.
    # size 13/6 -> 37/12 -> 49/24; interval 2 -> 2.5 -> 2.25; rate 49/54.
    plain = CrostonForecaster(alpha=0.5, sba=False).fit(one(Y)).predict(3)
    np.testing.assert_allclose(plain.mean[0], [49 / 54] * 3)
    sba = CrostonForecaster(alpha=0.5).fit(one(Y)).predict(3)
    np.testing.assert_allclose(sba.mean[0], [49 / 54 * 0.75] * 3)
    median = CrostonForecaster(alpha=0.5, sba=False).fit(one(Y)).predict(1, quantiles=[0.5])
    # one-step errors: 0 - 13/12, 0 - 13/12, 4 - 13/12, 0 - 37/30, 1 - 37/30
    errors = [-13 / 12, -13 / 12, 4 - 13 / 12, -37 / 30, 1 - 37 / 30]
    assert median.quantiles[0.5][0, 0] == pytest.approx(max(49 / 54 + np.median(errors), 0))


def test_tsb_by_hand() -> None:
    # Start size 7/3, probability 1/2; alpha = beta = 0.5.
    # probability .75 .375 .1875 .59375 .296875 .6484375; size 13/6 -> 37/12 -> 49/24.
    fc = TSBForecaster(alpha=0.5, beta=0.5).fit(one(Y)).predict(2)
    np.testing.assert_allclose(fc.mean[0], [0.6484375 * 49 / 24] * 2)


def test_tsb_decays_when_a_sku_stops_selling_and_croston_does_not() -> None:
    y = [3.0] * 30 + [0.0] * 30
    tsb = TSBForecaster(alpha=0.1, beta=0.1).fit(one(y)).predict(1).mean[0, 0]
    croston = CrostonForecaster(alpha=0.1).fit(one(y)).predict(1).mean[0, 0]
    assert tsb < 0.2 < 2.0 < croston


def test_grid_choice_is_per_series_and_leading_zeros_do_not_matter() -> None:
    a = TSBForecaster().fit(one(Y, [*Y[2:], 0.0, 0.0]))
    chosen = a._smoothing
    assert chosen.shape == (2, 2)
    assert set(chosen[:, 0]) <= {0.05, 0.1, 0.2, 0.3}
    b = CrostonForecaster(alpha=0.3).fit(one(Y)).predict(1).mean
    c = CrostonForecaster(alpha=0.3).fit(one(Y[2:])).predict(1).mean
    np.testing.assert_allclose(b, c)
    with pytest.raises(ValueError):
        CrostonForecaster(alpha=1.5)


def test_ets_constant_and_trending_series() -> None:
    flat = ETSForecaster().fit(one([5.0] * 60)).predict(7)
    np.testing.assert_allclose(flat.mean[0], 5.0, atol=1e-6)
    rising = ETSForecaster().fit(one(list(np.arange(1.0, 61.0)))).predict(7)
    assert rising.mean[0, 0] > 55
    assert rising.mean[0, -1] > rising.mean[0, 0]
    weekly = ETSForecaster().fit(one([10.0, 10, 10, 10, 10, 20, 2] * 10)).predict(7)
    assert weekly.mean[0, 5] > 15 > 5 > weekly.mean[0, 6]


def test_ets_short_history_falls_back_to_the_mean_with_normal_intervals() -> None:
    y = [0.0] * 20 + [2.0, 4.0, 0.0, 6.0]  # four days since the first sale < min_history
    fc = ETSForecaster().fit(one(y)).predict(3, quantiles=[0.5, 0.95])
    np.testing.assert_allclose(fc.mean[0], 3.0)
    np.testing.assert_allclose(fc.quantiles[0.5][0], 3.0)
    upper = 3.0 + NormalDist().inv_cdf(0.95) * pstdev([2.0, 4.0, 0.0, 6.0])
    np.testing.assert_allclose(fc.quantiles[0.95][0], upper)


@pytest.mark.parametrize("name", ["seasonal_naive", "ets", "croston", "tsb"])
def test_a_series_that_never_sold_is_forecast_as_zero(name: str) -> None:
    panel = make_panel()
    fc = factory.make(name).fit(panel).predict(14)
    row = list(panel.series_ids).index("sku_01")
    assert not panel.units[row].any()
    np.testing.assert_array_equal(fc.mean[row], 0.0)
    for q in fc.quantiles.values():
        np.testing.assert_array_equal(q[row], 0.0)
