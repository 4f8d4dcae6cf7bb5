"""What the suggestions would do if the planted elasticities were the truth.

Each product gets a request as a pipeline would build it (current price and observed range
from the panel, the shrunk elasticity, default guardrails, profit objective) with a unit
cost of ``cost_share`` of the current price and a deliberately simple baseline: the mean
daily units of the last ``window`` days times the horizon, without quantiles, so that the
intervals carry the elasticity's uncertainty alone. Each change is then scored with the
product's planted elasticity on the same baseline: did profit truly rise, and does the
suggestion's profit interval hold the true change?
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from forecasting.base import Forecast, Panel
from pricing.domain import PriceSuggestion
from pricing.elasticity import ElasticityEstimate
from pricing.inputs import build_requests
from pricing.money import round_price
from pricing.policy import ElasticityPolicy
from pricing.shrinkage import ShrunkElasticity


def recent_mean_forecast(panel: Panel, *, window: int = 28, horizon: int = 28) -> Forecast:
    """Every day of the horizon at the mean of the last ``window`` days."""
    daily = panel.units[:, -window:].mean(axis=1)
    mean = np.repeat(daily[:, None], horizon, axis=1)
    return Forecast(panel.series_ids, panel.end + timedelta(days=1), mean, {})


def check_policy(
    panel: Panel,
    estimates: Sequence[ElasticityEstimate],
    shrunk: Sequence[ShrunkElasticity],
    truth: dict[str, float],
    *,
    currency: str = "CNY",
    cost_share: float = 0.6,
    horizon: int = 28,
) -> dict[str, Any]:
    """Suggest for every product and score the changes against the planted elasticities."""
    forecast = recent_mean_forecast(panel, horizon=horizon)
    ids = [str(s) for s in panel.series_ids]
    prices = {sid: panel.price[i][np.isfinite(panel.price[i])] for i, sid in enumerate(ids)}
    costs = {
        sid: round_price(Decimal(repr(float(p[-1]) * cost_share)), currency)
        for sid, p in prices.items()
        if p.size
    }
    requests = build_requests(
        panel, forecast, estimates, currency=currency, shrunk=shrunk, costs=costs
    )
    policy = ElasticityPolicy()
    suggestions = [policy.suggest(r) for r in requests]
    changed = [s for s in suggestions if s.is_change and s.sku_id in truth]
    true_gain = [
        _true_profit_change(s, costs[s.sku_id], truth[s.sku_id], forecast) for s in changed
    ]
    held = [
        s.profit is not None and float(s.profit.low) <= g <= float(s.profit.high)
        for s, g in zip(changed, true_gain, strict=True)
    ]
    return {
        "protocol": {
            "cost_share": cost_share,
            "horizon_days": horizon,
            "baseline": "mean of the last 28 days, no quantiles",
            "interval_level": policy.interval_level,
        },
        "requests": len(requests),
        "changed": len(changed),
        "reasons": dict(Counter(str(s.reason) for s in suggestions if not s.is_change)),
        "binding": dict(Counter(str(c) for s in changed for c in s.binding)),
        "moves_up": sum(s.suggested_price > s.current_price for s in changed),
        "share_true_profit_gain": _share([g > 0 for g in true_gain]),
        "mean_true_profit_gain_pct": _mean_pct(changed, true_gain, forecast, costs),
        "profit_interval_coverage": _share(held),
    }


def _true_profit_change(
    s: PriceSuggestion, cost: Decimal, e_true: float, forecast: Forecast
) -> float:
    row = int(np.flatnonzero(forecast.series_ids.astype(str) == s.sku_id)[0])
    base = float(forecast.mean[row].sum())
    p0, p1, c = float(s.current_price), float(s.suggested_price), float(cost)
    return float(base * ((p1 - c) * (p1 / p0) ** e_true - (p0 - c)))


def _mean_pct(
    changed: Sequence[PriceSuggestion],
    gains: Sequence[float],
    forecast: Forecast,
    costs: dict[str, Decimal],
) -> float | None:
    pct = []
    for s, g in zip(changed, gains, strict=True):
        row = int(np.flatnonzero(forecast.series_ids.astype(str) == s.sku_id)[0])
        now = float(forecast.mean[row].sum()) * float(s.current_price - costs[s.sku_id])
        if now > 0:
            pct.append(100.0 * g / now)
    return round(float(np.mean(pct)), 3) if pct else None


def _share(flags: Sequence[bool]) -> float | None:
    return round(float(np.mean(flags)), 4) if flags else None
