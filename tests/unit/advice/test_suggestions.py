"""Price suggestion rules, without a database: the shape a producer must give, the
lifecycle, and the price set an accepted suggestion leaves."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.advice.domain import (
    InvalidPriceSuggestionError,
    Objective,
    PriceSuggestion,
    SuggestionCurrencyMismatchError,
    SuggestionExpiredError,
    SuggestionNotPendingError,
    SuggestionPriceNotPositiveError,
    SuggestionStatus,
    check_effects,
    rescaled_prices,
)
from marketplace.advice.domain.suggestions import (
    DEFAULT_TTL,
    check_codes,
    check_elasticity,
    check_expiry,
    check_prices,
    check_reason,
    parse_objective,
)
from marketplace.catalog.domain import MemberLevel, MemberPrice, PriceSet, TierPrice
from marketplace.shared.money import Money

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def suggestion(status: SuggestionStatus = SuggestionStatus.PENDING, **kw: Any) -> PriceSuggestion:
    fields: dict[str, Any] = {
        "id": "psg_1", "merchant_id": "mer_1", "sku_id": "sku_1", "product_id": "prod_1",
        "current_price": cny("100.00"), "suggested_price": cny("95.00"),
        "objective": Objective.PROFIT, "status": status, "expected_effects": {},
        "elasticity": -1.8, "elasticity_ci_low": -2.4, "elasticity_ci_high": -1.2,
        "binding_guardrails": ("max_step",), "reason": None, "model_name": "glm",
        "model_version": "3", "created_at": NOW, "expires_at": NOW + timedelta(days=7),
    }  # fmt: skip
    return PriceSuggestion(**(fields | kw))


EFFECTS: dict[str, Any] = {
    "units": {"expected": 12.5, "low": 3, "high": 20.25},
    "revenue": {"expected": "120.504", "low": Decimal("-30"), "high": 260},
    "profit": None,
    "interval_level": 0.9,
    "horizon_days": 28,
}


# -- effects --------------------------------------------------------------------------------
def test_effects_are_normalised_money_rounded_half_up_to_the_minor_unit() -> None:
    assert check_effects(EFFECTS, "CNY") == {
        "units": {"expected": 12.5, "low": 3.0, "high": 20.25},
        "revenue": {"expected": "120.50", "low": "-30.00", "high": "260.00"},
        "profit": None,
        "interval_level": 0.9,
        "horizon_days": 28,
    }
    jpy = check_effects(EFFECTS | {"profit": {"expected": "10.5", "low": "0", "high": "20"}}, "JPY")
    assert jpy["profit"] == {"expected": "11", "low": "0", "high": "20"}


@pytest.mark.parametrize(
    "change",
    [
        {"revenue": None},  # revenue is required
        {"units": {"expected": 1.0, "low": 0.0}},  # no high
        {"units": {"expected": 1.0, "low": 2.0, "high": 1.0}},  # low above high
        {"units": {"expected": math.nan, "low": 0.0, "high": 1.0}},
        {"units": {"expected": True, "low": 0.0, "high": 1.0}},
        {"revenue": {"expected": 1.5, "low": "0", "high": "2"}},  # a float amount
        {"revenue": {"expected": "abc", "low": "0", "high": "2"}},
        {"profit": {"expected": "3", "low": "5", "high": "4"}},
        {"interval_level": 1.0},
        {"horizon_days": 0},
        {"probability_of_gain": 1.5},
        {"lift": 3},  # an unknown key
    ],
)
def test_effects_of_the_wrong_shape_are_refused(change: dict[str, Any]) -> None:
    effects = {k: v for k, v in (EFFECTS | change).items() if v is not None or k == "profit"}
    with pytest.raises(InvalidPriceSuggestionError):
        check_effects(effects, "CNY")


def test_effects_need_units_and_revenue() -> None:
    with pytest.raises(InvalidPriceSuggestionError):
        check_effects({"units": EFFECTS["units"]}, "CNY")
    with pytest.raises(InvalidPriceSuggestionError):
        check_effects([1, 2], "CNY")  # type: ignore[arg-type]


# -- the other fields -------------------------------------------------------------------------
def test_prices_are_positive_and_in_the_suggestion_currency() -> None:
    check_prices("CNY", cny("10.00"), cny("9.50"))
    with pytest.raises(SuggestionCurrencyMismatchError):
        check_prices("CNY", cny("10.00"), Money.of("9.50", "USD"))
    with pytest.raises(SuggestionCurrencyMismatchError):
        check_prices("USD", cny("10.00"), cny("9.50"))
    with pytest.raises(SuggestionPriceNotPositiveError):
        check_prices("CNY", cny("10.00"), cny("0"))
    with pytest.raises(SuggestionPriceNotPositiveError):
        check_prices("CNY", cny("-1.00"), cny("9.50"))


def test_elasticity_lies_within_its_interval() -> None:
    assert check_elasticity(-1.5, -2, -1) == (-1.5, -2.0, -1.0)
    for bad in ((-3.0, -2.0, -1.0), (-1.5, -1.0, -2.0), (math.inf, -2.0, -1.0)):
        with pytest.raises(InvalidPriceSuggestionError):
            check_elasticity(*bad)


def test_codes_are_snake_case_and_kept_once_in_order() -> None:
    assert check_codes(["max_step", "margin_floor", "max_step"], "guardrail") == (
        "max_step",
        "margin_floor",
    )
    assert check_reason(None) is None
    assert check_reason("not_identifiable") == "not_identifiable"
    for bad in (["Max-Step"], ["a" * 41], [""], [f"c{i}" for i in range(21)]):
        with pytest.raises(InvalidPriceSuggestionError):
            check_codes(bad, "guardrail")


def test_expiry_defaults_and_bounds() -> None:
    assert check_expiry(None, NOW) == NOW + DEFAULT_TTL
    assert check_expiry(NOW + timedelta(hours=1), NOW) == NOW + timedelta(hours=1)
    for bad in (NOW, NOW + timedelta(days=91), datetime(2026, 3, 2)):
        with pytest.raises(InvalidPriceSuggestionError):
            check_expiry(bad, NOW)


def test_objective() -> None:
    assert parse_objective("revenue") is Objective.REVENUE
    with pytest.raises(InvalidPriceSuggestionError):
        parse_objective("margin")


# -- lifecycle --------------------------------------------------------------------------------
def test_a_pending_suggestion_is_decided_once() -> None:
    s = suggestion()
    s.decide(SuggestionStatus.ACCEPTED, actor="usr_1", now=NOW + timedelta(hours=1))
    assert (s.status, s.decided_by, s.decided_at) == (
        SuggestionStatus.ACCEPTED, "usr_1", NOW + timedelta(hours=1)
    )  # fmt: skip
    with pytest.raises(SuggestionNotPendingError) as refused:
        s.decide(SuggestionStatus.REJECTED, actor="usr_1", now=NOW)
    assert refused.value.details == {"suggestion_status": "accepted"}


def test_expiry_is_read_from_the_clock() -> None:
    s = suggestion()
    assert (s.display_status(NOW), s.is_expired(NOW)) == ("pending", False)
    late = s.expires_at
    assert (s.display_status(late), s.is_expired(late)) == ("expired", True)
    with pytest.raises(SuggestionExpiredError):
        s.decide(SuggestionStatus.ACCEPTED, actor="usr_1", now=late)
    assert s.status is SuggestionStatus.PENDING
    # A decided suggestion never shows as expired.
    assert suggestion(SuggestionStatus.REJECTED).display_status(late) == "rejected"
    assert suggestion(SuggestionStatus.SUPERSEDED).is_expired(late) is False


def test_a_suggestion_that_keeps_the_price_is_no_change() -> None:
    assert suggestion().is_change
    assert not suggestion(suggested_price=cny("100.00"), reason="already_optimal").is_change


# -- the price set after acceptance ------------------------------------------------------------
def test_tier_and_member_prices_keep_their_ratio_to_the_list_price() -> None:
    prices = PriceSet.create(
        cny("100.00"),
        [TierPrice(10, cny("90.00")), TierPrice(50, cny("80.00"))],
        [
            MemberPrice(MemberLevel.GOLD, cny("85.00")),
            MemberPrice(MemberLevel.SILVER, cny("99.99")),
        ],
    )
    new = rescaled_prices(prices, cny("110.00"))
    assert new.list_price == cny("110.00")
    assert [(t.min_quantity, t.amount) for t in new.tiers] == [
        (10, cny("99.00")),
        (50, cny("88.00")),
    ]
    # 99.99 x 1.1 = 109.989 -> 109.99 (half-up at the fen)
    assert [(m.level, m.amount) for m in new.member_prices] == [
        (MemberLevel.SILVER, cny("109.99")), (MemberLevel.GOLD, cny("93.50"))
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("old_list", "tier", "new_list", "expected", "currency"),
    [
        ("2.00", "1.01", "1.00", "0.51", "CNY"),  # 0.505 exactly: half rounds up
        ("2.00", "1.01", "1.50", "0.76", "CNY"),  # 0.7575
        ("3.00", "2.00", "4.00", "2.67", "CNY"),  # 2.6666...
        ("3.00", "1.00", "2.50", "0.83", "CNY"),  # 0.8333...
        ("1000", "905", "1100", "996", "JPY"),  # 995.5: half up at the yen
    ],
)
def test_scaled_prices_round_half_up_once_at_the_minor_unit(
    old_list: str, tier: str, new_list: str, expected: str, currency: str
) -> None:
    money = lambda a: Money.of(a, currency)  # noqa: E731
    prices = PriceSet.create(money(old_list), [TierPrice(5, money(tier))])
    assert rescaled_prices(prices, money(new_list)).tiers[0].amount == money(expected)


def test_a_list_price_alone_is_simply_replaced() -> None:
    new = rescaled_prices(PriceSet.create(cny("10.00")), cny("12.34"))
    assert (new.list_price, new.tiers, new.member_prices) == (cny("12.34"), (), ())


_minor = st.integers(min_value=1, max_value=10**9)


@given(
    old=_minor, new=_minor,
    shares=st.lists(st.integers(min_value=0, max_value=1000), min_size=0, max_size=10,
                    unique=True),
)  # fmt: skip
def test_rescaling_always_leaves_a_valid_price_set_within_half_a_minor_unit(
    old: int, new: int, shares: list[int]
) -> None:
    # Tiers from 2, falling with quantity, each a share (per mille) of the list price.
    amounts = sorted((old * s // 1000 for s in shares), reverse=True)
    tiers = [TierPrice(q, Money.from_minor(a, "CNY")) for q, a in enumerate(amounts, start=2)]
    prices = PriceSet.create(Money.from_minor(old, "CNY"), tiers)
    result = rescaled_prices(prices, Money.from_minor(new, "CNY"))  # PriceSet.create validated
    for before, after in zip(prices.tiers, result.tiers, strict=True):
        exact = Decimal(before.amount.minor) * new / old
        assert abs(Decimal(after.amount.minor) - exact) <= Decimal("0.5")
        assert after.min_quantity == before.min_quantity
