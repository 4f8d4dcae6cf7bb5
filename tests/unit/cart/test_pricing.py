"""Live line pricing against hand-computed figures: list, tier and member prices, FX
conversion (direct, inverse, through the pivot) with its rounding, problems, totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from marketplace.cart.domain import SkuNotAvailableError
from marketplace.cart.pricing import PricedLine, SkuSnapshot, price_lines, summarize
from marketplace.catalog.domain import MemberLevel, MemberPrice, PriceSet, TierPrice
from marketplace.catalog.domain.errors import InvalidQuantityError
from marketplace.fx.domain import FxRate
from marketplace.shared.money import Money

ON = date(2026, 1, 10)


class CountingRates:
    """An in-memory FxRateRepository that counts its lookups."""

    def __init__(self, *rates: FxRate) -> None:
        self.rates = list(rates)
        self.lookups = 0

    def upsert(self, rates: Sequence[FxRate], *, now: datetime) -> None:
        self.rates.extend(rates)

    def latest(self, base: str, quote: str, *, on: date) -> FxRate | None:
        self.lookups += 1
        found = [r for r in self.rates if r.pair == (base, quote) and r.rate_date <= on]
        return max(found, key=lambda r: r.rate_date, default=None)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


DRESS_PRICES = PriceSet.create(
    cny("100.00"),
    tiers=[TierPrice(10, cny("90.00")), TierPrice(50, cny("80.00"))],
    member_prices=[MemberPrice(MemberLevel.SILVER, cny("95.00")),
                   MemberPrice(MemberLevel.GOLD, cny("85.00"))],
)  # fmt: skip


def snapshot(sku_id: str = "sku_1", **changes: object) -> SkuSnapshot:
    base = SkuSnapshot(
        sku_id=sku_id, product_id="prod_1", merchant_id="mer_a", shop_id="shop_a",
        category_id="cat_1", title="Dress", sku_code="D-1", sales_attributes={"size": "M"},
        weight_grams=300, is_sellable=True, prices={"CNY": DRESS_PRICES}, available=100,
        merchant_name="A",
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def price_one(
    snap: SkuSnapshot,
    quantity: int,
    *,
    currency: str = "CNY",
    level: str | None = None,
    rates: CountingRates | None = None,
    on: date = ON,
) -> PricedLine:
    lines = price_lines(
        {snap.sku_id: snap}, {snap.sku_id: quantity}, currency=currency, member_level=level,
        rates=rates or CountingRates(), on=on,
    )  # fmt: skip
    assert len(lines) == 1
    return lines[0]


@pytest.mark.parametrize(
    ("quantity", "level", "unit", "total", "rule"),
    [
        (1, None, "100.00", "100.00", "list"),
        (3, "regular", "100.00", "300.00", "list"),
        (10, None, "90.00", "900.00", "tier"),
        (50, None, "80.00", "4000.00", "tier"),
        (1, "silver", "95.00", "95.00", "member"),
        (2, "platinum", "85.00", "170.00", "member"),  # gets gold's price
        (10, "silver", "90.00", "900.00", "tier"),  # tier beats silver
        (10, "gold", "85.00", "850.00", "member"),  # gold beats the tier
    ],
)
def test_catalog_rules_in_the_skus_own_currency(
    quantity: int, level: str | None, unit: str, total: str, rule: str
) -> None:
    line = price_one(snapshot(), quantity, level=level)
    assert (line.unit_price, line.line_total, line.price_rule) == (cny(unit), cny(total), rule)
    assert (line.list_price, line.source_currency, line.fx_rate, line.fx_rate_date) == (
        cny("100.00"), "CNY", None, None,
    )  # fmt: skip
    assert line.problem is None


def test_conversion_rounds_the_unit_price_half_up_then_multiplies() -> None:
    rates = CountingRates(FxRate.of("CNY", "USD", "0.13875", date(2026, 1, 5), "PBOC"))
    scarf = snapshot(prices={"CNY": PriceSet.create(cny("10.00"))})
    line = price_one(scarf, 3, currency="USD", rates=rates)
    # 10.00 x 0.13875 = 1.3875 -> 1.39 USD; x 3 = 4.17 (converting 30.00 would give 4.16).
    assert (line.unit_price, line.line_total, line.list_price) == (
        Money.of("1.39", "USD"), Money.of("4.17", "USD"), Money.of("1.39", "USD"),
    )  # fmt: skip
    assert (line.source_currency, line.fx_rate, line.fx_rate_date) == (
        "CNY", Decimal("0.13875"), date(2026, 1, 5),
    )  # fmt: skip


def test_member_price_is_resolved_before_conversion_to_a_zero_decimal_currency() -> None:
    rates = CountingRates(FxRate.of("CNY", "JPY", "20.5", date(2026, 1, 5), "PBOC"))
    line = price_one(snapshot(), 2, currency="JPY", level="gold", rates=rates)
    # 85.00 CNY x 20.5 = 1742.5 -> 1743 JPY (half-up); list 100.00 -> 2050.
    assert (line.unit_price, line.line_total, line.list_price, line.price_rule) == (
        Money.of(1743, "JPY"), Money.of(3486, "JPY"), Money.of(2050, "JPY"), "member",
    )  # fmt: skip


def test_an_inverse_rate_and_the_latest_rate_on_or_before_the_day() -> None:
    rates = CountingRates(
        FxRate.of("USD", "CNY", "8", date(2026, 1, 1), "old"),
        FxRate.of("USD", "CNY", "7.2", date(2026, 1, 5), "PBOC"),
        FxRate.of("USD", "CNY", "6", date(2026, 1, 11), "future"),
    )
    line = price_one(snapshot(), 1, currency="USD", rates=rates)
    # 1 CNY = 1/7.2 USD = 0.1388...; 100.00 CNY -> 13.888... -> 13.89 USD.
    assert line.unit_price == Money.of("13.89", "USD")
    assert line.fx_rate_date == date(2026, 1, 5)
    assert line.fx_rate is not None
    assert line.fx_rate.quantize(Decimal("1e-10")) == Decimal("0.1388888889")


def test_through_the_pivot_and_the_primary_currency_when_the_cart_currency_is_missing() -> None:
    rates = CountingRates(
        FxRate.of("USD", "CNY", "7.2", date(2026, 1, 6), "PBOC"),
        FxRate.of("EUR", "CNY", "8", date(2026, 1, 5), "PBOC"),
    )
    usd_first = {
        "USD": PriceSet.create(Money.of("20.00", "USD")),
        "CNY": PriceSet.create(cny("150.00")),
    }
    line = price_one(snapshot(prices=usd_first), 1, currency="EUR", rates=rates)
    # USD -> CNY -> EUR: 7.2 x (1/8) = 0.9; 20.00 USD = 18.00 EUR; dated by the older leg.
    assert (line.unit_price, line.source_currency, line.fx_rate, line.fx_rate_date) == (
        Money.of("18.00", "EUR"), "USD", Decimal("0.9"), date(2026, 1, 5),
    )  # fmt: skip
    exact = price_one(snapshot(prices=usd_first), 1, currency="CNY", rates=rates)
    assert (exact.unit_price, exact.source_currency, exact.fx_rate) == (cny("150.00"), "CNY", None)


def test_one_lookup_per_source_currency_per_call() -> None:
    rates = CountingRates(FxRate.of("CNY", "USD", "0.14", date(2026, 1, 5), "PBOC"))
    snaps = {f"sku_{i}": snapshot(f"sku_{i}") for i in range(5)}
    lines = price_lines(
        snaps, [(sku, 1) for sku in snaps], currency="USD", member_level=None, rates=rates, on=ON
    )
    assert [line.sku_id for line in lines] == list(snaps)  # the order asked for
    assert rates.lookups == 1
    assert {line.unit_price for line in lines} == {Money.of("14.00", "USD")}


@pytest.mark.parametrize(
    ("changes", "quantity", "problem"),
    [
        ({"is_sellable": False, "available": 0}, 1, "not_for_sale"),
        ({"prices": {}}, 1, "no_price"),
        ({"available": 0}, 1, "out_of_stock"),
        ({"available": 2}, 3, "insufficient_stock"),
        ({"available": 3}, 3, None),
    ],
)
def test_problems_in_order_of_precedence(
    changes: dict[str, object], quantity: int, problem: str | None
) -> None:
    assert price_one(snapshot(**changes), quantity).problem == problem


def test_an_unpriced_line_is_zero_with_no_rule() -> None:
    no_rate = price_one(snapshot(), 2, currency="GBP")
    assert (no_rate.problem, no_rate.price_rule, no_rate.source_currency) == (
        "no_price", "none", "CNY",
    )  # fmt: skip
    assert (no_rate.unit_price, no_rate.line_total) == (Money.zero("GBP"), Money.zero("GBP"))
    hidden = price_one(snapshot(is_sellable=False), 1)
    assert (hidden.problem, hidden.unit_price) == ("not_for_sale", cny("100.00"))


def test_bad_input_is_refused() -> None:
    with pytest.raises(SkuNotAvailableError):
        price_lines({}, {"sku_gone": 1}, currency="CNY", member_level=None,
                    rates=CountingRates(), on=ON)  # fmt: skip
    for quantity in (0, -2, True):
        with pytest.raises(InvalidQuantityError):
            price_one(snapshot(), quantity)  # type: ignore[arg-type]


def test_totals_group_by_merchant_and_leave_problem_lines_out() -> None:
    snaps = {
        "a1": snapshot("a1"),
        "b1": snapshot("b1", merchant_id="mer_b", merchant_name="B"),
        "a2": snapshot("a2", available=1),
        "b2": snapshot("b2", merchant_id="mer_b", merchant_name="B", prices={
            "CNY": PriceSet.create(cny("0.10"))
        }),
    }  # fmt: skip
    lines = price_lines(
        snaps, {"a1": 2, "b1": 1, "a2": 2, "b2": 3}, currency="CNY", member_level=None,
        rates=CountingRates(), on=ON,
    )  # fmt: skip
    totals = summarize(lines, currency="CNY")
    groups = [(g.merchant_id, g.merchant_name) for g in totals.groups]
    assert groups == [("mer_a", "A"), ("mer_b", "B")]
    assert [[line.sku_id for line in g.lines] for g in totals.groups] == [
        ["a1", "a2"],
        ["b1", "b2"],
    ]
    # a2 wants 2 with 1 available: left out of the subtotal.
    assert [g.subtotal for g in totals.groups] == [cny("200.00"), cny("100.30")]
    assert (totals.total, totals.quantity, totals.problem_count) == (cny("300.30"), 8, 1)
    empty = summarize([], currency="usd")
    assert (empty.currency, empty.total, empty.groups) == ("USD", Money.zero("USD"), ())
