"""Price suggestions: a producer (the pricing pipeline) suggests a new list price for a SKU
in one currency; the merchant accepts it (the list price changes) or rejects it.

Lifecycle: ``pending`` -> ``accepted`` | ``rejected`` (the merchant) | ``superseded`` (a
newer suggestion for the same SKU and currency arrived) | ``expired``. A SKU has at most
one pending suggestion per currency. Expiry is read from the clock: a pending suggestion
past ``expires_at`` shows as ``expired`` and can be neither accepted nor rejected, whether
or not a sweep (``expire_price_suggestions``) has written the status yet.

A suggestion carries what the producer computed and the merchant should see before
deciding: the expected effects of the change with their interval (``check_effects`` fixes
the shape), the price elasticity with its confidence interval, the guardrails that bound
the price (stable codes such as ``max_step``) and, when it keeps the price, why.

Accepting changes the list price only; tier and member prices keep their discount ratio to
it (``rescaled_prices``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from marketplace.advice.domain.errors import (
    InvalidPriceSuggestionError,
    SuggestionCurrencyMismatchError,
    SuggestionExpiredError,
    SuggestionNotPendingError,
    SuggestionPriceNotPositiveError,
)
from marketplace.catalog.domain.pricing import MemberPrice, PriceSet, TierPrice
from marketplace.shared.money import Money

DEFAULT_TTL = timedelta(days=7)
MAX_TTL = timedelta(days=90)
MAX_BINDING = 20
MAX_NOTE = 1000
_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")
# The effects a producer may give; amounts are in the suggestion's currency.
_UNIT_EFFECTS = ("units",)
_MONEY_EFFECTS = ("revenue", "profit")
_EFFECT_KEYS = frozenset(
    {*_UNIT_EFFECTS, *_MONEY_EFFECTS, "interval_level", "horizon_days", "expected_units",
     "probability_of_gain"}
)  # fmt: skip


class SuggestionStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # a newer suggestion for the same SKU and currency
    EXPIRED = "expired"  # its expires_at passed before a decision


class Objective(StrEnum):
    PROFIT = "profit"
    REVENUE = "revenue"


@dataclass
class PriceSuggestion:
    id: str
    merchant_id: str
    sku_id: str
    product_id: str
    current_price: Money  # the list price it starts from
    suggested_price: Money
    objective: Objective
    status: SuggestionStatus
    expected_effects: dict[str, Any]  # the shape check_effects returns
    elasticity: float
    elasticity_ci_low: float
    elasticity_ci_high: float
    binding_guardrails: tuple[str, ...]
    reason: str | None  # why it keeps the current price, if it does
    model_name: str
    model_version: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None = None  # when it left pending, whatever the cause
    decided_by: str | None = None  # the merchant's user ("apikey:<prefix>" for a key)
    decision_note: str | None = None
    supersedes_id: str | None = None

    @property
    def currency(self) -> str:
        return self.current_price.currency.code

    @property
    def is_change(self) -> bool:
        """False for a suggestion that keeps the price (it has a ``reason``)."""
        return self.suggested_price != self.current_price

    def is_expired(self, now: datetime) -> bool:
        return self.status is SuggestionStatus.EXPIRED or (
            self.status is SuggestionStatus.PENDING and now >= self.expires_at
        )

    def display_status(self, now: datetime) -> str:
        return SuggestionStatus.EXPIRED.value if self.is_expired(now) else self.status.value

    def check_decidable(self, now: datetime) -> None:
        """Raise unless the merchant may accept or reject it now."""
        if self.is_expired(now):
            raise SuggestionExpiredError(
                "The suggestion has expired; wait for a fresh one.",
                expires_at=self.expires_at.isoformat(),
            )
        if self.status is not SuggestionStatus.PENDING:
            raise SuggestionNotPendingError(
                f"The suggestion is {self.status}.", suggestion_status=self.status.value
            )

    def decide(
        self, target: SuggestionStatus, *, actor: str, now: datetime, note: str | None = None
    ) -> None:
        self.check_decidable(now)
        self.status, self.decided_at, self.decided_by = target, now, actor
        self.decision_note = note


# -- what a producer gives ----------------------------------------------------------------
def check_prices(currency: str, current: Money, suggested: Money) -> None:
    if current.currency.code != currency or suggested.currency.code != currency:
        raise SuggestionCurrencyMismatchError(
            f"Both prices are in the suggestion's currency {currency}.",
            currencies=sorted({current.currency.code, suggested.currency.code}),
        )
    if current.minor <= 0 or suggested.minor <= 0:
        raise SuggestionPriceNotPositiveError("The current and suggested prices are positive.")


def check_expiry(expires_at: datetime | None, now: datetime) -> datetime:
    """The expiry to store: the default TTL when none is given."""
    if expires_at is None:
        return now + DEFAULT_TTL
    if expires_at.tzinfo is None:
        raise InvalidPriceSuggestionError("expires_at needs a time zone.")
    if not now < expires_at <= now + MAX_TTL:
        raise InvalidPriceSuggestionError(f"A suggestion expires within {MAX_TTL.days} days.")
    return expires_at


def check_elasticity(value: float, ci_low: float, ci_high: float) -> tuple[float, float, float]:
    numbers = tuple(_finite(v, "elasticity") for v in (value, ci_low, ci_high))
    if not numbers[1] <= numbers[0] <= numbers[2]:
        raise InvalidPriceSuggestionError("The elasticity lies within its interval.")
    return numbers  # type: ignore[return-value]


def check_codes(codes: Iterable[str], what: str) -> tuple[str, ...]:
    """Stable snake_case codes (``max_step``, ``margin_floor``...), each once, in order."""
    found = tuple(dict.fromkeys(codes))
    if len(found) > MAX_BINDING:
        raise InvalidPriceSuggestionError(f"At most {MAX_BINDING} {what}.")
    for code in found:
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            raise InvalidPriceSuggestionError(f"{code!r} is not a {what} code.")
    return found


def check_reason(reason: str | None) -> str | None:
    return check_codes([reason], "reason")[0] if reason else None


def check_model(name: str, version: str) -> tuple[str, str]:
    name, version = name.strip(), version.strip()
    if not 1 <= len(name) <= 100 or not 1 <= len(version) <= 40:
        raise InvalidPriceSuggestionError("A model has a name (1-100) and a version (1-40).")
    return name, version


def parse_objective(value: str) -> Objective:
    try:
        return Objective(value)
    except ValueError:
        raise InvalidPriceSuggestionError(
            f"{value!r} is not an objective (profit, revenue)."
        ) from None


def check_effects(raw: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """The expected effects as stored: changes (suggested minus current) over the horizon,
    each ``{"expected", "low", "high"}`` with ``low <= high``::

        {"units":   {"expected": 12.5, "low": 3.1, "high": 20.4},          # numbers
         "revenue": {"expected": "120.50", "low": "-30.00", "high": "260.00"},
         "profit":  {...} or null,     # money: decimal strings, rounded to the minor unit
         "interval_level": 0.9, "horizon_days": 28,                         # optional
         "expected_units": 40.2, "probability_of_gain": 0.82}               # optional

    Money amounts are Decimal, int or decimal strings (never floats)."""
    if not isinstance(raw, Mapping):
        raise InvalidPriceSuggestionError("expected_effects is an object.")
    unknown = sorted(set(raw) - _EFFECT_KEYS)
    if unknown:
        raise InvalidPriceSuggestionError("Unknown expected effects.", keys=unknown)
    if "units" not in raw or "revenue" not in raw:
        raise InvalidPriceSuggestionError("expected_effects has units and revenue.")
    effects: dict[str, Any] = {"units": _interval(raw["units"], "units", _number)}
    for key in _MONEY_EFFECTS:
        value = raw.get(key)
        if value is None and key == "profit":
            effects[key] = None
            continue
        effects[key] = _interval(value, key, lambda v, k: _amount(v, k, currency))
    if (level := raw.get("interval_level")) is not None:
        effects["interval_level"] = _number(level, "interval_level")
        if not 0 < effects["interval_level"] < 1:
            raise InvalidPriceSuggestionError("interval_level is between 0 and 1.")
    if (horizon := raw.get("horizon_days")) is not None:
        if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= 366:
            raise InvalidPriceSuggestionError("horizon_days is a whole number of days, 1-366.")
        effects["horizon_days"] = horizon
    if (units := raw.get("expected_units")) is not None:
        effects["expected_units"] = _number(units, "expected_units")
    if (gain := raw.get("probability_of_gain")) is not None:
        effects["probability_of_gain"] = _number(gain, "probability_of_gain")
        if not 0 <= effects["probability_of_gain"] <= 1:
            raise InvalidPriceSuggestionError("probability_of_gain is between 0 and 1.")
    return effects


def _interval(raw: Any, key: str, parse: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping) or set(raw) != {"expected", "low", "high"}:
        raise InvalidPriceSuggestionError(f"{key} is {{expected, low, high}}.", effect=key)
    found = {name: parse(raw[name], key) for name in ("expected", "low", "high")}
    if Decimal(str(found["low"])) > Decimal(str(found["high"])):
        raise InvalidPriceSuggestionError(f"{key}: low is at most high.", effect=key)
    return found


def _finite(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidPriceSuggestionError(f"{key} is a finite number.", effect=key)
    return float(value)


def _number(value: Any, key: str) -> float:
    return _finite(value, key)


def _amount(value: Any, key: str, currency: str) -> str:
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        raise InvalidPriceSuggestionError(
            f"{key} amounts are decimal strings, not {type(value).__name__}.", effect=key
        )
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidPriceSuggestionError(f"{value!r} is not an amount.", effect=key) from None
    if not amount.is_finite():
        raise InvalidPriceSuggestionError(f"{key} amounts are finite.", effect=key)
    return str(Money.rounded(amount, currency).amount)


# -- accepting: the new price set ------------------------------------------------------------
def rescaled_prices(prices: PriceSet, list_price: Money) -> PriceSet:
    """``prices`` with ``list_price`` as the list price, every tier and member price
    scaled by the same factor (new list / old list), so each keeps its discount ratio:
    a tier at 90.00 under a list of 100.00 becomes 99.00 under 110.00.

    Each scaled amount is computed exactly in minor units and rounded half-up once to the
    currency's minor unit (ADR 0002). Scaling by a positive factor and rounding are both
    monotone, so the set stays valid: tiers still fall with quantity, and no tier or member
    price exceeds the list price (x <= list implies round(x * f) <= list * f exactly).
    """
    old = prices.list_price.minor
    if old <= 0:
        raise SuggestionPriceNotPositiveError("A zero list price has no ratio to keep.")
    new = list_price.minor

    def scaled(amount: Money) -> Money:
        quotient, remainder = divmod(amount.minor * new, old)
        return Money.from_minor(quotient + (1 if 2 * remainder >= old else 0), list_price.currency)

    return PriceSet.create(
        list_price,
        [TierPrice(t.min_quantity, scaled(t.amount)) for t in prices.tiers],
        [MemberPrice(m.level, scaled(m.amount)) for m in prices.member_prices],
    )
