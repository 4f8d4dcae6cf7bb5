"""Elasticity recovery on the library's simulator, identifiability, promotions."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from pricing.elasticity import (
    NO_PRICE_VARIATION,
    PRICE_ONLY_WITH_PROMO,
    TOO_FEW_SALES,
    TOO_UNCERTAIN,
    ElasticityEstimate,
    Identifiability,
    estimate_elasticities,
)
from pricing.evaluation.simulator import SimulationSpec, simulate

DENSE = SimulationSpec(n_series=30, n_days=240, mean_units_range=(20.0, 40.0))


def test_dense_series_are_recovered_within_tolerance() -> None:
    sim = simulate(DENSE, seed=1)
    est = estimate_elasticities(sim.panel, groups=sim.groups)
    assert all(e.identifiable for e in est)
    errors = np.array([e.estimate for e in est]) - sim.elasticity
    ses = np.array([e.se for e in est])
    assert np.max(np.abs(errors)) < 0.6
    assert np.mean(np.abs(errors)) < 0.15
    assert np.all(np.abs(errors) < 4 * ses)
    assert all(e.ci_low < e.estimate < e.ci_high for e in est)


def test_promotion_lift_is_told_apart_from_the_price_cut() -> None:
    sim = simulate(replace(DENSE, promo_lift=1.5), seed=2)
    est = estimate_elasticities(sim.panel)
    lifts = np.array([e.promo_lift for e in est])
    # log(1.5) = 0.405 on top of the price effect; without the dummy it would leak into e.
    assert abs(float(np.median(lifts)) - np.log(1.5)) < 0.08
    errors = np.array([e.estimate for e in est]) - sim.elasticity
    assert abs(float(np.mean(errors))) < 0.1


def test_interval_coverage_is_close_to_nominal() -> None:
    spec = SimulationSpec(n_series=300, n_days=180, mean_units_range=(3.0, 20.0))
    sim = simulate(spec, seed=3)
    est = estimate_elasticities(sim.panel, groups=sim.groups)
    covered = [e.covers(t) for e, t in zip(est, sim.elasticity, strict=True) if e.identifiable]
    assert len(covered) == 300
    assert 0.90 <= np.mean(covered) <= 0.99


def test_identifiability_flags() -> None:
    spec = SimulationSpec(n_series=12, n_days=120, mean_units_range=(5.0, 10.0))
    sim = simulate(spec, seed=4)
    panel = sim.panel
    price, units, promo = panel.price.copy(), panel.units.copy(), panel.promo.copy()
    price[0] = 100.0  # never moves
    promo[0] = False
    price[1] = np.where(promo[1], 80.0, 100.0)  # moves only with its promotions
    units[2] = 0.0
    units[2, :3] = 1.0  # three sales in four months
    est = estimate_elasticities(replace(panel, price=price, units=units, promo=promo))
    assert (est[0].identifiable, est[0].reason) == (False, NO_PRICE_VARIATION)
    assert (est[1].identifiable, est[1].reason) == (False, PRICE_ONLY_WITH_PROMO)
    assert est[1].log_price_sd > 0.05  # raw spread there, but all of it promotional
    assert (est[2].identifiable, est[2].reason) == (False, TOO_FEW_SALES)
    assert np.isnan(est[0].estimate)
    assert not est[0].covers(-1.0)
    assert all(e.identifiable for e in est[3:])
    assert est[0].n_obs == 120
    assert est[0].log_price_sd == 0.0


def test_groups_by_id_or_by_row() -> None:
    sim = simulate(SimulationSpec(n_series=4, n_days=60), seed=5)
    by_row = estimate_elasticities(sim.panel, groups=["x", "x", "y", "y"])
    by_id = estimate_elasticities(sim.panel, groups={"s0000": "x", "s0003": "y"})
    assert [e.group for e in by_row] == ["x", "x", "y", "y"]
    assert [e.group for e in by_id] == ["x", "all", "all", "y"]
    with pytest.raises(ValueError, match="one group"):
        estimate_elasticities(sim.panel, groups=["x"])


def test_prices_seen_on_sales_only_remove_the_carry_forward_bias() -> None:
    # Sparse series: a price rise stops sales, so the carried (old) price sits on the
    # zero days that the new price caused, and the naive estimate drifts toward zero.
    spec = SimulationSpec(
        n_series=150, n_days=180, mean_units_range=(0.5, 2.0), price_from_sales_only=True
    )
    sim = simulate(spec, seed=6)
    naive = estimate_elasticities(sim.panel)
    em = estimate_elasticities(sim.panel, price_seen_on_sales=True)

    def bias(est: list[ElasticityEstimate]) -> float:
        pairs = [
            (e.estimate, t) for e, t in zip(est, sim.elasticity, strict=True) if e.identifiable
        ]
        return float(np.mean([a - b for a, b in pairs]))

    assert bias(naive) > 0.5
    assert abs(bias(em)) < 0.35


@pytest.mark.slow
def test_coverage_with_prices_seen_on_sales_over_many_series() -> None:
    spec = SimulationSpec(
        n_series=600, n_days=180, mean_units_range=(1.0, 10.0), price_from_sales_only=True
    )
    sim = simulate(spec, seed=7)
    est = estimate_elasticities(sim.panel, groups=sim.groups, price_seen_on_sales=True)
    covered = [e.covers(t) for e, t in zip(est, sim.elasticity, strict=True) if e.identifiable]
    assert len(covered) > 550
    assert 0.91 <= np.mean(covered) <= 0.98


def test_an_estimate_too_vague_to_use_is_flagged() -> None:
    # ~40 units over four months and a price that wanders a few per cent: se of 3 and more.
    spec = SimulationSpec(
        n_series=6,
        n_days=120,
        mean_units_range=(0.3, 0.4),
        price_change_range=(0.88, 1.12),
        promo_every=(400, 401),
    )
    panel = simulate(spec, seed=8).panel
    est = estimate_elasticities(panel)
    loose = estimate_elasticities(panel, criteria=Identifiability(max_se=math.inf))
    vague = [i for i, e in enumerate(loose) if e.identifiable and e.se > 2.0]
    assert len(vague) >= 3
    assert all(est[i].reason == TOO_UNCERTAIN and not est[i].identifiable for i in vague)
    assert all(est[i].identifiable for i, e in enumerate(loose) if e.identifiable and e.se <= 2)
