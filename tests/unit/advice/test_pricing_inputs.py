"""Pricing policy and pricing inputs rules, without a database: the defaults mirror the
pricing library's, fractions are exact and in range, amounts are sensible."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from marketplace.advice.domain import (
    InvalidPriceBoundsError,
    InvalidPricingInputsError,
    InvalidPricingPolicyError,
    Objective,
    PricingPolicy,
    SkuPricingInputs,
)
from marketplace.advice.domain.pricing_inputs import (
    check_inputs,
    check_policy,
    fraction_text,
    parse_fraction,
)
from marketplace.shared.errors import DomainError
from marketplace.shared.money import Money
from pricing.domain import Guardrails
from pricing.domain import Objective as LibraryObjective

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
VALID: dict[str, Any] = {
    "is_enabled": True, "objective": "revenue", "max_step": "0.15", "margin_floor": "0.2",
    "competitor_tolerance": "0.03", "allow_outside_observed": True, "charm": True,
}  # fmt: skip


def _policy(**changes: Any) -> PricingPolicy:
    return check_policy("mer_1", **(VALID | changes), updated_at=NOW, updated_by="usr_1")


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


# -- policy ---------------------------------------------------------------------------------
def test_the_defaults_are_the_pricing_librarys() -> None:
    policy, library = PricingPolicy.default("mer_1"), Guardrails()
    assert (policy.max_step, policy.margin_floor, policy.competitor_tolerance) == (
        library.max_step, library.margin_floor, library.competitor_tolerance
    )  # fmt: skip
    assert (policy.allow_outside_observed, policy.charm) == (
        library.allow_outside_observed, library.charm
    )  # fmt: skip
    assert {o.value for o in Objective} == {o.value for o in LibraryObjective}
    assert (policy.objective, policy.is_enabled, policy.is_default) == (
        Objective.PROFIT, True, True
    )  # fmt: skip
    # Every guardrail the library has but the per-SKU bounds is a merchant-level field.
    per_sku = {"min_price", "max_price"}
    assert {f.name for f in fields(Guardrails)} - per_sku <= {f.name for f in fields(policy)}


def test_a_valid_policy_keeps_exact_fractions() -> None:
    policy = _policy()
    assert (policy.objective, policy.max_step, policy.margin_floor) == (
        Objective.REVENUE, Decimal("0.15"), Decimal("0.2")
    )  # fmt: skip
    assert (policy.competitor_tolerance, policy.charm, policy.is_default) == (
        Decimal("0.03"), True, False
    )  # fmt: skip
    off = _policy(max_step=None, margin_floor=None, competitor_tolerance=None)
    assert (off.max_step, off.margin_floor, off.competitor_tolerance) == (None, None, None)
    edges = _policy(max_step="1", margin_floor=0, competitor_tolerance=Decimal("0"))
    assert (edges.max_step, edges.margin_floor, edges.competitor_tolerance) == (
        Decimal(1), Decimal(0), Decimal(0)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"objective": "margin"}, "objective"),
        ({"objective": None}, "objective"),
        ({"max_step": "0"}, "max_step"),
        ({"max_step": "-0.1"}, "max_step"),
        ({"max_step": "1.0001"}, "max_step"),
        ({"max_step": "0.00001"}, "max_step"),  # 5 places
        ({"max_step": 0.1}, "max_step"),  # a float
        ({"max_step": True}, "max_step"),
        ({"max_step": "ten"}, "max_step"),
        ({"max_step": "NaN"}, "max_step"),
        ({"max_step": "Infinity"}, "max_step"),
        ({"margin_floor": "-0.01"}, "margin_floor"),
        ({"margin_floor": "10.0001"}, "margin_floor"),
        ({"competitor_tolerance": "-1"}, "competitor_tolerance"),
        ({"competitor_tolerance": "1E+9"}, "competitor_tolerance"),
        ({"is_enabled": "yes"}, "is_enabled"),
        ({"charm": 1}, "charm"),
        ({"allow_outside_observed": None}, "allow_outside_observed"),
    ],
)
def test_an_invalid_policy_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidPricingPolicyError) as refused:
        _policy(**changes)
    assert (refused.value.code, refused.value.details["field"]) == (
        "invalid_pricing_policy", field
    )  # fmt: skip


def test_fractions_are_read_exactly_and_written_plainly() -> None:
    assert parse_fraction("0.10000", "max_step") == Decimal("0.1")
    assert parse_fraction(" 0.05 ", "max_step") == Decimal("0.05")
    assert parse_fraction(None, "max_step") is None
    assert [fraction_text(Decimal(v)) for v in ("0.1000", "10", "0", "0.0500")] == [
        "0.1", "10", "0", "0.05"
    ]  # fmt: skip
    assert fraction_text(None) is None


# -- SKU inputs -----------------------------------------------------------------------------
def _inputs(**amounts: Any) -> SkuPricingInputs:
    return SkuPricingInputs("sku_1", "mer_1", "CNY", **amounts)


def test_sensible_inputs_pass() -> None:
    full = _inputs(unit_cost=cny("0.00"), min_price=cny("50.00"), max_price=cny("50.00"),
                   competitor_price=cny("0.01"))  # fmt: skip
    assert check_inputs(full) is full
    assert check_inputs(_inputs()) == _inputs()  # everything unknown


@pytest.mark.parametrize(
    ("amounts", "error", "code"),
    [
        ({"unit_cost": cny("-0.01")}, InvalidPricingInputsError, "invalid_pricing_inputs"),
        ({"min_price": cny("0.00")}, InvalidPricingInputsError, "invalid_pricing_inputs"),
        ({"max_price": cny("-5.00")}, InvalidPricingInputsError, "invalid_pricing_inputs"),
        ({"competitor_price": cny("0")}, InvalidPricingInputsError, "invalid_pricing_inputs"),
        ({"unit_cost": Money.of("3.00", "USD")}, InvalidPricingInputsError,
         "invalid_pricing_inputs"),
        ({"unit_cost": Money.from_minor(10**15, "CNY")}, InvalidPricingInputsError,
         "invalid_pricing_inputs"),
        ({"min_price": cny("80.01"), "max_price": cny("80.00")}, InvalidPriceBoundsError,
         "invalid_price_bounds"),
    ],
)  # fmt: skip
def test_senseless_inputs_are_refused(
    amounts: dict[str, Money], error: type[DomainError], code: str
) -> None:
    with pytest.raises(error) as refused:
        check_inputs(_inputs(**amounts))
    assert refused.value.code == code


def test_bounds_name_both_prices_when_crossed() -> None:
    crossed = replace(_inputs(), min_price=cny("9.00"), max_price=cny("8.00"))
    with pytest.raises(InvalidPriceBoundsError) as refused:
        check_inputs(crossed)
    assert refused.value.details == {
        "min_price": {"amount": "9.00", "currency": "CNY"},
        "max_price": {"amount": "8.00", "currency": "CNY"},
    }
