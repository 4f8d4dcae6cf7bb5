"""Empirical-Bayes shrinkage toward the group mean."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pricing.elasticity import ElasticityEstimate, estimate_elasticities
from pricing.evaluation.simulator import SimulationSpec, simulate
from pricing.shrinkage import NoIdentifiableSeriesError, shrink


def _est(sid: str, group: str, value: float, se: float) -> ElasticityEstimate:
    ident = math.isfinite(value)
    return ElasticityEstimate(
        series_id=sid,
        group=group,
        estimate=value,
        se=se,
        ci_low=value - 1.96 * se,
        ci_high=value + 1.96 * se,
        n_obs=100,
        units=100.0,
        log_price_sd=0.1,
        partial_price_sd=0.1,
        identifiable=ident,
        reason=None if ident else "too_few_sales",
    )


def test_sparse_series_move_toward_the_group_mean_more_than_dense_ones() -> None:
    rng = np.random.default_rng(0)
    rows = [_est(f"d{i}", "g", -1.5 + rng.normal(0, 0.5), 0.1) for i in range(20)]
    rows.append(_est("dense", "g", -3.0, 0.1))
    rows.append(_est("sparse", "g", -3.0, 1.5))
    result = shrink(rows)
    by_id = {r.series_id: r for r in result.rows}
    prior = result.priors["g"].mean
    dense, sparse = by_id["dense"], by_id["sparse"]
    assert abs(dense.estimate - (-3.0)) < 0.1
    assert abs(sparse.estimate - prior) < abs(dense.estimate - prior) / 3
    assert sparse.weight < 0.2 < 0.8 < dense.weight
    assert sparse.se < 1.5  # the prior sharpens a vague estimate
    assert 0.3 < result.tau < 0.8


def test_posterior_matches_the_normal_normal_formula() -> None:
    rows = [
        _est("a", "g", -1.0, 0.2),
        _est("b", "g", -2.0, 0.2),
        _est("c", "g", -3.0, 0.2),
        _est("d", "g", -2.0, 1.0),
    ]
    result = shrink(rows)
    tau2, prior = result.tau**2, result.priors["g"]
    d = next(r for r in result.rows if r.series_id == "d")
    b = 1.0 / (1.0 + tau2)  # s^2 / (s^2 + tau^2) with s = 1
    assert d.estimate == pytest.approx(prior.mean + (1 - b) * (-2.0 - prior.mean))
    assert d.se**2 == pytest.approx((1 - b) * 1.0 + b**2 * prior.mean_se**2)
    assert d.ci_high - d.ci_low == pytest.approx(2 * 1.959964 * d.se, rel=1e-5)


def test_unidentified_series_get_the_prior_and_are_flagged() -> None:
    rows = [_est(f"s{i}", "g", v, 0.3) for i, v in enumerate([-1.0, -1.5, -2.0, -2.5])]
    rows.append(_est("none", "g", math.nan, math.nan))
    result = shrink(rows)
    none = result.rows[-1]
    assert none.from_prior
    assert none.weight == 0.0
    assert none.estimate == pytest.approx(result.priors["g"].mean)
    assert none.se == pytest.approx(math.sqrt(result.tau**2 + result.priors["g"].mean_se ** 2))


def test_small_groups_borrow_the_global_mean() -> None:
    rows = [_est(f"a{i}", "big", -2.0 + 0.1 * i, 0.2) for i in range(6)]
    rows.append(_est("lonely", "small", -0.5, 0.5))
    result = shrink(rows, min_group_size=3)
    assert result.priors["small"].pooled
    assert result.priors["small"].mean == pytest.approx(result.global_mean)
    assert not result.priors["big"].pooled


def test_no_identifiable_series_is_an_error() -> None:
    with pytest.raises(NoIdentifiableSeriesError, match="no identifiable"):
        shrink([_est("x", "g", math.nan, math.nan)])


def test_shrinkage_lowers_error_on_simulated_sparse_series() -> None:
    spec = SimulationSpec(
        n_series=120, n_days=150, mean_units_range=(0.5, 4.0), n_groups=3, within_group_sd=0.3
    )
    sim = simulate(spec, seed=11)
    raw = estimate_elasticities(sim.panel, groups=sim.groups)
    result = shrink(raw)
    ident = np.array([e.identifiable for e in raw])
    raw_err = np.abs(np.array([e.estimate for e in raw]) - sim.elasticity)[ident]
    shrunk_err = np.abs(np.array([r.estimate for r in result.rows]) - sim.elasticity)[ident]
    assert shrunk_err.mean() < 0.7 * raw_err.mean()
    covered = np.mean([r.covers(t) for r, t in zip(result.rows, sim.elasticity, strict=True)])
    assert covered >= 0.85
