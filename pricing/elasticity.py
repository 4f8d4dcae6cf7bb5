"""Price elasticity per series from a ``Panel``: Poisson pseudo-ML on log price.

For each series (a SKU or a product) the model is

    E[units_t] = exp(a + e * log(price_t) + g * promo_t + seasonal controls_t + offset_t)

so ``e`` is the elasticity (the per cent change in units per per cent change in price, at
any price: demand is ``(p / p0) ** e``) and ``g`` the log lift of a promotion over and
above its price cut. See ``pricing.glm`` for why Poisson and ``pricing.design`` for the
controls. A series whose price never moves apart from its promotions, or with too few
days or sales, is flagged not identifiable; ``pricing.shrinkage`` gives it its group prior.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from forecasting.base import Panel
from pricing.design import Controls, SeriesDesign, calendar_columns, market_offsets, series_design
from pricing.design import partial_sd as _partial_sd
from pricing.glm import FitError, PoissonFit, fit_poisson

METHOD = "poisson_pml_hc1"

# Why a series is not identifiable (stable codes, in reports and JSON).
TOO_FEW_DAYS = "too_few_days"
TOO_FEW_SALES = "too_few_sales"
NO_PRICE_VARIATION = "no_price_variation"
PRICE_ONLY_WITH_PROMO = "price_moves_only_with_promo"
FIT_FAILED = "fit_failed"
TOO_UNCERTAIN = "too_uncertain"


@dataclass(frozen=True)
class Identifiability:
    """What a series needs for its own elasticity estimate."""

    min_days: int = 28
    min_units: float = 20.0
    min_log_price_sd: float = 0.02
    min_partial_sd: float = 0.01
    # An interval wider than about +-4 says nothing a category prior does not say better,
    # and with so little information the sandwich error itself is unreliable.
    max_se: float = 2.0


@dataclass(frozen=True)
class ElasticityEstimate:
    """One series' own estimate (NaN estimate and se when not identifiable)."""

    series_id: str
    group: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n_obs: int  # days with a known price
    units: float  # units sold on those days
    log_price_sd: float  # spread of log price over those days
    partial_price_sd: float  # what is left of it once promotions and controls are out
    identifiable: bool
    reason: str | None  # why not identifiable
    promo_lift: float = math.nan  # log multiplier of a promotion beyond its price
    promo_se: float = math.nan
    method: str = METHOD

    def covers(self, value: float) -> bool:
        return self.identifiable and self.ci_low <= value <= self.ci_high


def estimate_elasticities(
    panel: Panel,
    *,
    groups: Sequence[str] | np.ndarray | Mapping[str, str] | None = None,
    controls: Controls | None = None,
    criteria: Identifiability | None = None,
    level: float = 0.95,
    price_seen_on_sales: bool = False,
) -> list[ElasticityEstimate]:
    """Estimate every series of ``panel``; ``groups`` (per row, or by series id) label the
    category each series is shrunk toward later (one group ``"all"`` when absent).

    ``price_seen_on_sales``: the panel's prices come from sales (an orders export) and are
    carried over days without sales; see ``pricing.design.bracketed_days``.
    """
    controls = controls or Controls()
    criteria = criteria or Identifiability()
    labels = _group_labels(panel, groups)
    calendar = calendar_columns(panel.start, panel.n_days, controls)
    offsets = market_offsets(panel.units) if controls.market_index else None
    z = float(stats.norm.ppf(0.5 + level / 2))
    return [
        estimate_series(
            series_design(panel, row, calendar, offsets, price_seen_on_sales=price_seen_on_sales),
            series_id=str(panel.series_ids[row]),
            group=labels[row],
            criteria=criteria,
            z=z,
        )
        for row in range(panel.n_series)
    ]


def estimate_series(
    design: SeriesDesign,
    *,
    series_id: str,
    group: str,
    criteria: Identifiability,
    z: float,
) -> ElasticityEstimate:
    """The estimate of one series from its design rows."""
    n_obs, units = int(np.unique(design.day).size), float(design.y.sum())
    price_sd = float(np.std(design.log_price)) if design.log_price.size else 0.0
    partial = _partial_sd(design) if price_sd >= criteria.min_log_price_sd else 0.0
    nan = math.nan
    unidentified = ElasticityEstimate(
        series_id=series_id,
        group=group,
        estimate=nan,
        se=nan,
        ci_low=nan,
        ci_high=nan,
        n_obs=n_obs,
        units=units,
        log_price_sd=price_sd,
        partial_price_sd=partial,
        identifiable=False,
        reason=_screen(n_obs, units, price_sd, partial, criteria),
    )
    if unidentified.reason is not None:
        return unidentified
    try:
        fit = fit_design(design)
    except FitError:
        return replace(unidentified, reason=FIT_FAILED)
    col, se = design.price_col, fit.se
    estimate, std = float(fit.coef[col]), float(se[col])
    if not (fit.converged and math.isfinite(std) and std > 0):
        return replace(unidentified, reason=FIT_FAILED)
    if std > criteria.max_se:
        return replace(unidentified, reason=TOO_UNCERTAIN)
    promo = design.promo_col
    return replace(
        unidentified,
        estimate=estimate,
        se=std,
        ci_low=estimate - z * std,
        ci_high=estimate + z * std,
        identifiable=True,
        reason=None,
        promo_lift=float(fit.coef[promo]) if promo is not None else nan,
        promo_se=float(se[promo]) if promo is not None else nan,
    )


def fit_design(design: SeriesDesign, *, max_em: int = 50, tol: float = 1e-5) -> PoissonFit:
    """The Poisson fit of a design; with gaps (days whose price is one of two), by EM.

    E-step: the price changed on one day of the gap (or at its end), each equally likely a
    priori; given the current fit, the probability of each change day follows from the
    zero sales on the gap's days, and a gap day's two rows get the probabilities of being
    before and after the change as weights. M-step: the weighted Poisson fit. The
    covariance adds a day's rows up (a cluster), ignoring the information the unknown
    change days lose (small: gaps are a small share of days).
    """
    weights = np.ones(design.y.size)
    if not design.gaps:
        return fit_poisson(design.x, design.y, offset=design.offset)
    for gap in design.gaps:
        weights[gap.rows_before] = weights[gap.rows_after] = 0.5
    fit = None
    for _ in range(max_em):
        fit = fit_poisson(
            design.x,
            design.y,
            offset=design.offset,
            weights=weights,
            clusters=design.day,
            start=None if fit is None else fit.coef,
        )
        mu = np.exp(np.clip(design.x @ fit.coef + design.offset, -30.0, 30.0))
        updated = _e_step(design, mu, weights)
        if float(np.max(np.abs(updated - weights))) < tol:
            break
        weights = updated
    assert fit is not None
    return fit


def _e_step(design: SeriesDesign, mu: np.ndarray, weights: np.ndarray) -> np.ndarray:
    out = weights.copy()
    for gap in design.gaps:
        before, after = mu[gap.rows_before], mu[gap.rows_after]
        # log P(zeros | the first k gap days are before the change), k = 0..L
        cum_before = np.concatenate([[0.0], np.cumsum(before)])
        cum_after = np.concatenate([[0.0], np.cumsum(after)])
        loglik = -(cum_before + (cum_after[-1] - cum_after))
        post = np.exp(loglik - loglik.max())
        post /= post.sum()
        # P(day j is before the change) = P(k > j)
        p_before = np.cumsum(post[::-1])[::-1][1:]
        out[gap.rows_before] = p_before
        out[gap.rows_after] = 1.0 - p_before
    return out


def _screen(
    n_obs: int, units: float, price_sd: float, partial: float, criteria: Identifiability
) -> str | None:
    if n_obs < criteria.min_days:
        return TOO_FEW_DAYS
    if units < criteria.min_units:
        return TOO_FEW_SALES
    if price_sd < criteria.min_log_price_sd:
        return NO_PRICE_VARIATION
    if partial < criteria.min_partial_sd:
        return PRICE_ONLY_WITH_PROMO
    return None


def _group_labels(
    panel: Panel, groups: Sequence[str] | np.ndarray | Mapping[str, str] | None
) -> list[str]:
    if groups is None:
        return ["all"] * panel.n_series
    if isinstance(groups, Mapping):
        return [str(groups.get(str(s), "all")) for s in panel.series_ids]
    if len(groups) != panel.n_series:
        raise ValueError("one group label per series")
    return [str(g) for g in groups]
