"""Poisson pseudo-ML: recovery, robust errors, weights, failures."""

from __future__ import annotations

import numpy as np
import pytest

from pricing.glm import FitError, fit_poisson


def _data(n: int, seed: int, overdispersed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(n), rng.normal(0, 0.3, n), rng.random(n) < 0.2])
    mu = np.exp(x @ np.array([1.0, -2.0, 0.3]))
    if overdispersed:  # gamma-Poisson: same mean, variance mu + mu^2 / 2
        mu = mu * rng.gamma(2.0, 0.5, n)
    return x, rng.poisson(mu).astype(float)


def test_recovers_coefficients_within_a_few_standard_errors() -> None:
    x, y = _data(4000, seed=1)
    fit = fit_poisson(x, y)
    assert fit.converged
    assert np.all(np.abs(fit.coef - [1.0, -2.0, 0.3]) < 4 * fit.se)
    assert fit.se[1] < 0.05


def test_robust_errors_match_the_spread_under_overdispersion() -> None:
    # The sandwich error tracks the estimate's true spread when Poisson variance is wrong.
    slopes, ses = [], []
    for seed in range(60):
        x, y = _data(600, seed=seed, overdispersed=True)
        fit = fit_poisson(x, y)
        slopes.append(fit.coef[1])
        ses.append(fit.se[1])
    ratio = float(np.mean(ses) / np.std(slopes))
    assert 0.8 < ratio < 1.25
    assert abs(float(np.mean(slopes)) + 2.0) < 0.05


def test_weights_act_like_repeated_rows() -> None:
    x, y = _data(300, seed=3)
    doubled = fit_poisson(np.vstack([x, x[:50]]), np.concatenate([y, y[:50]]))
    weights = np.ones(300)
    weights[:50] = 2.0
    weighted = fit_poisson(x, y, weights=weights)
    assert np.allclose(doubled.coef, weighted.coef, atol=1e-6)


def test_offset_shifts_the_intercept_only() -> None:
    x, y = _data(500, seed=4)
    plain = fit_poisson(x, y)
    shifted = fit_poisson(x, y, offset=np.full(500, 0.7))
    assert shifted.coef[0] == pytest.approx(plain.coef[0] - 0.7, abs=1e-6)
    assert shifted.coef[1] == pytest.approx(plain.coef[1], abs=1e-6)


def test_no_sales_and_singular_designs_fail() -> None:
    x = np.column_stack([np.ones(50), np.linspace(0, 1, 50)])
    with pytest.raises(FitError, match="no sales"):
        fit_poisson(x, np.zeros(50))
    with pytest.raises(FitError, match="observations"):
        fit_poisson(x[:2], np.ones(2))
    constant = np.column_stack([np.ones(50), np.ones(50)])
    with pytest.raises(FitError, match="singular"):
        fit_poisson(constant, np.ones(50))
