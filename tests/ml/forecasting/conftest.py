"""Small synthetic panels shared by the forecasting tests."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from forecasting.base import Panel

WEEK = np.array([1.0, 1.0, 1.0, 1.0, 1.3, 1.6, 0.6])


def make_panel(n_series: int = 6, n_days: int = 70, seed: int = 0) -> Panel:
    """Weekly-seasonal Poisson series of mixed size, one launched late, one never sold."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(0.2, 12.0, size=n_series)
    lam = level[:, None] * np.tile(WEEK, n_days // 7 + 1)[:n_days][None, :]
    units = rng.poisson(lam).astype(np.float64)
    if n_series >= 3:
        units[1] = 0.0  # never sold
        units[2, : n_days // 2] = 0.0  # launched halfway
    price = np.where(units > 0, 10.0, np.nan)
    price[:, 0] = 10.0
    promo = np.zeros_like(units, dtype=bool)
    promo[:, n_days - 10 : n_days - 5] = True
    ids = np.array([f"sku_{i:02d}" for i in range(n_series)])
    return Panel(ids, date(2025, 3, 3), units, np.nan_to_num(price, nan=10.0), promo)


@pytest.fixture
def panel() -> Panel:
    return make_panel()
