"""Price suggestions: the feasible price that maximises expected profit (or revenue).

Demand at price ``p`` over the horizon is ``q(p) = B * (p / p0) ** e``, where ``B`` is the
forecast of units at the current price ``p0`` and ``e`` the elasticity. The policy scores
every candidate price the guardrails allow (all minor-unit prices when there are few, else
an even grid plus the neighbours of the analytic optimum) with the point estimates and
keeps the best; ties go to the price nearest the current one.

- Profit ``(p - c) q(p)`` peaks at ``p* = c e / (1 + e)`` when ``e < -1``. When ``e >= -1``
  (inelastic) it rises with price without end: the suggestion goes to the upper bound of the
  guardrails, says which guardrail that is, and carries the note ``inelastic_demand``; a
  price already there stays, with reason ``inelastic_capped``.
- Revenue ``p q(p)`` under constant elasticity has no interior optimum: it falls with price
  when ``e < -1`` (go to the low bound) and rises when ``e > -1`` (the high bound). Such a
  suggestion carries the note ``corner_solution``.

Intervals: ``n_draws`` draws of the elasticity from ``N(e, se^2)`` and, independently, of
``B`` from the forecast's quantiles (inverse CDF interpolated between the quantile levels,
held flat beyond the outermost ones), give the distribution of the change in units, revenue
and profit; the reported interval is its central ``interval_level`` part. The expected
change is the plug-in value at the point estimates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

import numpy as np

from pricing.domain import (
    Constraint,
    DemandBaseline,
    MoneyChange,
    Note,
    Objective,
    PriceSuggestion,
    PricingRequest,
    Reason,
    UnitsChange,
)
from pricing.guardrails import Bounds, price_bounds
from pricing.money import from_float, from_minor, is_charm, minor_units, round_price, to_minor

_MAX_CANDIDATES = 2001  # beyond this many minor-unit prices, an even grid


@runtime_checkable
class PricingPolicy(Protocol):
    """Suggest a price for one SKU."""

    @property
    def name(self) -> str: ...

    def suggest(self, request: PricingRequest) -> PriceSuggestion: ...


@dataclass(frozen=True)
class ElasticityPolicy:
    """The constant-elasticity policy described above."""

    name: str = "elasticity"
    interval_level: float = 0.9
    n_draws: int = 4000
    seed: int = 0
    min_relative_gain: float = 0.001  # below this gain over the current price: no change
    require_identifiable: bool = True  # a group prior alone does not move a price

    def suggest(self, request: PricingRequest) -> PriceSuggestion:
        _check(request)
        reason = self._screen(request)
        if reason is not None:
            return _unchanged(request, reason, self.interval_level)
        bounds = price_bounds(request)
        if not bounds.is_feasible:
            return _unchanged(
                request,
                Reason.GUARDRAILS_CONFLICT,
                self.interval_level,
                binding=bounds.low_codes + bounds.high_codes,
            )
        return self._optimise(request, bounds)

    def _screen(self, request: PricingRequest) -> Reason | None:
        e = request.elasticity
        if self.require_identifiable and not e.identifiable:
            return Reason.NOT_IDENTIFIABLE
        if not math.isfinite(e.value):
            return Reason.NOT_IDENTIFIABLE
        if e.value >= 0:
            return Reason.NON_NEGATIVE_ELASTICITY
        if request.objective is Objective.PROFIT and request.unit_cost is None:
            return Reason.MISSING_COST
        if not request.baseline.mean > 0:
            return Reason.NO_DEMAND
        return None

    def _optimise(self, request: PricingRequest, bounds: Bounds) -> PriceSuggestion:
        cur, e = request.currency, request.elasticity.value
        p0 = to_minor(request.current_price, cur)
        cost = _cost_minor(request)
        notes: list[Note] = []
        candidates = _candidates(bounds, p0, _optimum_minor(request, cost))
        if request.guardrails.charm:
            charm = candidates[[is_charm(int(m), cur) for m in candidates]]
            if charm.size:
                candidates = charm
            else:
                notes.append(Note.CHARM_UNAVAILABLE)
        score = _objective(candidates, p0, e, cost, request.objective)
        best = int(candidates[_argbest(score, candidates, p0)])
        keep = bounds.contains(p0) and (
            best == p0 or _gain(request, p0, best, cost) <= self.min_relative_gain
        )
        if not bounds.contains(p0):
            notes.append(Note.CURRENT_PRICE_OUT_OF_BOUNDS)
        chosen = p0 if keep else best
        binding = _binding(request, bounds, chosen, cost)
        reason = None
        if keep:
            capped = e > -1 and p0 >= bounds.high
            reason = Reason.INELASTIC_CAPPED if capped else Reason.ALREADY_OPTIMAL
        notes.extend(_notes(request))
        return _suggestion(
            request,
            chosen,
            interval_level=self.interval_level,
            draws=self._draws(request),
            binding=binding,
            reason=reason,
            notes=tuple(notes),
            bounds=bounds,
        )

    def _draws(self, request: PricingRequest) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(self.seed)
        e = request.elasticity
        se = e.se if math.isfinite(e.se) and e.se > 0 else 0.0
        elasticity = e.value + se * rng.standard_normal(self.n_draws)
        baseline = _baseline_draws(request.baseline, rng.random(self.n_draws))
        return elasticity, baseline


def _check(request: PricingRequest) -> None:
    cur = request.currency
    for name in ("current_price", "unit_cost", "competitor_price"):
        value = getattr(request, name)
        if value is not None and (value < 0 or round_price(value, cur) != value):
            raise ValueError(f"{name} {value} is not a non-negative {cur} amount")
    if request.current_price <= 0:
        raise ValueError("current_price must be positive")


def _cost_minor(request: PricingRequest) -> float | None:
    """Unit cost in minor units (a float: it only enters the statistics)."""
    if request.unit_cost is None:
        return None
    return float(request.unit_cost.scaleb(minor_units(request.currency)))


def _optimum_minor(request: PricingRequest, cost: float | None) -> float | None:
    """The unconstrained profit optimum ``c e / (1 + e)``, if there is one."""
    e = request.elasticity.value
    if request.objective is Objective.PROFIT and cost is not None and e < -1:
        return cost * e / (1 + e)
    return None


def _candidates(bounds: Bounds, p0: int, optimum: float | None) -> np.ndarray:
    low, high = bounds.low, bounds.high
    if high - low + 1 <= _MAX_CANDIDATES:
        return np.arange(low, high + 1, dtype=np.int64)
    grid = np.rint(np.linspace(low, high, _MAX_CANDIDATES)).astype(np.int64)
    extra = [low, high, p0]
    if optimum is not None:
        centre = int(min(max(math.floor(optimum), low), high))
        extra.extend(range(centre - 50, centre + 52))
    extra_arr = np.array([m for m in extra if low <= m <= high], dtype=np.int64)
    return np.unique(np.concatenate([grid, extra_arr]))


def _objective(
    prices: np.ndarray, p0: int, e: float, cost: float | None, objective: Objective
) -> np.ndarray:
    """Expected objective per unit of baseline demand, at each price (minor units)."""
    p = prices.astype(np.float64)
    demand = (p / p0) ** e
    if objective is Objective.PROFIT:
        assert cost is not None
        return np.asarray((p - cost) * demand)
    return np.asarray(p * demand)


def _argbest(score: np.ndarray, candidates: np.ndarray, p0: int) -> int:
    top = score.max()
    ties = np.flatnonzero(score >= top - 1e-12 * max(1.0, abs(top)))
    return int(ties[np.argmin(np.abs(candidates[ties] - p0))])


def _gain(request: PricingRequest, p0: int, best: int, cost: float | None) -> float:
    e, objective = request.elasticity.value, request.objective
    now, then = _objective(np.array([p0, best]), p0, e, cost, objective)
    if now == 0:
        return math.inf if then > now else 0.0
    return float((then - now) / abs(now))


def _rising(request: PricingRequest, minor: int, cost: float | None) -> bool:
    """Whether the objective still grows when the price rises past ``minor``."""
    e = request.elasticity.value
    if request.objective is Objective.REVENUE or cost is None:
        return e > -1
    return (1 + e) * minor - e * cost > 0


def _binding(
    request: PricingRequest, bounds: Bounds, chosen: int, cost: float | None
) -> tuple[Constraint, ...]:
    """The guardrails at whose bound the chosen price sits while the objective pushes on."""
    rising = _rising(request, chosen, cost)
    if chosen >= bounds.high and rising:
        return bounds.high_codes
    if chosen <= bounds.low and not rising and not _flat(request):
        return bounds.low_codes
    return ()


def _flat(request: PricingRequest) -> bool:
    return request.objective is Objective.REVENUE and request.elasticity.value == -1


def _notes(request: PricingRequest) -> list[Note]:
    out = []
    if request.elasticity.value > -1:
        out.append(Note.INELASTIC_DEMAND)
    if request.objective is Objective.REVENUE:
        out.append(Note.CORNER_SOLUTION)
    if request.unit_cost is None:
        out.append(Note.COST_UNKNOWN)
    return out


def _baseline_draws(baseline: DemandBaseline, u: np.ndarray) -> np.ndarray:
    """Units over the horizon drawn through the forecast quantiles (the mean if none)."""
    if not baseline.quantiles:
        return np.full(u.shape, max(baseline.mean, 0.0))
    levels = np.array(sorted(baseline.quantiles))
    values = np.maximum.accumulate(np.array([baseline.quantiles[q] for q in levels]))
    return np.asarray(np.maximum(np.interp(u, levels, values), 0.0), dtype=np.float64)


def _unchanged(
    request: PricingRequest,
    reason: Reason,
    level: float,
    *,
    binding: tuple[Constraint, ...] = (),
) -> PriceSuggestion:
    cur = request.currency
    zero = from_minor(0, cur)
    return PriceSuggestion(
        sku_id=request.sku_id,
        currency=cur,
        objective=request.objective,
        current_price=request.current_price,
        suggested_price=request.current_price,
        elasticity=request.elasticity,
        elasticity_ci=request.elasticity.interval(0.95),
        units=UnitsChange(0.0, 0.0, 0.0),
        revenue=MoneyChange(zero, zero, zero),
        profit=MoneyChange(zero, zero, zero) if request.unit_cost is not None else None,
        interval_level=level,
        expected_units=request.baseline.mean,
        binding=binding,
        reason=reason,
    )


def _suggestion(
    request: PricingRequest,
    chosen: int,
    *,
    interval_level: float,
    draws: tuple[np.ndarray, np.ndarray],
    binding: tuple[Constraint, ...],
    reason: Reason | None,
    notes: tuple[Note, ...],
    bounds: Bounds,
) -> PriceSuggestion:
    cur = request.currency
    units, revenue, profit, gain = _changes(request, from_minor(chosen, cur), draws, interval_level)
    moved = chosen != to_minor(request.current_price, cur)
    return PriceSuggestion(
        sku_id=request.sku_id,
        currency=cur,
        objective=request.objective,
        current_price=request.current_price,
        suggested_price=from_minor(chosen, cur),
        elasticity=request.elasticity,
        elasticity_ci=request.elasticity.interval(0.95),
        units=units,
        revenue=revenue,
        profit=profit,
        interval_level=interval_level,
        expected_units=request.baseline.mean + units.expected,
        binding=binding,
        reason=reason,
        notes=notes,
        feasible=bounds.as_range(),
        probability_of_gain=gain if moved else None,
    )


def _changes(
    request: PricingRequest,
    price: Decimal,
    draws: tuple[np.ndarray, np.ndarray],
    level: float,
) -> tuple[UnitsChange, MoneyChange, MoneyChange | None, float]:
    """Changes in units, revenue and profit (point and interval), and P(objective gains)."""
    cur = request.currency
    p0, p1 = float(request.current_price), float(price)
    e_draw, b_draw = draws
    b_hat = request.baseline.mean
    ratio_hat, ratio = (p1 / p0) ** request.elasticity.value, (p1 / p0) ** e_draw
    tails = ((1 - level) / 2 * 100, (1 + level) / 2 * 100)

    def money(point: float, spread: np.ndarray) -> MoneyChange:
        low, high = np.percentile(spread, tails)
        return MoneyChange(from_float(point, cur), from_float(low, cur), from_float(high, cur))

    low, high = np.percentile(b_draw * (ratio - 1), tails)
    units = UnitsChange(b_hat * (ratio_hat - 1), float(low), float(high))
    revenue_draws = b_draw * (p1 * ratio - p0)
    revenue = money(b_hat * (p1 * ratio_hat - p0), revenue_draws)
    profit, gain = None, revenue_draws
    if request.unit_cost is not None:
        c = float(request.unit_cost)
        profit_draws = b_draw * ((p1 - c) * ratio - (p0 - c))
        profit = money(b_hat * ((p1 - c) * ratio_hat - (p0 - c)), profit_draws)
        if request.objective is Objective.PROFIT:
            gain = profit_draws
    return units, revenue, profit, float(np.mean(gain > 0))


POLICIES: dict[str, type[ElasticityPolicy]] = {"elasticity": ElasticityPolicy}


def make_policy(name: str = "elasticity", **options: Any) -> PricingPolicy:
    """The pricing policy called ``name``, built with ``options`` (its dataclass fields)."""
    try:
        cls = POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown pricing policy {name!r}; known: {sorted(POLICIES)}") from None
    return cls(**options)
