"""Metrics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forecasting.evaluation.metrics import (
    bias,
    coverage,
    mase,
    naive_scale,
    pinball_loss,
    rmsse,
    wape,
)

ACTUAL = np.array([1.0, 2.0, 3.0])
FORECAST = np.array([2.0, 2.0, 2.0])
TRAIN = np.array([1.0, 3.0, 2.0, 4.0])


def test_naive_scale() -> None:
    assert naive_scale(TRAIN, 1) == pytest.approx(5 / 3)  # |2| + |-1| + |2|
    assert naive_scale(TRAIN, 1, power=2) == pytest.approx(3.0)  # (4 + 1 + 4) / 3
    assert naive_scale(TRAIN, 2) == pytest.approx(1.0)  # |2 - 1|, |4 - 3|
    assert math.isnan(naive_scale(TRAIN, 4))
    with pytest.raises(ValueError):
        naive_scale(TRAIN, 0)


def test_rmsse() -> None:
    # MSE (1 + 0 + 1) / 3 over the naive MSE 3
    assert rmsse(ACTUAL, FORECAST, TRAIN) == pytest.approx(math.sqrt(2 / 9))
    assert rmsse(ACTUAL, ACTUAL, TRAIN) == 0.0
    assert math.isnan(rmsse(ACTUAL, FORECAST, np.array([2.0, 2.0, 2.0])))  # constant past
    assert math.isnan(rmsse(ACTUAL, FORECAST, np.array([2.0])))


def test_mase() -> None:
    assert mase(ACTUAL, FORECAST, TRAIN, season=1) == pytest.approx((2 / 3) / (5 / 3))
    assert mase(ACTUAL, FORECAST, TRAIN, season=2) == pytest.approx(2 / 3)
    assert math.isnan(mase(ACTUAL, FORECAST, TRAIN))  # 4 days cannot scale a weekly season


def test_wape_and_bias() -> None:
    assert wape(ACTUAL, FORECAST) == pytest.approx(2 / 6)
    assert wape(np.array([[1.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 1.0], [3.0, 2.0]])) == (
        pytest.approx(4 / 8)
    )
    assert math.isnan(wape(np.zeros(3), FORECAST))
    assert bias(ACTUAL, FORECAST) == 0.0
    assert bias(ACTUAL, np.array([3.0, 3.0, 3.0])) == pytest.approx(0.5)
    assert bias(ACTUAL, np.zeros(3)) == -1.0
    with pytest.raises(ValueError, match="shape"):
        wape(ACTUAL, FORECAST[:2])


def test_coverage() -> None:
    low, high = np.array([0.0, 2.5, 3.0]), np.array([1.0, 3.0, 3.0])
    assert coverage(ACTUAL, low, high) == pytest.approx(2 / 3)  # bounds count as inside


def test_pinball_loss() -> None:
    # errors -1, 0, 1: 0.9 quantile -> (0.1 + 0 + 0.9) / 3; 0.1 quantile -> (0.9 + 0 + 0.1) / 3
    assert pinball_loss(ACTUAL, FORECAST, 0.9) == pytest.approx(1 / 3)
    assert pinball_loss(ACTUAL, FORECAST, 0.1) == pytest.approx(1 / 3)
    assert pinball_loss(ACTUAL, np.zeros(3), 0.9) == pytest.approx(0.9 * 6 / 3)
    assert pinball_loss(ACTUAL, np.full(3, 10.0), 0.9) == pytest.approx(0.1 * 24 / 3)
    assert pinball_loss(ACTUAL, FORECAST, 0.5) == pytest.approx(0.5 * mean_abs())
    with pytest.raises(ValueError):
        pinball_loss(ACTUAL, FORECAST, 1.0)


def mean_abs() -> float:
    return float(np.mean(np.abs(ACTUAL - FORECAST)))
