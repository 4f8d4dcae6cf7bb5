"""Recovery metrics against hand-computed values."""

from __future__ import annotations

import math

import pytest

from pricing.evaluation import metrics


def test_mae_rmse_bias_by_hand() -> None:
    est, truth = [-1.0, -2.0, -0.5], [-1.5, -2.0, -1.5]
    # errors 0.5, 0, 1.0
    assert metrics.mae(est, truth) == pytest.approx(0.5)
    assert metrics.rmse(est, truth) == pytest.approx(math.sqrt((0.25 + 0 + 1.0) / 3))
    assert metrics.bias(est, truth) == pytest.approx(0.5)


def test_coverage_counts_closed_intervals() -> None:
    low, high, truth = [-2.0, -1.0, -3.0, 0.0], [-1.0, 0.0, -2.5, 1.0], [-1.0, -1.5, -2.5, 2.0]
    # -1 in [-2,-1] yes; -1.5 in [-1,0] no; -2.5 in [-3,-2.5] yes; 2 in [0,1] no
    assert metrics.coverage(low, high, truth) == 0.5
    assert metrics.mean_width(low, high) == pytest.approx((1 + 1 + 0.5 + 1) / 4)


def test_empty_inputs_are_nan_and_shapes_must_agree() -> None:
    assert math.isnan(metrics.mae([], []))
    assert math.isnan(metrics.coverage([], [], []))
    with pytest.raises(ValueError, match="one shape"):
        metrics.mae([1.0], [1.0, 2.0])
