"""Money: examples and hypothesis properties (docs/adr/0002)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.shared.currency import CNY, CURRENCIES, JPY, USD, Currency
from marketplace.shared.money import (
    CurrencyMismatchError,
    InvalidMoneyError,
    Money,
    sum_money,
)

KWD = CURRENCIES["KWD"]
currencies = st.sampled_from(sorted(CURRENCIES.values(), key=lambda c: c.code))
LIMIT = 10**15  # minor units: far beyond any order, well inside BIGINT


def monies(currency: Currency, limit: int = LIMIT) -> st.SearchStrategy[Money]:
    return st.integers(-limit, limit).map(lambda n: Money.from_minor(n, currency))


@st.composite
def same_currency(draw: st.DrawFn, count: int) -> list[Money]:
    currency = draw(currencies)
    return [draw(monies(currency)) for _ in range(count)]


factors = st.decimals(
    min_value=Decimal("-1000"), max_value=Decimal("1000"), allow_nan=False, allow_infinity=False
)


def half_up(value: Fraction) -> int:
    """Round to the nearest integer, halves away from zero (四舍五入)."""
    magnitude = int(abs(value) + Fraction(1, 2))  # floor, since the argument is >= 0
    return magnitude if value >= 0 else -magnitude


# -- construction ---------------------------------------------------------------------
def test_amounts_are_held_at_the_minor_unit() -> None:
    assert str(Money.of("12.3", "CNY")) == "12.30 CNY"
    assert Money.of("12.3", "cny") == Money.of(Decimal("12.30"), CNY)
    assert Money.of(5, "KWD").amount == Decimal("5.000")
    assert Money.of("1E+2", "JPY").to_dict() == {"amount": "100", "currency": "JPY"}


@given(st.floats(allow_nan=True, allow_infinity=True), currencies)
def test_construction_refuses_floats(value: float, currency: Currency) -> None:
    with pytest.raises(InvalidMoneyError):
        Money.of(value, currency)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "12,30", "", "abc", True, None])
def test_construction_refuses_what_is_not_a_finite_number(value: object) -> None:
    with pytest.raises(InvalidMoneyError) as err:
        Money.of(value, "CNY")
    assert err.value.code == "invalid_money"


@given(currencies, st.integers(-(10**12), 10**12), st.integers(1, 9))
def test_construction_refuses_more_decimals_than_the_currency_has(
    currency: Currency, minor: int, extra_digit: int
) -> None:
    amount = Decimal(minor * 10 + extra_digit).scaleb(-(currency.minor_units + 1))
    with pytest.raises(InvalidMoneyError) as err:
        Money.of(amount, currency)
    assert err.value.code == "money_precision"


def test_trailing_zeros_beyond_the_minor_unit_are_not_extra_decimals() -> None:
    assert Money.of("1.2300", "CNY") == Money.of("1.23", "CNY")
    assert Money.of("7.0", "JPY").amount == Decimal(7)


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(Exception, match="XXX") as err:
        Money.of(1, "XXX")
    assert getattr(err.value, "code", None) == "unsupported_currency"


def test_a_currency_code_is_accepted_by_the_plain_constructor() -> None:
    assert Money(Decimal("3"), "USD") == Money.of(3, USD)  # type: ignore[arg-type]


def test_too_large_amounts_are_a_money_error_not_a_decimal_crash() -> None:
    makers: list[Callable[[], Money]] = [
        lambda: Money.of("1e30", "CNY"),
        lambda: Money.of("1e999999", "CNY"),
        lambda: Money.rounded("99999999999999999999999999.995", "CNY"),
        lambda: Money.from_minor(10**28, "CNY"),
        lambda: Money.of("1000000", "CNY") * Decimal("1e30"),
    ]
    for make in makers:
        with pytest.raises(InvalidMoneyError) as err:
            make()
        assert err.value.code == "money_out_of_range"
    assert Money.from_minor(10**28 - 1, "CNY").minor == 10**28 - 1


# -- minor units ----------------------------------------------------------------------
@given(currencies, st.integers(-(10**27), 10**27))
def test_from_minor_and_minor_round_trip(currency: Currency, minor: int) -> None:
    money = Money.from_minor(minor, currency)
    assert money.minor == minor
    assert Money.from_minor(money.minor, currency) == money
    assert money.amount.as_tuple().exponent == -currency.minor_units


def test_from_minor_wants_an_int() -> None:
    for bad in (1.0, True, "5", Decimal(5)):
        with pytest.raises(InvalidMoneyError):
            Money.from_minor(bad, "CNY")  # type: ignore[arg-type]


def test_jpy_has_no_decimals_and_kwd_has_three() -> None:
    assert Money.from_minor(1234, "JPY").amount == Decimal(1234)
    assert Money.of("1.234", "KWD").minor == 1234
    with pytest.raises(InvalidMoneyError):
        Money.of("100.5", "JPY")
    with pytest.raises(InvalidMoneyError):
        Money.of("1.2345", "KWD")
    assert Money.of(1, "JPY") * Decimal("0.5") == Money.of(1, "JPY")
    assert Money.of(1, "JPY") * Decimal("0.49") == Money.zero("JPY")
    assert Money.of("1.001", "KWD") * Decimal("0.5") == Money.of("0.501", "KWD")
    assert Money.of(3, "JPY").allocate([1, 1]) == [Money.of(2, "JPY"), Money.of(1, "JPY")]
    assert Money.of("0.010", "KWD").allocate([1, 1, 1]) == [
        Money.of("0.004", "KWD"),
        Money.of("0.003", "KWD"),
        Money.of("0.003", "KWD"),
    ]


# -- addition and negation --------------------------------------------------------------
@given(same_currency(2))
def test_addition_is_commutative(pair: list[Money]) -> None:
    a, b = pair
    assert a + b == b + a


@given(same_currency(3))
def test_addition_is_associative(triple: list[Money]) -> None:
    a, b, c = triple
    assert (a + b) + c == a + (b + c)


@given(same_currency(2))
def test_subtraction_undoes_addition(pair: list[Money]) -> None:
    a, b = pair
    assert a + b - b == a
    assert a - b == a + (-b)


@given(same_currency(1))
def test_negation(single: list[Money]) -> None:
    (a,) = single
    zero = Money.zero(a.currency)
    negated = -a
    assert -negated == a
    assert a + (-a) == zero
    assert abs(a) == abs(-a)
    assert not abs(a).is_negative
    assert a.is_negative == (-a > zero)


def test_zero_never_prints_a_sign() -> None:
    assert Money.of("-0", "CNY").to_dict() == {"amount": "0.00", "currency": "CNY"}
    assert str(Money.rounded("-0.004", "CNY")) == "0.00 CNY"
    assert str(Money.of("-0.01", "CNY") * Decimal("0.1")) == "0.00 CNY"
    assert str(-Money.zero("USD")) == "0.00 USD"


@given(currencies)
def test_sum_of_nothing_is_zero(currency: Currency) -> None:
    assert sum_money([], currency) == Money.zero(currency)


@given(same_currency(4))
def test_sum_money_adds_in_any_order(items: list[Money]) -> None:
    currency = items[0].currency
    assert sum_money(items, currency) == sum_money(reversed(items), currency)
    assert sum_money(items, currency).minor == sum(m.minor for m in items)


# -- currency mismatch ---------------------------------------------------------------
@given(currencies, currencies, st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_combining_two_currencies_raises(
    left: Currency, right: Currency, a_minor: int, b_minor: int
) -> None:
    a, b = Money.from_minor(a_minor, left), Money.from_minor(b_minor, right)
    if left == right:
        assert (a + b).minor == a_minor + b_minor
        return
    for combine in (lambda: a + b, lambda: a - b, lambda: a < b, lambda: a >= b):
        with pytest.raises(CurrencyMismatchError) as err:
            combine()
        assert err.value.code == "currency_mismatch"
    assert a != b


def test_money_times_money_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        Money.of(1, "CNY") * Money.of(1, "CNY")
    with pytest.raises(TypeError):
        Money.of(1, "CNY") + 1  # type: ignore[operator]


# -- multiplication ---------------------------------------------------------------------
@given(same_currency(1), factors)
def test_multiplication_rounds_half_up_to_the_minor_unit(single: list[Money], f: Decimal) -> None:
    (a,) = single
    exact = Fraction(a.minor) * Fraction(f)  # in minor units
    product = a * f
    assert product.minor == half_up(exact)
    assert product == f * a
    assert abs(Fraction(product.minor) - exact) <= Fraction(1, 2)


@pytest.mark.parametrize(
    ("amount", "factor", "expected"),
    [
        ("0.01", "0.5", "0.01"),  # a half goes up
        ("0.01", "0.49", "0.00"),
        ("-0.01", "0.5", "-0.01"),  # and away from zero when negative
        ("0.03", "0.5", "0.02"),  # 0.015: half-up and half-even agree...
        ("0.05", "0.5", "0.03"),  # 0.025: ...here half-even would give 0.02
        ("19.99", "3", "59.97"),
        ("100.00", "0.175", "17.50"),
        ("1.00", "0.004999999999999999999999999999999", "0.00"),  # no double rounding
    ],
)
def test_multiplication_examples(amount: str, factor: str, expected: str) -> None:
    assert Money.of(amount, "CNY") * Decimal(factor) == Money.of(expected, "CNY")


def test_multiplication_refuses_float_factors() -> None:
    with pytest.raises(InvalidMoneyError):
        Money.of(1, "CNY") * 1.1


def test_results_do_not_depend_on_the_callers_decimal_context() -> None:
    with localcontext() as ctx:
        ctx.prec = 4
        total = Money.of("12345.67", "CNY") + Money.of("1.00", "CNY")
        assert total.minor == 1234667
        assert (-total).amount == Decimal("-12346.67")
        assert Money.of("12345.67", "CNY") * 3 == Money.of("37037.01", "CNY")


# -- allocation -------------------------------------------------------------------------
ratios = st.lists(st.integers(0, 1000), min_size=1, max_size=12).filter(any) | st.lists(
    st.decimals(min_value=0, max_value=10**6, places=4), min_size=1, max_size=8
).filter(any)


@given(same_currency(1), ratios)
def test_allocation_sums_to_the_whole_and_stays_within_a_minor_unit_of_each_share(
    single: list[Money], weights: list[int | Decimal]
) -> None:
    (whole,) = single
    parts = whole.allocate(weights)
    assert len(parts) == len(weights)
    assert sum_money(parts, whole.currency) == whole
    total_weight = sum(Fraction(w) for w in weights)
    for part, weight in zip(parts, weights, strict=True):
        share = Fraction(whole.minor) * Fraction(weight) / total_weight
        assert abs(Fraction(part.minor) - share) < 1
        assert part.currency == whole.currency
        if weight == 0:
            assert part.is_zero


def test_allocation_examples() -> None:
    assert Money.of("10.00", "CNY").allocate([1, 1, 1]) == [
        Money.of("3.34", "CNY"),
        Money.of("3.33", "CNY"),
        Money.of("3.33", "CNY"),
    ]
    assert Money.of("-0.05", "CNY").allocate([1, 1]) == [
        Money.of("-0.03", "CNY"),
        Money.of("-0.02", "CNY"),
    ]
    assert Money.of("100.00", "USD").allocate([70, 20, 10]) == [
        Money.of(70, "USD"),
        Money.of(20, "USD"),
        Money.of(10, "USD"),
    ]


@pytest.mark.parametrize("bad", [[], [0, 0], [1, -1], [Decimal("NaN")], [1.5]])
def test_allocation_refuses_bad_ratios(bad: list[object]) -> None:
    with pytest.raises(InvalidMoneyError):
        Money.of("1.00", "CNY").allocate(bad)  # type: ignore[arg-type]


def test_ordering_and_truth() -> None:
    assert Money.of(1, "CNY") < Money.of(2, "CNY") <= Money.of(2, "CNY")
    assert max(Money.of(1, "JPY"), Money.of(3, "JPY")) == Money.of(3, "JPY")
    assert not Money.zero("CNY")
    assert Money.of("0.01", "CNY")
    assert {Money.of(1, "CNY"), Money.of("1.00", "CNY")} == {Money.of(1, CNY)}
    assert Money.of(1, JPY) != Money.of(1, CNY)
