"""Properties of suggestions for random prices, costs, guardrails, elasticities, forecasts.

Guardrails are checked here from their definitions, not through ``pricing.guardrails``,
so that a bug there cannot hide itself.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pricing.domain import (
    Constraint,
    DemandBaseline,
    Elasticity,
    Guardrails,
    Objective,
    PriceRange,
    PricingRequest,
    Reason,
)
from pricing.money import from_minor, minor_units, round_price
from pricing.policy import ElasticityPolicy

POLICY = ElasticityPolicy(n_draws=200, min_relative_gain=0.0)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _money(amount: float, currency: str) -> Decimal:
    return max(round_price(Decimal(repr(amount)), currency), from_minor(1, currency))


@st.composite
def requests(draw: st.DrawFn) -> PricingRequest:
    cur = draw(st.sampled_from(["CNY", "JPY", "KWD"]))
    unit = 10 ** minor_units(cur)
    p0_minor = draw(st.integers(min_value=unit, max_value=5000 * unit))
    p0 = from_minor(p0_minor, cur)
    f = float(p0)

    def maybe(lo: float, hi: float) -> float | None:
        """A value three times in four, else None (the guardrail or input is absent)."""
        return draw(st.floats(lo, hi)) if draw(st.integers(0, 3)) else None

    cost, mn, mx, comp = maybe(0.1, 1.0), maybe(0.5, 1.05), maybe(0.95, 2.0), maybe(0.7, 1.5)
    if mn is not None and mx is not None and mn > mx:
        mn, mx = mx, mn
    step = draw(st.one_of(st.none(), st.floats(0.01, 0.5)))
    allow = draw(st.booleans())
    if step is None and mx is None and allow:
        step = 0.1
    floor = maybe(-0.1, 0.5)
    seen = None
    if draw(st.integers(0, 3)):
        seen = PriceRange(
            _money(f * draw(st.floats(0.5, 1.0)), cur), _money(f * draw(st.floats(1.0, 2.0)), cur)
        )
    mean = draw(st.floats(0.1, 1000.0))
    quantiles = {0.05: mean * 0.6, 0.5: mean, 0.95: mean * 1.5} if draw(st.booleans()) else {}
    return PricingRequest(
        sku_id="p",
        currency=cur,
        current_price=p0,
        unit_cost=None if cost is None else _money(f * cost, cur),
        elasticity=Elasticity(draw(st.floats(-5.0, -0.05)), draw(st.floats(0.0, 1.0))),
        baseline=DemandBaseline(mean, quantiles, 28),
        observed_range=seen,
        competitor_price=None if comp is None else _money(f * comp, cur),
        objective=draw(st.sampled_from(list(Objective))),
        guardrails=Guardrails(
            min_price=None if mn is None else _money(f * mn, cur),
            max_price=None if mx is None else _money(f * mx, cur),
            max_step=None if step is None else Decimal(repr(round(step, 4))),
            margin_floor=None if floor is None else Decimal(repr(round(floor, 3))),
            allow_outside_observed=allow,
            competitor_tolerance=Decimal(repr(round(draw(st.floats(0.0, 0.2)), 3))),
            charm=draw(st.booleans()),
        ),
    )


def violations(req: PricingRequest, price: Decimal) -> list[str]:
    """Every guardrail ``price`` breaks, straight from the definitions."""
    g, p0, out = req.guardrails, req.current_price, []
    if price <= 0:
        out.append("positive")
    if g.min_price is not None and price < g.min_price:
        out.append("merchant_min")
    if g.max_price is not None and price > g.max_price:
        out.append("merchant_max")
    if g.max_step is not None and abs(price - p0) > p0 * g.max_step:
        out.append("max_step")
    floor = g.margin_floor
    if floor is not None and req.unit_cost is not None and price < req.unit_cost * (1 + floor):
        out.append("margin_floor")
    if not g.allow_outside_observed:
        seen = req.observed_range or PriceRange(p0, p0)
        if not seen.low <= price <= seen.high:
            out.append("observed_range")
    comp, tol = req.competitor_price, g.competitor_tolerance
    if comp is not None and tol is not None and price > comp * (1 + tol):
        out.append("competitor")
    return out


@SETTINGS
@given(requests())
def test_no_suggestion_breaks_a_guardrail(req: PricingRequest) -> None:
    s = POLICY.suggest(req)
    assert isinstance(s.suggested_price, Decimal)
    assert s.suggested_price.as_tuple().exponent == -minor_units(req.currency)
    assert s.is_change == (s.reason is None)  # a kept price always says why
    if s.is_change:
        assert violations(req, s.suggested_price) == []
    if s.reason in (Reason.ALREADY_OPTIMAL, Reason.INELASTIC_CAPPED):
        assert violations(req, req.current_price) == []
    if s.reason is Reason.GUARDRAILS_CONFLICT:
        assert s.binding


def _objective(req: PricingRequest, price: Decimal) -> float:
    p, p0, e = float(price), float(req.current_price), req.elasticity.value
    demand = (p / p0) ** e
    if req.objective is Objective.PROFIT:
        assert req.unit_cost is not None
        return float((p - float(req.unit_cost)) * demand)
    return float(p * demand)


@SETTINGS
@given(requests())
def test_no_allowed_price_beats_the_suggestion(req: PricingRequest) -> None:
    s = POLICY.suggest(req)
    if s.reason not in (None, Reason.ALREADY_OPTIMAL, Reason.INELASTIC_CAPPED):
        return
    if req.guardrails.charm:
        return  # charm pricing restricts the candidates on purpose
    best = _objective(req, s.suggested_price)
    p0 = float(req.current_price)
    for factor in np.linspace(0.4, 2.2, 181):
        price = round_price(Decimal(repr(p0 * float(factor))), req.currency)
        if price > 0 and not violations(req, price):
            assert _objective(req, price) <= best + 1e-9 * max(1.0, abs(best))


@SETTINGS
@given(
    cost_minor=st.integers(100, 100_000),
    offset=st.floats(-0.08, 0.08),
    e=st.floats(-4.0, -1.2),
)
def test_profit_optimum_is_c_e_over_1_plus_e_when_only_the_step_limits(
    cost_minor: int, offset: float, e: float
) -> None:
    cost = from_minor(cost_minor, "CNY")
    optimum = float(cost) * e / (1 + e)
    p0 = _money(optimum * (1 + offset), "CNY")
    req = PricingRequest(
        sku_id="p",
        currency="CNY",
        current_price=p0,
        unit_cost=cost,
        elasticity=Elasticity(e, 0.1),
        baseline=DemandBaseline(10.0),
        guardrails=Guardrails(allow_outside_observed=True, margin_floor=None),
    )
    s = POLICY.suggest(req)
    if abs(optimum / float(p0) - 1) < 0.099:  # reachable within the 10 % step
        assert abs(float(s.suggested_price) - optimum) <= 0.01
        assert s.binding == ()
    revenue = POLICY.suggest(replace(req, objective=Objective.REVENUE))
    # Elastic demand: revenue falls with price, down to the step's lower bound.
    assert revenue.suggested_price <= s.suggested_price
    assert revenue.binding == (Constraint.MAX_STEP,)
    low = p0 * Decimal("0.9")
    assert low <= revenue.suggested_price < low + Decimal("0.01")
