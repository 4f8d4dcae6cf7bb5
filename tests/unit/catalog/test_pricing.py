from decimal import Decimal

import pytest

from marketplace.catalog.domain import (
    MemberLevel,
    MemberPrice,
    PriceRule,
    PriceSet,
    TierPrice,
    resolve_unit_price,
)
from marketplace.catalog.domain.errors import (
    InvalidMemberPricesError,
    InvalidPriceError,
    InvalidQuantityError,
    InvalidTierPricesError,
)
from marketplace.shared.money import Money


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


@pytest.fixture
def prices() -> PriceSet:
    return PriceSet.create(
        cny("100.00"),
        [TierPrice(50, cny("80.00")), TierPrice(10, cny("90.00"))],
        [MemberPrice(MemberLevel.GOLD, cny("85.00")), MemberPrice(MemberLevel.SILVER, cny("95"))],
    )


def test_create_sorts_tiers_and_member_prices(prices: PriceSet) -> None:
    assert [t.min_quantity for t in prices.tiers] == [10, 50]
    assert [m.level for m in prices.member_prices] == [MemberLevel.SILVER, MemberLevel.GOLD]


@pytest.mark.parametrize(
    ("quantity", "level", "unit", "rule", "tier", "applied_level"),
    [
        (1, None, "100.00", PriceRule.LIST, None, None),
        (9, "regular", "100.00", PriceRule.LIST, None, None),
        (10, None, "90.00", PriceRule.TIER, 10, None),
        (49, None, "90.00", PriceRule.TIER, 10, None),
        (50, None, "80.00", PriceRule.TIER, 50, None),
        (1, "silver", "95.00", PriceRule.MEMBER, None, MemberLevel.SILVER),
        (1, "gold", "85.00", PriceRule.MEMBER, None, MemberLevel.GOLD),
        # platinum has no price of its own but qualifies for gold's
        (1, "platinum", "85.00", PriceRule.MEMBER, None, MemberLevel.GOLD),
        (10, "gold", "85.00", PriceRule.MEMBER, None, MemberLevel.GOLD),
        (10, "silver", "90.00", PriceRule.TIER, 10, None),
        (50, "gold", "80.00", PriceRule.TIER, 50, None),
    ],
)
def test_resolve_takes_the_lowest_applicable(
    prices: PriceSet,
    quantity: int,
    level: str | None,
    unit: str,
    rule: PriceRule,
    tier: int | None,
    applied_level: MemberLevel | None,
) -> None:
    resolved = resolve_unit_price(prices, quantity=quantity, member_level=level)
    assert resolved.unit_price == cny(unit)
    assert resolved.rule is rule
    assert resolved.min_quantity == tier
    assert resolved.member_level == applied_level
    assert resolved.list_price == cny("100.00")
    assert resolved.total == cny(unit) * quantity


def test_tie_reports_the_simpler_rule() -> None:
    prices = PriceSet.create(
        cny("10"), [TierPrice(2, cny("10"))], [MemberPrice(MemberLevel.GOLD, cny("10"))]
    )
    assert resolve_unit_price(prices, quantity=5, member_level="gold").rule is PriceRule.LIST


def test_zero_decimal_currency() -> None:
    prices = PriceSet.create(Money.of(1200, "JPY"), [TierPrice(3, Money.of(1000, "JPY"))])
    resolved = resolve_unit_price(prices, quantity=3)
    assert resolved.unit_price.amount == Decimal(1000)
    assert resolved.total.minor == 3000


@pytest.mark.parametrize("quantity", [0, -1, True, 1.5])
def test_quantity_must_be_positive_int(prices: PriceSet, quantity: object) -> None:
    with pytest.raises(InvalidQuantityError):
        resolve_unit_price(prices, quantity=quantity)  # type: ignore[arg-type]


def test_unknown_member_level_is_refused(prices: PriceSet) -> None:
    with pytest.raises(InvalidMemberPricesError):
        resolve_unit_price(prices, quantity=1, member_level="diamond")


@pytest.mark.parametrize(
    "tiers",
    [
        [TierPrice(1, cny("90"))],  # min_quantity must be >= 2
        [TierPrice(5, cny("101"))],  # above the list price
        [TierPrice(5, cny("90")), TierPrice(10, cny("95"))],  # increases with quantity
        [TierPrice(5, cny("90")), TierPrice(5, cny("80"))],  # same quantity twice
        [TierPrice(5, cny("-1"))],
    ],
)
def test_invalid_tiers(tiers: list[TierPrice]) -> None:
    with pytest.raises(InvalidTierPricesError):
        PriceSet.create(cny("100"), tiers)


def test_tier_equal_to_list_price_is_allowed() -> None:
    assert PriceSet.create(cny("100"), [TierPrice(2, cny("100"))]).tiers


@pytest.mark.parametrize(
    "members",
    [
        [MemberPrice(MemberLevel.REGULAR, cny("90"))],
        [MemberPrice(MemberLevel.GOLD, cny("90")), MemberPrice(MemberLevel.GOLD, cny("80"))],
        [MemberPrice(MemberLevel.GOLD, cny("120"))],
    ],
)
def test_invalid_member_prices(members: list[MemberPrice]) -> None:
    with pytest.raises(InvalidMemberPricesError):
        PriceSet.create(cny("100"), member_prices=members)


def test_prices_of_a_set_share_its_currency() -> None:
    with pytest.raises(InvalidPriceError):
        PriceSet.create(cny("100"), [TierPrice(2, Money.of("10", "USD"))])
    with pytest.raises(InvalidPriceError):
        PriceSet.create(cny("-1"))
