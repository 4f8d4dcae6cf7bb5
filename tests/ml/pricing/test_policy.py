"""The suggestion engine: each guardrail, each reason code, and the optimum."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from pricing.domain import (
    Constraint,
    DemandBaseline,
    Elasticity,
    Guardrails,
    MoneyChange,
    Note,
    Objective,
    PriceRange,
    PricingRequest,
    Reason,
)
from pricing.guardrails import GuardrailsError, is_within
from pricing.policy import ElasticityPolicy, PricingPolicy, make_policy

POLICY = ElasticityPolicy(min_relative_gain=0.0)
WIDE = PriceRange(Decimal("1.00"), Decimal("1000.00"))


def request(**kw: object) -> PricingRequest:
    base: dict[str, object] = {
        "sku_id": "sku_1",
        "currency": "CNY",
        "current_price": Decimal("19.00"),
        "unit_cost": Decimal("10.00"),
        "elasticity": Elasticity(-2.0, 0.2),
        "baseline": DemandBaseline(100.0, {0.05: 70.0, 0.5: 98.0, 0.95: 135.0}, 28),
        "observed_range": WIDE,
    }
    base.update(kw)
    return PricingRequest(**base)  # type: ignore[arg-type]


def test_the_policy_implements_the_interface() -> None:
    assert isinstance(POLICY, PricingPolicy)


def test_profit_optimum_c_e_over_1_plus_e_when_reachable() -> None:
    s = POLICY.suggest(request())  # e = -2, c = 10: p* = 20, within 19 +- 10 %
    assert s.suggested_price == Decimal("20.00")
    assert s.binding == ()
    assert s.reason is None
    assert s.suggested_price.as_tuple().exponent == -2
    # (20 / 19) ** -2 * 100 units; profit 10 * that vs 9 * 100
    assert s.expected_units == pytest.approx(100 * (20 / 19) ** -2)
    assert s.profit is not None
    assert float(s.profit.expected) == pytest.approx(10 * 100 * (20 / 19) ** -2 - 900, abs=0.01)


@pytest.mark.parametrize(
    ("e", "cost"), [(-3.0, Decimal("20.00")), (-1.5, Decimal("6.00")), (-4.0, Decimal("45.00"))]
)
def test_profit_optimum_for_other_elasticities(e: float, cost: Decimal) -> None:
    target = cost * Decimal(e) / (1 + Decimal(e))
    req = request(
        current_price=target.quantize(Decimal("0.01")) + Decimal("1.00"),
        unit_cost=cost,
        elasticity=Elasticity(e, 0.1),
    )
    s = POLICY.suggest(req)
    assert abs(s.suggested_price - target) <= Decimal("0.01")


def test_revenue_objective_goes_down_when_elastic_and_up_when_inelastic() -> None:
    elastic = POLICY.suggest(request(objective=Objective.REVENUE))
    assert elastic.suggested_price == Decimal("17.10")  # 19 * 0.9: revenue falls with price
    assert elastic.binding == (Constraint.MAX_STEP,)
    assert Note.CORNER_SOLUTION in elastic.notes
    assert float(elastic.revenue.expected) > 0
    inelastic = POLICY.suggest(
        request(objective=Objective.REVENUE, elasticity=Elasticity(-0.5, 0.1))
    )
    assert inelastic.suggested_price == Decimal("20.90")
    profit = POLICY.suggest(request())
    assert elastic.suggested_price < profit.suggested_price < inelastic.suggested_price


def test_inelastic_profit_goes_to_the_upper_guardrail_and_says_so() -> None:
    s = POLICY.suggest(request(elasticity=Elasticity(-0.6, 0.1)))
    assert s.suggested_price == Decimal("20.90")
    assert s.binding == (Constraint.MAX_STEP,)
    assert Note.INELASTIC_DEMAND in s.notes


def test_inelastic_at_its_cap_keeps_the_price() -> None:
    req = request(
        elasticity=Elasticity(-0.6, 0.1),
        observed_range=PriceRange(Decimal("15.00"), Decimal("19.00")),
    )
    s = POLICY.suggest(req)
    assert s.suggested_price == Decimal("19.00")
    assert not s.is_change
    assert s.reason is Reason.INELASTIC_CAPPED
    assert s.binding == (Constraint.OBSERVED_RANGE,)


def test_max_step_binds_both_ways() -> None:
    down = POLICY.suggest(request(unit_cost=Decimal("5.00"), elasticity=Elasticity(-3.0, 0.1)))
    assert down.suggested_price == Decimal("17.10")
    assert down.binding == (Constraint.MAX_STEP,)
    g = Guardrails(max_step=Decimal("0.05"))
    up = POLICY.suggest(request(unit_cost=Decimal("15.00"), guardrails=g))  # p* = 30
    assert up.suggested_price == Decimal("19.95")
    assert up.binding == (Constraint.MAX_STEP,)


def test_merchant_min_and_max() -> None:
    g = Guardrails(min_price=Decimal("18.50"))
    s = POLICY.suggest(request(objective=Objective.REVENUE, guardrails=g))
    assert s.suggested_price == Decimal("18.50")
    assert s.binding == (Constraint.MERCHANT_MIN,)
    g = Guardrails(max_price=Decimal("19.80"))
    s = POLICY.suggest(request(elasticity=Elasticity(-0.5, 0.1), guardrails=g))
    assert s.suggested_price == Decimal("19.80")
    assert s.binding == (Constraint.MERCHANT_MAX,)


def test_margin_floor() -> None:
    g = Guardrails(margin_floor=Decimal("0.8"))  # price >= 10 * 1.8 = 18
    s = POLICY.suggest(request(objective=Objective.REVENUE, guardrails=g))
    assert s.suggested_price == Decimal("18.00")
    assert s.binding == (Constraint.MARGIN_FLOOR,)


def test_observed_range_and_the_flag_that_lifts_it() -> None:
    seen = PriceRange(Decimal("16.00"), Decimal("19.50"))
    s = POLICY.suggest(request(observed_range=seen))  # p* = 20 is outside what was seen
    assert s.suggested_price == Decimal("19.50")
    assert s.binding == (Constraint.OBSERVED_RANGE,)
    lifted = POLICY.suggest(
        request(observed_range=seen, guardrails=Guardrails(allow_outside_observed=True))
    )
    assert lifted.suggested_price == Decimal("20.00")
    unknown = POLICY.suggest(request(observed_range=None))
    assert unknown.reason is Reason.ALREADY_OPTIMAL
    assert unknown.binding == (Constraint.OBSERVED_RANGE,)


def test_competitor_cap() -> None:
    s = POLICY.suggest(request(competitor_price=Decimal("19.00")))  # cap 19 * 1.05 = 19.95
    assert s.suggested_price == Decimal("19.95")
    assert s.binding == (Constraint.COMPETITOR,)
    g = Guardrails(competitor_tolerance=Decimal("0"))
    s = POLICY.suggest(request(competitor_price=Decimal("19.40"), guardrails=g))
    assert s.suggested_price == Decimal("19.40")


def test_ties_between_guardrails_are_all_listed() -> None:
    g = Guardrails(max_price=Decimal("20.90"))
    s = POLICY.suggest(request(elasticity=Elasticity(-0.5, 0.1), guardrails=g))
    assert set(s.binding) == {Constraint.MAX_STEP, Constraint.MERCHANT_MAX}


def test_conflicting_guardrails_keep_the_price() -> None:
    g = Guardrails(min_price=Decimal("25.00"))  # above 19 * 1.1
    s = POLICY.suggest(request(guardrails=g))
    assert s.reason is Reason.GUARDRAILS_CONFLICT
    assert not s.is_change
    assert Constraint.MERCHANT_MIN in s.binding
    assert Constraint.MAX_STEP in s.binding
    assert s.units.expected == 0.0
    assert s.profit is not None
    assert s.profit.expected == 0


def test_reasons_before_optimising() -> None:
    assert POLICY.suggest(
        request(elasticity=Elasticity(-1.8, 0.5, identifiable=False, source="prior"))
    ).reason is (Reason.NOT_IDENTIFIABLE)
    allow_prior = ElasticityPolicy(require_identifiable=False, min_relative_gain=0.0)
    assert allow_prior.suggest(request(elasticity=Elasticity(-2.0, 0.5, False))).is_change
    assert POLICY.suggest(request(elasticity=Elasticity(0.3, 0.2))).reason is (
        Reason.NON_NEGATIVE_ELASTICITY
    )
    assert POLICY.suggest(request(unit_cost=None)).reason is Reason.MISSING_COST
    assert POLICY.suggest(request(baseline=DemandBaseline(0.0))).reason is Reason.NO_DEMAND
    revenue = POLICY.suggest(request(unit_cost=None, objective=Objective.REVENUE))
    assert revenue.is_change
    assert revenue.profit is None
    assert Note.COST_UNKNOWN in revenue.notes


def test_already_optimal_and_the_minimum_gain() -> None:
    s = POLICY.suggest(request(current_price=Decimal("20.00")))
    assert s.reason is Reason.ALREADY_OPTIMAL
    assert s.binding == ()
    # 19 -> 20 gains 0.25 % of profit: below a 1 % threshold nothing moves.
    lazy = ElasticityPolicy(min_relative_gain=0.01)
    assert lazy.suggest(request()).reason is Reason.ALREADY_OPTIMAL


def test_a_price_outside_the_guardrails_is_moved_inside() -> None:
    g = Guardrails(max_price=Decimal("18.00"))
    s = POLICY.suggest(request(guardrails=g))  # profit would want 20; 18 is the most allowed
    assert s.suggested_price == Decimal("18.00")
    assert Note.CURRENT_PRICE_OUT_OF_BOUNDS in s.notes
    assert s.binding == (Constraint.MERCHANT_MAX,)


def test_charm_prices() -> None:
    s = POLICY.suggest(request(guardrails=Guardrails(charm=True)))
    assert s.suggested_price == Decimal("19.99")
    jpy = request(
        currency="JPY",
        current_price=Decimal("1900"),
        unit_cost=Decimal("1000"),
        observed_range=PriceRange(Decimal("1000"), Decimal("3000")),
        guardrails=Guardrails(charm=True),
    )
    s = POLICY.suggest(jpy)
    assert s.suggested_price == Decimal("1999")
    assert s.suggested_price.as_tuple().exponent == 0
    # 18.99 .. 19.01: revenue wants lower (e = -2) and 18.99 is the charm price there.
    narrow = request(
        objective=Objective.REVENUE, guardrails=Guardrails(charm=True, max_step=Decimal("0.001"))
    )
    assert POLICY.suggest(narrow).suggested_price == Decimal("18.99")
    # For profit (optimum 20) the charm price 18.99 is worse than keeping 19.00.
    kept = POLICY.suggest(replace(narrow, objective=Objective.PROFIT))
    assert kept.reason is Reason.ALREADY_OPTIMAL
    assert kept.suggested_price == Decimal("19.00")
    none = request(
        current_price=Decimal("19.20"), guardrails=Guardrails(charm=True, max_step=Decimal("0.01"))
    )
    s = POLICY.suggest(none)  # 19.01 .. 19.39 holds no x.99
    assert Note.CHARM_UNAVAILABLE in s.notes
    assert s.suggested_price == Decimal("19.39")


def _width(change: MoneyChange) -> float:
    return float(change.high - change.low)


def test_intervals_propagate_elasticity_and_forecast_uncertainty() -> None:
    exact = POLICY.suggest(
        request(elasticity=Elasticity(-2.0, 0.0), baseline=DemandBaseline(100.0))
    )
    assert exact.units.low == pytest.approx(exact.units.expected)
    assert exact.units.high == pytest.approx(exact.units.expected)
    vague_e = POLICY.suggest(
        request(elasticity=Elasticity(-2.0, 0.5), baseline=DemandBaseline(100.0))
    )
    both = POLICY.suggest(request(elasticity=Elasticity(-2.0, 0.5)))
    assert vague_e.profit is not None
    assert both.profit is not None
    assert _width(vague_e.profit) > 0
    assert _width(both.profit) > _width(vague_e.profit)
    for s in (vague_e, both):
        assert s.profit is not None
        assert s.probability_of_gain is not None
        assert s.units.low <= s.units.expected <= s.units.high
        assert s.profit.low <= s.profit.expected <= s.profit.high
        assert 0.0 <= s.probability_of_gain <= 1.0
    assert both.elasticity_ci == pytest.approx((-2.0 - 1.96 * 0.5, -2.0 + 1.96 * 0.5), abs=1e-3)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="current_price"):
        POLICY.suggest(request(current_price=Decimal("19.001")))
    with pytest.raises(ValueError, match="positive"):
        POLICY.suggest(request(current_price=Decimal("0.00")))
    with pytest.raises(GuardrailsError):
        POLICY.suggest(request(guardrails=Guardrails(max_step=Decimal("1.5"))))
    with pytest.raises(GuardrailsError, match="upper bound"):
        POLICY.suggest(request(guardrails=Guardrails(max_step=None, allow_outside_observed=True)))


def test_is_within_checks_the_minor_unit() -> None:
    req = request()
    assert is_within(Decimal("20.00"), req)
    assert not is_within(Decimal("20.001"), req)
    assert not is_within(Decimal("21.00"), req)
    assert is_within(Decimal("21.00"), replace(req, guardrails=Guardrails(max_step=Decimal("0.2"))))


def test_the_factory_builds_policies_by_name() -> None:
    policy = make_policy("elasticity", interval_level=0.8)
    assert isinstance(policy, ElasticityPolicy)
    assert policy.interval_level == 0.8
    with pytest.raises(ValueError, match="unknown pricing policy"):
        make_policy("bandit")
