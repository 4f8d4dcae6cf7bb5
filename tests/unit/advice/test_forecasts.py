"""Demand forecast rules, without a database: what a forecast's arrays must look like."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

import pytest

from marketplace.advice.domain import DemandForecast, InvalidDemandForecastError, check_forecast
from marketplace.advice.domain.forecasts import check_backtest, quantile_key

START = date(2026, 3, 2)


def test_a_forecast_is_normalised_keys_canonical_and_ordered_by_level() -> None:
    mean, quantiles = check_forecast(
        [1, 2.5, 0], {"0.95": [3, 5, 1], 0.05: [0, 1, 0], "0.50": [1, 2, 0]}, START
    )
    assert mean == (1.0, 2.5, 0.0)
    assert list(quantiles) == ["0.05", "0.5", "0.95"]
    assert quantiles["0.5"] == (1.0, 2.0, 0.0)


def test_days_and_quantiles_of_a_stored_forecast() -> None:
    forecast = DemandForecast(
        sku_id="sku_1", merchant_id="mer_1", generated_at=datetime(2026, 3, 1, tzinfo=UTC),
        model_name="ets", model_version="2", start_date=START, mean=(1.0, 2.0),
        quantiles={"0.05": (0.0, 0.5), "0.95": (3.0, 4.0)},
    )  # fmt: skip
    assert forecast.horizon_days == 2
    assert forecast.days() == [date(2026, 3, 2), date(2026, 3, 3)]
    assert forecast.quantile(0.05) == (0.0, 0.5)
    assert forecast.quantile(0.5) is None
    assert quantile_key("0.050") == "0.05"


@pytest.mark.parametrize(
    ("mean", "quantiles"),
    [
        ([], {}),  # no day
        ([0.0] * 367, {}),  # beyond the longest horizon
        ([1, -0.5], {}),  # negative units
        ([1, math.nan], {}),
        ([1, True], {}),
        ("12", {}),  # not a list
        ([1, 2], {"0.5": [1]}),  # a quantile of another length
        ([1, 2], {"1.5": [1, 2]}),  # not a level in (0, 1)
        ([1, 2], {"median": [1, 2]}),
        ([1, 2], {"0.5": [1, 2], 0.5: [1, 2]}),  # the same level twice
        ([1, 2], {"0.05": [1, 3], "0.95": [2, 2.5]}),  # crossing on the second day
    ],
)
def test_malformed_forecasts_are_refused(mean: Any, quantiles: dict[Any, Any]) -> None:
    with pytest.raises(InvalidDemandForecastError):
        check_forecast(mean, quantiles, START)


def test_the_start_is_a_date() -> None:
    with pytest.raises(InvalidDemandForecastError):
        check_forecast([1], {}, datetime(2026, 3, 2, tzinfo=UTC))


def test_backtest_scores() -> None:
    assert check_backtest(None) is None
    assert check_backtest({"mase": 1, "coverage_90": 0.88}) == {"mase": 1.0, "coverage_90": 0.88}
    for bad in ({"mase": "good"}, {"mase": math.inf}, {"": 1.0}, {"mase": False}):
        with pytest.raises(InvalidDemandForecastError):
            check_backtest(bad)
