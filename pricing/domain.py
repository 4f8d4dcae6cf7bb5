"""What a pricing suggestion is made of: its inputs, its guardrails and its answer.

Standard library only. Prices and money amounts are ``Decimal`` in the request's currency;
units and elasticities are floats (they are statistics).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from statistics import NormalDist


class Objective(StrEnum):
    PROFIT = "profit"
    REVENUE = "revenue"


class Constraint(StrEnum):
    """The guardrails, by stable code (in suggestions' ``binding`` lists and in JSON)."""

    MERCHANT_MIN = "merchant_min"
    MERCHANT_MAX = "merchant_max"
    MAX_STEP = "max_step"
    MARGIN_FLOOR = "margin_floor"
    OBSERVED_RANGE = "observed_range"
    COMPETITOR = "competitor"


class Reason(StrEnum):
    """Why a suggestion keeps the current price."""

    NOT_IDENTIFIABLE = "not_identifiable"  # the elasticity is a prior, not the SKU's own
    NON_NEGATIVE_ELASTICITY = "non_negative_elasticity"  # demand rising with price: noise
    ALREADY_OPTIMAL = "already_optimal"  # no feasible price gains enough
    INELASTIC_CAPPED = "inelastic_capped"  # would go up, but already at the upper bound
    GUARDRAILS_CONFLICT = "guardrails_conflict"  # the bounds leave no price at all
    MISSING_COST = "missing_cost"  # profit objective without a unit cost
    NO_DEMAND = "no_demand"  # the forecast expects no sales: nothing to optimise


class Note(StrEnum):
    """What a reader should know about a suggestion."""

    INELASTIC_DEMAND = "inelastic_demand"  # e > -1: the objective rises with price
    CORNER_SOLUTION = "corner_solution"  # constant elasticity revenue has no interior optimum
    CURRENT_PRICE_OUT_OF_BOUNDS = "current_price_out_of_bounds"  # the move is forced
    CHARM_UNAVAILABLE = "charm_unavailable"  # no charm ending within bounds: plain rounding
    COST_UNKNOWN = "cost_unknown"  # profit figures are not given


@dataclass(frozen=True)
class Elasticity:
    """The elasticity a suggestion uses, with its standard error."""

    value: float
    se: float
    identifiable: bool = True
    source: str = "raw"  # "raw" (the series' own), "shrunk" or "prior"

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        z = NormalDist().inv_cdf(0.5 + level / 2)
        return self.value - z * self.se, self.value + z * self.se


@dataclass(frozen=True)
class DemandBaseline:
    """Expected units over the horizon at the current price, with forecast quantiles."""

    mean: float
    quantiles: dict[float, float] = field(default_factory=dict)  # level -> units
    horizon_days: int = 1


@dataclass(frozen=True)
class PriceRange:
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class Guardrails:
    """The merchant's limits. ``None`` switches a limit off.

    - ``min_price``/``max_price``: absolute bounds.
    - ``max_step``: at most this relative change per suggestion (0.10 = +-10 %).
    - ``margin_floor``: price >= unit cost * (1 + margin_floor) when the cost is known.
    - ``allow_outside_observed``: else the price stays within the range it has sold at,
      where the elasticity was measured (a log-linear demand curve is not to be trusted
      far outside it).
    - ``competitor_tolerance``: the price stays <= competitor price * (1 + tolerance)
      when a competitor price is known (an upper bound only: undercutting is allowed).
    - ``charm``: only prices ending in 9 of the last readable digit (x.99, 1299 JPY).
    """

    min_price: Decimal | None = None
    max_price: Decimal | None = None
    max_step: Decimal | None = Decimal("0.10")
    margin_floor: Decimal | None = Decimal("0")
    allow_outside_observed: bool = False
    competitor_tolerance: Decimal | None = Decimal("0.05")
    charm: bool = False


@dataclass(frozen=True)
class PricingRequest:
    """One SKU to price."""

    sku_id: str
    currency: str
    current_price: Decimal
    elasticity: Elasticity
    baseline: DemandBaseline
    unit_cost: Decimal | None = None
    observed_range: PriceRange | None = None  # None: only the current price is known
    competitor_price: Decimal | None = None
    objective: Objective = Objective.PROFIT
    guardrails: Guardrails = field(default_factory=Guardrails)


@dataclass(frozen=True)
class UnitsChange:
    """Expected change in units (suggested minus current) over the horizon, and interval."""

    expected: float
    low: float
    high: float


@dataclass(frozen=True)
class MoneyChange:
    """Expected change in revenue or profit over the horizon, and its interval."""

    expected: Decimal
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class PriceSuggestion:
    sku_id: str
    currency: str
    objective: Objective
    current_price: Decimal
    suggested_price: Decimal
    elasticity: Elasticity
    elasticity_ci: tuple[float, float]
    units: UnitsChange
    revenue: MoneyChange
    profit: MoneyChange | None  # None without a unit cost
    interval_level: float
    expected_units: float  # at the suggested price, over the horizon
    binding: tuple[Constraint, ...] = ()
    reason: Reason | None = None
    notes: tuple[Note, ...] = ()
    feasible: PriceRange | None = None  # the prices the guardrails allow
    probability_of_gain: float | None = None  # P(objective improves) under the draws

    @property
    def is_change(self) -> bool:
        return self.suggested_price != self.current_price
