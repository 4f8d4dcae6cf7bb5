"""Turn forecasting and elasticity results into a policy's inputs.

The baseline of a suggestion is the forecast of the horizon at the current price, summed
over its days. Summing per-day quantiles treats the days as moving together (comonotone):
the interval of the total is then as wide as it can be for those daily quantiles, which
errs on the side of wide intervals rather than overconfident ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np

from forecasting.base import Forecast, Panel
from pricing.domain import (
    DemandBaseline,
    Elasticity,
    Guardrails,
    Objective,
    PriceRange,
    PricingRequest,
)
from pricing.elasticity import ElasticityEstimate
from pricing.money import round_price
from pricing.shrinkage import ShrunkElasticity


def _row(ids: np.ndarray, series_id: str) -> int:
    hits = np.flatnonzero(ids.astype(str) == series_id)
    if hits.size == 0:
        raise KeyError(series_id)
    return int(hits[0])


def baseline_from_forecast(
    forecast: Forecast, series_id: str, *, days: int | None = None
) -> DemandBaseline:
    """Units expected over the first ``days`` of the forecast (all of it by default)."""
    row = _row(forecast.series_ids, series_id)
    horizon = forecast.horizon if days is None else min(days, forecast.horizon)
    mean = float(forecast.mean[row, :horizon].sum())
    quantiles = {float(q): float(v[row, :horizon].sum()) for q, v in forecast.quantiles.items()}
    return DemandBaseline(mean=mean, quantiles=quantiles, horizon_days=horizon)


def elasticity_input(raw: ElasticityEstimate, shrunk: ShrunkElasticity | None = None) -> Elasticity:
    """The elasticity a suggestion uses: the shrunk one when given, else the raw one."""
    if shrunk is not None:
        source = "prior" if shrunk.from_prior else "shrunk"
        return Elasticity(shrunk.estimate, shrunk.se, not shrunk.from_prior, source)
    return Elasticity(raw.estimate, raw.se, raw.identifiable, "raw")


def observed_range(panel: Panel, series_id: str, currency: str) -> PriceRange | None:
    """The lowest and highest price the series sold at (days with sales), at minor units."""
    row = _row(panel.series_ids, series_id)
    sold = (panel.units[row] > 0) & np.isfinite(panel.price[row])
    if not sold.any():
        return None
    prices = panel.price[row][sold]
    return PriceRange(
        round_price(Decimal(repr(float(prices.min()))), currency),
        round_price(Decimal(repr(float(prices.max()))), currency),
    )


def current_price(panel: Panel, series_id: str, currency: str) -> Decimal | None:
    """The last known price of the series (the panel carries it forward), at minor units."""
    row = _row(panel.series_ids, series_id)
    known = np.flatnonzero(np.isfinite(panel.price[row]))
    if known.size == 0:
        return None
    return round_price(Decimal(repr(float(panel.price[row, known[-1]]))), currency)


def build_requests(
    panel: Panel,
    forecast: Forecast,
    estimates: Sequence[ElasticityEstimate],
    *,
    currency: str,
    shrunk: Sequence[ShrunkElasticity] | None = None,
    costs: Mapping[str, Decimal] | None = None,
    competitor_prices: Mapping[str, Decimal] | None = None,
    objective: Objective = Objective.PROFIT,
    guardrails: Guardrails | None = None,
) -> list[PricingRequest]:
    """One request per series that has a price, a forecast and an elasticity estimate."""
    shrunk_by = {s.series_id: s for s in shrunk or ()}
    forecast_ids = set(forecast.series_ids.astype(str))
    out = []
    for est in estimates:
        sid = est.series_id
        price = current_price(panel, sid, currency) if sid in panel.series_ids else None
        if price is None or price <= 0 or sid not in forecast_ids:
            continue
        out.append(
            PricingRequest(
                sku_id=sid,
                currency=currency,
                current_price=price,
                elasticity=elasticity_input(est, shrunk_by.get(sid)),
                baseline=baseline_from_forecast(forecast, sid),
                unit_cost=(costs or {}).get(sid),
                observed_range=observed_range(panel, sid, currency),
                competitor_price=(competitor_prices or {}).get(sid),
                objective=objective,
                guardrails=guardrails or Guardrails(),
            )
        )
    return out
