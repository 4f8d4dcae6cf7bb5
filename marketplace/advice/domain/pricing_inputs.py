"""What the pricing producer needs besides sales history: the merchant's pricing policy
(its guardrails and objective) and each SKU's pricing inputs (unit cost, price bounds,
a competitor's price).

These mirror the pricing library's ``Guardrails`` and ``PricingRequest`` as plain values
(the core does not import ``pricing``): a merchant that never set a policy has the
library's defaults (``PricingPolicy.default``), and ``None`` switches a limit off.

- ``max_step``: at most this relative change per suggestion, in (0, 1] (0.10 = +-10 %).
- ``margin_floor``: price >= unit cost * (1 + margin_floor), when the cost is known.
- ``competitor_tolerance``: price <= competitor price * (1 + tolerance), when known.
- ``allow_outside_observed``: else prices stay within the range the SKU has sold at.
- ``charm``: only prices ending in 9.

Fractions are exact decimals of at most ``FRACTION_PLACES`` places (never floats); money is
``Money`` in the currency of one of the SKU's list prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from marketplace.advice.domain.errors import (
    InvalidPriceBoundsError,
    InvalidPricingInputsError,
    InvalidPricingPolicyError,
)
from marketplace.advice.domain.suggestions import Objective
from marketplace.shared.money import Money

DEFAULT_MAX_STEP = Decimal("0.10")
DEFAULT_MARGIN_FLOOR = Decimal("0")
DEFAULT_COMPETITOR_TOLERANCE = Decimal("0.05")
FRACTION_PLACES = 4
# Far beyond any sensible markup or tolerance (1000 %), and within what the column holds.
MAX_MARGIN_FLOOR = Decimal("10")
MAX_COMPETITOR_TOLERANCE = Decimal("10")
# Amounts in minor units stay well inside a BIGINT column.
MAX_AMOUNT_MINOR = 10**15
FractionInput = Decimal | int | str | None
MONEY_FIELDS = ("unit_cost", "min_price", "max_price", "competitor_price")
_QUANTUM = Decimal(1).scaleb(-FRACTION_PLACES)


@dataclass(frozen=True, slots=True)
class PricingPolicy:
    """A merchant's guardrails and objective; ``updated_at`` is None for the defaults of a
    merchant that never set one."""

    merchant_id: str
    is_enabled: bool = True  # the producer makes suggestions for this merchant
    objective: Objective = Objective.PROFIT
    max_step: Decimal | None = DEFAULT_MAX_STEP
    margin_floor: Decimal | None = DEFAULT_MARGIN_FLOOR
    competitor_tolerance: Decimal | None = DEFAULT_COMPETITOR_TOLERANCE
    allow_outside_observed: bool = False
    charm: bool = False
    updated_at: datetime | None = None
    updated_by: str | None = None

    @classmethod
    def default(cls, merchant_id: str) -> PricingPolicy:
        return cls(merchant_id)

    @property
    def is_default(self) -> bool:
        """Never set: the defaults apply."""
        return self.updated_at is None


@dataclass(frozen=True, slots=True)
class SkuPricingInputs:
    """A SKU's unit cost, price bounds and competitor price, all in ``currency`` (one of its
    list-price currencies); each may be unknown (None)."""

    sku_id: str
    merchant_id: str
    currency: str
    unit_cost: Money | None = None
    min_price: Money | None = None
    max_price: Money | None = None
    competitor_price: Money | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None


# -- policy ---------------------------------------------------------------------------------
def check_policy(
    merchant_id: str, *, is_enabled: object, objective: object, max_step: FractionInput,
    margin_floor: FractionInput, competitor_tolerance: FractionInput,
    allow_outside_observed: object, charm: object, updated_at: datetime, updated_by: str,
) -> PricingPolicy:  # fmt: skip
    """A valid policy from what a merchant sent, or ``invalid_pricing_policy``."""
    flags = {"is_enabled": is_enabled, "allow_outside_observed": allow_outside_observed,
             "charm": charm}  # fmt: skip
    for name, flag in flags.items():
        if not isinstance(flag, bool):
            raise InvalidPricingPolicyError(f"{name} is true or false.", field=name)
    step = parse_fraction(max_step, "max_step")
    if step is not None and not Decimal(0) < step <= Decimal(1):
        raise InvalidPricingPolicyError("max_step is in (0, 1].", field="max_step")
    floor = parse_fraction(margin_floor, "margin_floor")
    if floor is not None and not Decimal(0) <= floor <= MAX_MARGIN_FLOOR:
        raise InvalidPricingPolicyError(f"margin_floor is in [0, {MAX_MARGIN_FLOOR}].",
                                        field="margin_floor")  # fmt: skip
    tolerance = parse_fraction(competitor_tolerance, "competitor_tolerance")
    if tolerance is not None and not Decimal(0) <= tolerance <= MAX_COMPETITOR_TOLERANCE:
        raise InvalidPricingPolicyError(
            f"competitor_tolerance is in [0, {MAX_COMPETITOR_TOLERANCE}].",
            field="competitor_tolerance",
        )
    return PricingPolicy(
        merchant_id, is_enabled=bool(is_enabled), objective=_objective(objective),
        max_step=step, margin_floor=floor, competitor_tolerance=tolerance,
        allow_outside_observed=bool(allow_outside_observed), charm=bool(charm),
        updated_at=updated_at, updated_by=updated_by,
    )  # fmt: skip


def parse_fraction(value: FractionInput, field: str) -> Decimal | None:
    """An exact decimal of at most ``FRACTION_PLACES`` places (Decimal, int or decimal
    string; floats refused), or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidPricingPolicyError(
            f"{field} is a decimal string, not {type(value).__name__}.", field=field
        )
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidPricingPolicyError(f"{value!r} is not a decimal.", field=field) from None
    if not number.is_finite():
        raise InvalidPricingPolicyError(f"{field} is finite.", field=field)
    if abs(number) >= 1000:  # beyond every range below, and what quantize may handle
        raise InvalidPricingPolicyError(f"{field} is out of range.", field=field)
    if number != number.quantize(_QUANTUM):
        raise InvalidPricingPolicyError(
            f"{field} has at most {FRACTION_PLACES} decimal places.", field=field
        )
    return number.quantize(_QUANTUM)


def fraction_text(value: Decimal | None) -> str | None:
    """Plain notation without trailing zeros: ``0.1000`` -> ``"0.1"``, ``10`` -> ``"10"``."""
    if value is None:
        return None
    return format(value.normalize(), "f")


def _objective(value: object) -> Objective:
    if isinstance(value, str) and value in {o.value for o in Objective}:
        return Objective(value)
    raise InvalidPricingPolicyError(
        f"{value!r} is not an objective (profit, revenue).", field="objective"
    )


# -- SKU inputs -----------------------------------------------------------------------------
def check_inputs(inputs: SkuPricingInputs) -> SkuPricingInputs:
    """Raise unless every amount is in the inputs' currency and sensible: a cost >= 0,
    positive bounds and competitor price, the minimum at most the maximum."""
    for field in MONEY_FIELDS:
        amount: Money | None = getattr(inputs, field)
        if amount is None:
            continue
        if amount.currency.code != inputs.currency:
            raise InvalidPricingInputsError(
                f"{field} is in {amount.currency.code}, the inputs in {inputs.currency}.",
                field=field,
            )
        if amount.minor >= MAX_AMOUNT_MINOR:
            raise InvalidPricingInputsError(f"{field} is too large.", field=field)
        if amount.is_negative or (field != "unit_cost" and amount.is_zero):
            rule = "at least zero" if field == "unit_cost" else "positive"
            raise InvalidPricingInputsError(f"{field} is {rule}.", field=field)
    low, high = inputs.min_price, inputs.max_price
    if low is not None and high is not None and low > high:
        raise InvalidPriceBoundsError(
            "min_price is at most max_price.", min_price=low.to_dict(), max_price=high.to_dict()
        )
    return inputs
