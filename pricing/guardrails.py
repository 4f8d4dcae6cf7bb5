"""The prices a request's guardrails allow, and which guardrail sets each end.

Every guardrail is a lower or an upper bound on the price; the allowed range is the
intersection, rounded inward to the currency's minor unit (the low end up, the high end
down) so that no rounded price can break a bound. A price is also at least one minor unit.
Without a cost the margin floor is off; without a competitor price, the competitor rule.
When the observed range is unknown and prices may not leave it, the current price is the
only price seen: nothing can move.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pricing.domain import Constraint, Guardrails, PriceRange, PricingRequest
from pricing.money import ceil_minor, floor_minor, from_minor, round_price, to_minor


class GuardrailsError(ValueError):
    """Guardrails that make no sense (a step of 100 %, a negative floor below -100 %...)."""


@dataclass(frozen=True)
class Bounds:
    """The allowed prices in minor units, ``low`` to ``high`` inclusive."""

    low: int
    high: int
    low_codes: tuple[Constraint, ...]  # the guardrails that set ``low``
    high_codes: tuple[Constraint, ...]  # ... and ``high``
    currency: str

    @property
    def is_feasible(self) -> bool:
        return self.low <= self.high

    def contains(self, minor: int) -> bool:
        return self.low <= minor <= self.high

    def as_range(self) -> PriceRange:
        return PriceRange(from_minor(self.low, self.currency), from_minor(self.high, self.currency))


def validate(g: Guardrails) -> None:
    if g.max_step is not None and not Decimal(0) < g.max_step < Decimal(1):
        raise GuardrailsError("max_step must be within (0, 1)")
    if g.margin_floor is not None and g.margin_floor <= Decimal(-1):
        raise GuardrailsError("margin_floor must be above -1")
    if g.competitor_tolerance is not None and g.competitor_tolerance <= Decimal(-1):
        raise GuardrailsError("competitor_tolerance must be above -1")
    if g.min_price is not None and g.max_price is not None and g.min_price > g.max_price:
        raise GuardrailsError("min_price is above max_price")
    if g.max_price is None and g.max_step is None and g.allow_outside_observed:
        raise GuardrailsError(
            "no upper bound at all: set max_price, max_step or keep the observed range"
        )


def price_bounds(request: PricingRequest) -> Bounds:
    """The minor-unit prices the request's guardrails allow (maybe none: check feasible)."""
    g, p0, cur = request.guardrails, request.current_price, request.currency
    validate(g)
    lowers: list[tuple[Decimal, Constraint]] = []
    uppers: list[tuple[Decimal, Constraint]] = []
    if g.min_price is not None:
        lowers.append((g.min_price, Constraint.MERCHANT_MIN))
    if g.max_price is not None:
        uppers.append((g.max_price, Constraint.MERCHANT_MAX))
    if g.max_step is not None:
        lowers.append((p0 * (1 - g.max_step), Constraint.MAX_STEP))
        uppers.append((p0 * (1 + g.max_step), Constraint.MAX_STEP))
    if g.margin_floor is not None and request.unit_cost is not None:
        lowers.append((request.unit_cost * (1 + g.margin_floor), Constraint.MARGIN_FLOOR))
    if not g.allow_outside_observed:
        seen = request.observed_range or PriceRange(p0, p0)
        lowers.append((seen.low, Constraint.OBSERVED_RANGE))
        uppers.append((seen.high, Constraint.OBSERVED_RANGE))
    if request.competitor_price is not None and g.competitor_tolerance is not None:
        cap = request.competitor_price * (1 + g.competitor_tolerance)
        uppers.append((cap, Constraint.COMPETITOR))
    return _intersect(lowers, uppers, cur)


def _intersect(
    lowers: list[tuple[Decimal, Constraint]],
    uppers: list[tuple[Decimal, Constraint]],
    currency: str,
) -> Bounds:
    if not uppers:
        raise GuardrailsError("no upper bound on the price")
    low_by = [(ceil_minor(v, currency), c) for v, c in lowers]
    high_by = [(floor_minor(v, currency), c) for v, c in uppers]
    low = max([1, *(m for m, _ in low_by)])
    high = min(m for m, _ in high_by)
    return Bounds(
        low=low,
        high=high,
        low_codes=tuple(c for m, c in low_by if m == low),
        high_codes=tuple(c for m, c in high_by if m == high),
        currency=currency,
    )


def is_within(price: Decimal, request: PricingRequest) -> bool:
    """Whether ``price`` respects every guardrail of ``request`` (it must be at the minor
    unit already: a price between two minor units is not a price)."""
    if round_price(price, request.currency) != price:
        return False
    return price_bounds(request).contains(to_minor(price, request.currency))
