"""Commission rules and how a rule prices one order line. Standard library only.

A rule belongs to a scope: the platform default, a category, or a merchant. For a line,
the merchant's rule wins, else the nearest category's (leaf to root), else the platform
default; no rule at all means no commission. Within one scope target, the rule effective
most recently wins (latest ``effective_from``, then the newest rule), so an admin can
schedule a new rate by adding a rule that starts later instead of editing the old one.

Commission = line amount x rate, rounded half-up once at the currency's minor unit
(ADR 0002), then raised to the rule's floor and lowered to its cap for that currency,
never above the line amount.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from marketplace.settlement.domain.errors import (
    InvalidCommissionInputError,
    InvalidCommissionRuleError,
)
from marketplace.shared.money import Money

RATE_DECIMALS = 4
_RATE_QUANTUM = Decimal(1).scaleb(-RATE_DECIMALS)
MAX_NOTE_LENGTH = 500
_EARLIEST = datetime.min.replace(tzinfo=UTC)


class CommissionScope(StrEnum):
    PLATFORM = "platform"
    CATEGORY = "category"
    MERCHANT = "merchant"


def parse_rate(value: object) -> Decimal:
    """A rate in [0, 1] with at most four decimals, in plain canonical form ("0.05")."""
    if isinstance(value, (bool, float)):
        raise _rate_error(f"A rate must be a decimal string, not {value!r}.")
    try:
        rate = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _rate_error(f"{value!r} is not a decimal rate.") from None
    if not rate.is_finite() or not 0 <= rate <= 1:
        raise _rate_error(f"A rate lies between 0 and 1, not {value}.")
    quantized = rate.quantize(_RATE_QUANTUM)
    if quantized != rate:
        raise _rate_error(f"A rate has at most {RATE_DECIMALS} decimals, not {value}.")
    return Decimal(format(quantized.normalize(), "f"))


def in_utc(moment: datetime | None) -> datetime | None:
    """An aware time in UTC (naive ones are left for ``validate`` to refuse)."""
    return moment.astimezone(UTC) if moment is not None and moment.tzinfo else moment


def _rate_error(message: str) -> InvalidCommissionRuleError:
    return InvalidCommissionRuleError(message, code="invalid_commission_rate", field="rate")


def _limit_error(message: str, **details: Any) -> InvalidCommissionRuleError:
    return InvalidCommissionRuleError(message, code="invalid_commission_limit", **details)


def _by_currency(limits: Sequence[Money], name: str) -> dict[str, Money]:
    found: dict[str, Money] = {}
    for limit in limits:
        if limit.is_negative:
            raise _limit_error(f"A {name} cannot be negative ({limit}).", field=name)
        if limit.currency.code in found:
            raise _limit_error(
                f"Two {name}s in {limit.currency.code}.", field=name, currency=limit.currency.code
            )
        found[limit.currency.code] = limit
    return found


@dataclass(frozen=True)
class CommissionInput:
    """One order line, at placement."""

    merchant_id: str
    category_ids: tuple[str, ...]  # the product's category then its ancestors (leaf first)
    amount: Money  # the line's total (unit price x quantity, after discounts)

    def validate(self) -> None:
        if not self.merchant_id:
            raise InvalidCommissionInputError("A commission input needs a merchant.")
        if self.amount.is_negative:
            raise InvalidCommissionInputError(
                f"A line amount cannot be negative ({self.amount}).", merchant_id=self.merchant_id
            )


@dataclass(frozen=True)
class FrozenCommission:
    """Frozen on the order line at placement. ``rule_id`` None: no rule matched (zero)."""

    rule_id: str | None
    rate: Decimal  # e.g. Decimal("0.05")
    amount: Money
    scope: CommissionScope | None = None  # which kind of rule decided; None: none did


@dataclass(frozen=True)
class CommissionRule:
    id: str
    scope: CommissionScope
    scope_id: str | None  # the merchant or category; None for the platform default
    rate: Decimal
    created_at: datetime
    updated_at: datetime
    floors: tuple[Money, ...] = ()  # at most one per currency
    caps: tuple[Money, ...] = ()
    is_active: bool = True
    effective_from: datetime | None = None  # inclusive; None: since always
    effective_to: datetime | None = None  # exclusive; None: until further notice
    note: str | None = None
    archived_at: datetime | None = None  # deleted by an admin; kept for frozen rule ids

    def validate(self) -> None:
        """Refuse a rule that could never be applied consistently."""
        if (self.scope is CommissionScope.PLATFORM) != (self.scope_id is None):
            raise InvalidCommissionRuleError(
                "A platform rule names no target; a category or merchant rule names one.",
                code="invalid_commission_scope",
                field="scope_id",
            )
        if parse_rate(self.rate) != self.rate:
            raise _rate_error(f"{self.rate} is not a canonical rate.")
        floors, caps = _by_currency(self.floors, "floor"), _by_currency(self.caps, "cap")
        for code, floor in floors.items():
            if code in caps and caps[code] < floor:
                raise _limit_error(f"The {code} floor is above its cap.", currency=code)
        self._validate_period()
        if self.note is not None and len(self.note) > MAX_NOTE_LENGTH:
            raise InvalidCommissionRuleError("The note is too long.", field="note")

    def _validate_period(self) -> None:
        for name in ("effective_from", "effective_to"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise InvalidCommissionRuleError(
                    f"{name} needs a time zone.", code="invalid_effective_period", field=name
                )
        start, end = self.effective_from, self.effective_to
        if start is not None and end is not None and end <= start:
            raise InvalidCommissionRuleError(
                "effective_to must be after effective_from.",
                code="invalid_effective_period",
                field="effective_to",
            )

    def applies_at(self, at: datetime) -> bool:
        """Active, not deleted, and ``at`` within [effective_from, effective_to)."""
        if not self.is_active or self.archived_at is not None:
            return False
        if self.effective_from is not None and at < self.effective_from:
            return False
        return self.effective_to is None or at < self.effective_to

    def floor_for(self, currency: str) -> Money | None:
        return next((m for m in self.floors if m.currency.code == currency), None)

    def cap_for(self, currency: str) -> Money | None:
        return next((m for m in self.caps if m.currency.code == currency), None)

    def commission_on(self, amount: Money) -> Money:
        """amount x rate rounded half-up, then floor, then cap, never above ``amount``."""
        commission = amount * self.rate
        floor, cap = self.floor_for(amount.currency.code), self.cap_for(amount.currency.code)
        if floor is not None and commission < floor:
            commission = floor
        if cap is not None and commission > cap:
            commission = cap
        return min(commission, amount)

    def with_changes(self, changes: dict[str, Any], *, now: datetime) -> CommissionRule:
        """A copy with ``changes`` applied (scope and target never change), validated."""
        fixed = {"id", "scope", "scope_id", "created_at", "archived_at"} & set(changes)
        if fixed:
            raise InvalidCommissionRuleError(f"{sorted(fixed)} cannot change.")
        updated = dataclasses.replace(self, **changes, updated_at=now)
        updated.validate()
        return updated

    @property
    def precedence(self) -> tuple[datetime, datetime, str]:
        """Among rules of one target, the greatest wins: latest start, then newest."""
        return (self.effective_from or _EARLIEST, self.created_at, self.id)


def _best(rules: Iterable[CommissionRule]) -> CommissionRule | None:
    return max(rules, key=lambda rule: rule.precedence, default=None)


def match_rule(
    rules: Iterable[CommissionRule], line: CommissionInput, at: datetime
) -> CommissionRule | None:
    """Merchant rule, else the nearest category rule (leaf to root), else the platform's."""
    live = [rule for rule in rules if rule.applies_at(at)]
    merchant = _best(
        r for r in live if r.scope is CommissionScope.MERCHANT and r.scope_id == line.merchant_id
    )
    if merchant is not None:
        return merchant
    for category_id in line.category_ids:
        category = _best(
            r for r in live if r.scope is CommissionScope.CATEGORY and r.scope_id == category_id
        )
        if category is not None:
            return category
    return _best(r for r in live if r.scope is CommissionScope.PLATFORM)


def freeze_commission(rule: CommissionRule | None, line: CommissionInput) -> FrozenCommission:
    """The commission to freeze on the line; zero (and no rule) when nothing matched."""
    if rule is None:
        return FrozenCommission(None, Decimal(0), Money.zero(line.amount.currency), None)
    return FrozenCommission(rule.id, rule.rate, rule.commission_on(line.amount), rule.scope)
