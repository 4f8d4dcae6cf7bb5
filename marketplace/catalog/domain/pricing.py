"""SKU prices: a list price per currency, B2B quantity tiers and member-level prices.

Resolution (``resolve_unit_price``): the unit price is the lowest of

* the list price,
* the best tier whose ``min_quantity`` the ordered quantity reaches,
* the member price of the buyer's level or any lower level (a platinum member also
  qualifies for the gold and silver prices).

On a tie the simpler rule is reported: list before tier before member.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from marketplace.catalog.domain.errors import (
    InvalidMemberPricesError,
    InvalidPriceError,
    InvalidQuantityError,
    InvalidTierPricesError,
)
from marketplace.shared.currency import Currency
from marketplace.shared.money import Money

MAX_TIERS = 10


class PriceRule(StrEnum):
    LIST = "list"
    TIER = "tier"
    MEMBER = "member"


class MemberLevel(StrEnum):
    REGULAR = "regular"
    SILVER = "silver"
    GOLD = "gold"
    PLATINUM = "platinum"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]


def parse_member_level(value: str | None) -> MemberLevel:
    """A member level from its name; no level is ``regular``."""
    if not value:
        return MemberLevel.REGULAR
    try:
        return MemberLevel(value.strip().lower())
    except ValueError:
        raise InvalidMemberPricesError(
            f"{value!r} is not a member level (regular, silver, gold, platinum)."
        ) from None


_LEVEL_RANK = {
    MemberLevel.REGULAR: 0,
    MemberLevel.SILVER: 1,
    MemberLevel.GOLD: 2,
    MemberLevel.PLATINUM: 3,
}
PRICED_LEVELS = (MemberLevel.SILVER, MemberLevel.GOLD, MemberLevel.PLATINUM)


@dataclass(frozen=True, slots=True)
class TierPrice:
    min_quantity: int
    amount: Money


@dataclass(frozen=True, slots=True)
class MemberPrice:
    level: MemberLevel
    amount: Money


@dataclass(frozen=True, slots=True)
class PriceSet:
    """All the prices of one SKU in one currency. Build it with ``PriceSet.create``."""

    currency: Currency
    list_price: Money
    tiers: tuple[TierPrice, ...] = ()
    member_prices: tuple[MemberPrice, ...] = ()

    @classmethod
    def create(
        cls,
        list_price: Money,
        tiers: Iterable[TierPrice] = (),
        member_prices: Iterable[MemberPrice] = (),
    ) -> PriceSet:
        """Validate and normalise (tiers sorted by quantity, member prices by level)."""
        currency = list_price.currency
        if list_price.is_negative:
            raise InvalidPriceError("The list price cannot be negative.")
        for amount in [t.amount for t in tiers] + [m.amount for m in member_prices]:
            if amount.currency != currency:
                raise InvalidPriceError(
                    f"Every price of the set must be in {currency.code}, not {amount.currency}."
                )
        return cls(
            currency=currency,
            list_price=list_price,
            tiers=_valid_tiers(list_price, tiers),
            member_prices=_valid_member_prices(list_price, member_prices),
        )


def _valid_tiers(list_price: Money, tiers: Iterable[TierPrice]) -> tuple[TierPrice, ...]:
    ordered = sorted(tiers, key=lambda t: t.min_quantity)
    if len(ordered) > MAX_TIERS:
        raise InvalidTierPricesError(f"At most {MAX_TIERS} tiers per currency.")
    previous: TierPrice | None = None
    for tier in ordered:
        if isinstance(tier.min_quantity, bool) or tier.min_quantity < 2:
            raise InvalidTierPricesError("A tier's min_quantity must be 2 or more.")
        if tier.amount.is_negative or tier.amount > list_price:
            raise InvalidTierPricesError(
                f"The tier from {tier.min_quantity} must be between 0 and the list price."
            )
        if previous is not None:
            if tier.min_quantity == previous.min_quantity:
                raise InvalidTierPricesError(f"Two tiers start at {tier.min_quantity}.")
            if tier.amount > previous.amount:
                raise InvalidTierPricesError(
                    "Tier prices cannot increase with quantity "
                    f"({previous.min_quantity}: {previous.amount.amount}, "
                    f"{tier.min_quantity}: {tier.amount.amount})."
                )
        previous = tier
    return tuple(ordered)


def _valid_member_prices(
    list_price: Money, prices: Iterable[MemberPrice]
) -> tuple[MemberPrice, ...]:
    ordered = sorted(prices, key=lambda m: m.level.rank)
    seen: set[MemberLevel] = set()
    for price in ordered:
        level = price.level
        if level not in PRICED_LEVELS:
            raise InvalidMemberPricesError("Member prices are for silver, gold or platinum.")
        if level in seen:
            raise InvalidMemberPricesError(f"Two member prices for {level.value}.")
        seen.add(level)
        if price.amount.is_negative or price.amount > list_price:
            raise InvalidMemberPricesError(
                f"The {level.value} price must be between 0 and the list price."
            )
    return tuple(ordered)


@dataclass(frozen=True, slots=True)
class ResolvedPrice:
    """The unit price a buyer pays and the rule that gave it."""

    unit_price: Money
    rule: PriceRule
    list_price: Money
    quantity: int
    min_quantity: int | None = None  # the tier applied
    member_level: MemberLevel | None = None  # the member price applied

    @property
    def total(self) -> Money:
        return self.unit_price * self.quantity


def resolve_unit_price(
    prices: PriceSet, *, quantity: int, member_level: MemberLevel | str | None = None
) -> ResolvedPrice:
    """Lowest applicable of list price, best tier for ``quantity`` and member price."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidQuantityError(quantity)
    level = parse_member_level(member_level)
    best = ResolvedPrice(prices.list_price, PriceRule.LIST, prices.list_price, quantity)
    reached = [t for t in prices.tiers if t.min_quantity <= quantity]
    if reached:
        tier = min(reached, key=lambda t: (t.amount, -t.min_quantity))
        if tier.amount < best.unit_price:
            best = ResolvedPrice(
                tier.amount, PriceRule.TIER, prices.list_price, quantity,
                min_quantity=tier.min_quantity,
            )  # fmt: skip
    eligible = [m for m in prices.member_prices if m.level.rank <= level.rank]
    if eligible:
        member = min(eligible, key=lambda m: (m.amount, -m.level.rank))
        if member.amount < best.unit_price:
            best = ResolvedPrice(
                member.amount, PriceRule.MEMBER, prices.list_price, quantity,
                member_level=member.level,
            )  # fmt: skip
    return best
