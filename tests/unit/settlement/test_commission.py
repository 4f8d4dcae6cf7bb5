"""Commission rules: rates, floors and caps, matching precedence, and the quote service
(hand-computed figures)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from marketplace.settlement import services
from marketplace.settlement.domain import (
    CommissionInput,
    CommissionRule,
    CommissionRuleNotFoundError,
    CommissionScope,
    InvalidCommissionInputError,
    InvalidCommissionRuleError,
    UnknownCommissionScopeError,
    freeze_commission,
    match_rule,
    parse_rate,
)
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from tests.unit.settlement.fakes import FakeSettlementUow

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def rule(
    rule_id: str,
    scope: CommissionScope = CommissionScope.PLATFORM,
    scope_id: str | None = None,
    rate: str = "0.05",
    **extra: object,
) -> CommissionRule:
    made = CommissionRule(
        id=rule_id, scope=scope, scope_id=scope_id, rate=parse_rate(rate),
        created_at=extra.pop("created_at", T0), updated_at=T0, **extra,  # type: ignore[arg-type]
    )  # fmt: skip
    made.validate()
    return made


def line(amount: str, merchant: str = "mer_1", categories: tuple[str, ...] = ()) -> CommissionInput:
    return CommissionInput(merchant, categories, cny(amount))


# -- rates ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.05", "0.05"), ("0.0500", "0.05"), ("1", "1"), ("0", "0"), ("0.1234", "0.1234")],
)
def test_rates_are_canonical_decimals(text: str, expected: str) -> None:
    assert str(parse_rate(text)) == expected


@pytest.mark.parametrize("bad", ["0.12345", "-0.01", "1.0001", "abc", "NaN", 0.05, True])
def test_bad_rates_are_refused_with_a_stable_code(bad: object) -> None:
    with pytest.raises(InvalidCommissionRuleError) as caught:
        parse_rate(bad)
    assert caught.value.code == "invalid_commission_rate"


# -- one rule on one amount ------------------------------------------------------------------
def test_commission_rounds_half_up_once_at_the_minor_unit() -> None:
    # 0.30 x 0.05 = 0.015 -> 0.02 (half-up); 0.29 x 0.05 = 0.0145 -> 0.01
    assert rule("r").commission_on(cny("0.30")) == cny("0.02")
    assert rule("r").commission_on(cny("0.29")) == cny("0.01")
    # 199.99 x 0.0375 = 7.4996 -> 7.50
    assert rule("r", rate="0.0375").commission_on(cny("199.99")) == cny("7.50")
    # JPY has no minor unit: 1,234 x 0.05 = 61.7 -> 62
    assert rule("r").commission_on(Money.of(1234, "JPY")) == Money.of(62, "JPY")


def test_floor_and_cap_apply_in_their_own_currency_only() -> None:
    bounded = rule("r", floors=(cny("1.00"),), caps=(cny("50.00"),))
    assert bounded.commission_on(cny("10.00")) == cny("1.00")  # 0.50 raised to the floor
    assert bounded.commission_on(cny("100.00")) == cny("5.00")  # inside the bounds
    assert bounded.commission_on(cny("2000.00")) == cny("50.00")  # 100.00 capped
    usd = Money.of("10.00", "USD")
    assert bounded.commission_on(usd) == Money.of("0.50", "USD")  # no USD floor


def test_commission_never_exceeds_the_line() -> None:
    bounded = rule("r", floors=(cny("5.00"),))
    assert bounded.commission_on(cny("3.00")) == cny("3.00")
    assert bounded.commission_on(cny("0.00")) == cny("0.00")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"floors": (cny("-1.00"),)}, "invalid_commission_limit"),
        ({"floors": (cny("1.00"), cny("2.00"))}, "invalid_commission_limit"),
        ({"floors": (cny("9.00"),), "caps": (cny("5.00"),)}, "invalid_commission_limit"),
        ({"effective_from": T0, "effective_to": T0}, "invalid_effective_period"),
        ({"effective_from": datetime(2026, 1, 1)}, "invalid_effective_period"),
        ({"rate": Decimal("1.5")}, "invalid_commission_rate"),
    ],
)
def test_invalid_rules_are_refused(changes: dict[str, object], code: str) -> None:
    candidate = CommissionRule(
        id="r", scope=CommissionScope.PLATFORM, scope_id=None, rate=Decimal("0.05"),
        created_at=T0, updated_at=T0,
    )  # fmt: skip
    with pytest.raises(InvalidCommissionRuleError) as caught:
        CommissionRule(**{**candidate.__dict__, **changes}).validate()  # type: ignore[arg-type]
    assert caught.value.code == code


def test_a_scope_and_its_target_go_together() -> None:
    for scope, target in [(CommissionScope.PLATFORM, "mer_1"), (CommissionScope.MERCHANT, None)]:
        with pytest.raises(InvalidCommissionRuleError) as caught:
            rule("r", scope, target)
        assert caught.value.code == "invalid_commission_scope"


# -- matching --------------------------------------------------------------------------------
def test_merchant_rule_beats_category_rule_beats_platform_default() -> None:
    rules = [
        rule("platform", rate="0.05"),
        rule("root", CommissionScope.CATEGORY, "cat_root", rate="0.04"),
        rule("leaf", CommissionScope.CATEGORY, "cat_leaf", rate="0.03"),
        rule("merchant", CommissionScope.MERCHANT, "mer_1", rate="0.02"),
    ]
    path = ("cat_leaf", "cat_mid", "cat_root")
    assert match_rule(rules, line("1", "mer_1", path), T0).id == "merchant"  # type: ignore[union-attr]
    assert match_rule(rules, line("1", "mer_2", path), T0).id == "leaf"  # type: ignore[union-attr]
    only_root = ("cat_other", "cat_root")
    assert match_rule(rules, line("1", "mer_2", only_root), T0).id == "root"  # type: ignore[union-attr]
    assert match_rule(rules, line("1", "mer_2", ("x",)), T0).id == "platform"  # type: ignore[union-attr]
    assert match_rule(rules[1:3], line("1", "mer_2", ("x",)), T0) is None


def test_inactive_archived_and_out_of_period_rules_do_not_match() -> None:
    later = T0 + timedelta(days=10)
    rules = [
        rule("off", rate="0.09", is_active=False),
        rule("gone", rate="0.08", archived_at=T0),
        rule("future", rate="0.07", effective_from=later),
        rule("past", rate="0.06", effective_to=T0),
        rule("now", rate="0.05", effective_from=T0 - timedelta(days=1), effective_to=later),
    ]
    assert match_rule(rules, line("1"), T0).id == "now"  # type: ignore[union-attr]
    # effective_to is exclusive, effective_from inclusive
    assert match_rule(rules, line("1"), later).id == "future"  # type: ignore[union-attr]


def test_a_later_starting_rule_takes_over_from_an_open_ended_one() -> None:
    old = rule("old", rate="0.05", created_at=T0)
    new = rule("new", rate="0.06", created_at=T0 - timedelta(days=1),
               effective_from=T0 + timedelta(days=30))  # fmt: skip
    assert match_rule([old, new], line("1"), T0).id == "old"  # type: ignore[union-attr]
    assert match_rule([old, new], line("1"), T0 + timedelta(days=30)).id == "new"  # type: ignore[union-attr]
    twin = rule("twin", rate="0.07", created_at=T0 + timedelta(seconds=1))
    assert match_rule([old, twin], line("1"), T0).id == "twin"  # type: ignore[union-attr]


def test_no_rule_freezes_a_zero_commission_and_says_so() -> None:
    frozen = freeze_commission(None, line("99.00"))
    assert (frozen.rule_id, frozen.rate, frozen.amount, frozen.scope) == (
        None, Decimal(0), cny("0.00"), None,
    )  # fmt: skip


# -- services ---------------------------------------------------------------------------------
@pytest.fixture
def uow() -> FakeSettlementUow:
    fake = FakeSettlementUow(FixedClock(T0))
    fake.state.merchants.add("mer_1")
    fake.state.categories.update({"cat_leaf", "cat_root"})
    return fake


def test_quote_commissions_prices_each_line_by_its_own_rule(
    uow: FakeSettlementUow, caplog: pytest.LogCaptureFixture
) -> None:
    services.create_commission_rule(
        services.CreateCommissionRule("category", "0.1", scope_id="cat_root",
                                      caps=(cny("20.00"),)),
        uow=uow,
    )  # fmt: skip
    lines = [line("300.00", "mer_1", ("cat_leaf", "cat_root")), line("300.00", "mer_2", ("z",))]
    with uow:
        quoted = services.quote_commissions(lines, uow=uow)
    assert [q.amount for q in quoted] == [cny("20.00"), cny("0.00")]  # 30.00 capped; no rule
    assert quoted[0].rate == Decimal("0.1")
    assert quoted[0].scope is CommissionScope.CATEGORY
    assert quoted[1].rule_id is None
    assert "no commission rule matched" in caplog.text


def test_quote_refuses_a_negative_line() -> None:
    uow = FakeSettlementUow(FixedClock(T0))
    with pytest.raises(InvalidCommissionInputError):
        services.quote_commissions([line("-1.00")], uow=uow)


def test_creating_a_rule_for_an_unknown_target_changes_nothing(uow: FakeSettlementUow) -> None:
    with pytest.raises(UnknownCommissionScopeError):
        services.create_commission_rule(
            services.CreateCommissionRule("merchant", "0.05", scope_id="mer_nope"), uow=uow
        )
    with pytest.raises(InvalidCommissionRuleError) as caught:
        services.create_commission_rule(services.CreateCommissionRule("galaxy", "0.05"), uow=uow)
    assert caught.value.code == "invalid_commission_scope"
    assert uow.state.rules == {}
    assert uow.commits == 0


def test_update_and_archive(uow: FakeSettlementUow) -> None:
    created = services.create_commission_rule(
        services.CreateCommissionRule("merchant", "0.05", scope_id="mer_1"), uow=uow
    )
    updated = services.update_commission_rule(
        services.UpdateCommissionRule(created.id, {"rate": "0.08", "floors": [cny("1.00")]}),
        uow=uow,
    )
    assert (updated.rate, updated.floors) == (Decimal("0.08"), (cny("1.00"),))
    with pytest.raises(InvalidCommissionRuleError):
        services.update_commission_rule(
            services.UpdateCommissionRule(created.id, {"scope_id": "mer_2"}), uow=uow
        )
    assert uow.state.rules[created.id] == updated
    services.archive_commission_rule(created.id, uow=uow)
    with pytest.raises(CommissionRuleNotFoundError):
        services.archive_commission_rule(created.id, uow=uow)
    with uow:
        assert services.quote_commissions([line("10.00")], uow=uow)[0].rule_id is None
