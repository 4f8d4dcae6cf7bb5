"""From a panel, a forecast and estimates to pricing requests and suggestions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from forecasting.base import Forecast, Panel
from pricing.domain import Guardrails, Objective, PriceRange
from pricing.elasticity import estimate_elasticities
from pricing.evaluation.simulator import SimulationSpec, simulate
from pricing.guardrails import is_within
from pricing.inputs import (
    baseline_from_forecast,
    build_requests,
    current_price,
    elasticity_input,
    observed_range,
)
from pricing.policy import ElasticityPolicy
from pricing.shrinkage import shrink


def _forecast(ids: list[str], daily: list[float], horizon: int = 7) -> Forecast:
    mean = np.array([[d] * horizon for d in daily])
    return Forecast(
        np.array(ids),
        date(2025, 7, 1),
        mean,
        {0.1: mean * 0.5, 0.5: mean, 0.9: mean * 1.6},
    )


def test_baseline_sums_the_horizon() -> None:
    fc = _forecast(["a", "b"], [2.0, 3.0])
    b = baseline_from_forecast(fc, "b")
    assert (b.mean, b.horizon_days) == (21.0, 7)
    assert b.quantiles == pytest.approx({0.1: 10.5, 0.5: 21.0, 0.9: 33.6})
    assert baseline_from_forecast(fc, "a", days=3).mean == pytest.approx(6.0)
    with pytest.raises(KeyError):
        baseline_from_forecast(fc, "zzz")


def test_prices_from_the_panel() -> None:
    panel = Panel(
        np.array(["a"]),
        date(2025, 1, 1),
        np.array([[0.0, 2.0, 0.0, 1.0, 0.0]]),
        np.array([[np.nan, 12.345, 12.345, 9.5, 9.5]]),
        np.zeros((1, 5), dtype=bool),
    )
    assert observed_range(panel, "a", "CNY") == PriceRange(Decimal("9.50"), Decimal("12.35"))
    assert current_price(panel, "a", "CNY") == Decimal("9.50")
    assert current_price(panel, "a", "JPY") == Decimal("10")


def test_from_simulated_history_to_suggestions_within_guardrails() -> None:
    sim = simulate(SimulationSpec(n_series=20, n_days=120, mean_units_range=(5.0, 20.0)), 9)
    est = estimate_elasticities(sim.panel, groups=list(sim.groups))
    shrunk = shrink(est).rows
    ids = [str(s) for s in sim.panel.series_ids]
    fc = _forecast(ids[:-1], [5.0] * (len(ids) - 1))  # the last series has no forecast
    costs = {sid: Decimal("40.00") for sid in ids}
    reqs = build_requests(
        sim.panel,
        fc,
        est,
        currency="CNY",
        shrunk=shrunk,
        costs=costs,
        guardrails=Guardrails(max_step=Decimal("0.05")),
    )
    assert len(reqs) == len(ids) - 1
    assert all(r.elasticity.source == "shrunk" for r in reqs)
    assert elasticity_input(est[0]).source == "raw"
    policy = ElasticityPolicy()
    suggestions = [policy.suggest(r) for r in reqs]
    for r, s in zip(reqs, suggestions, strict=True):
        assert r.objective is Objective.PROFIT
        assert s.suggested_price.as_tuple().exponent == -2
        if s.is_change:
            assert is_within(s.suggested_price, r)
    assert any(s.is_change for s in suggestions)
