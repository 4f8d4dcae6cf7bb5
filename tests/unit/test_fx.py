"""FX: the domain (rates, conversion) and the services over an in-memory repository.

Round-trip bound used below. Convert x (quantum q_a) to y = round(x * r) (quantum q_b),
then back with r' = 1/r to 28 digits: z = round(y * r'). Then

    |z - x| <= q_a/2 + q_b/(2r) + |y| * |r' - 1/r|

(the second rounding, the first rounding seen through 1/r, and the inverse's own
rounding, which is below 5e-28 relative). As z - x is a whole number of q_a, the round trip
is exact whenever q_b/(2r) + |y| * |r' - 1/r| < q_a/2, e.g. CNY -> JPY -> CNY at 20 JPY/CNY.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from types import TracebackType
from typing import Self

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from marketplace.fx.domain import (
    RATE_CONTEXT,
    Conversion,
    ConversionMethod,
    FxRate,
    FxRateNotFoundError,
    InvalidFxRateError,
    convert,
)
from marketplace.fx.services import RateQuote, SetRates, convert_money, set_rates
from marketplace.shared.clock import Clock, FixedClock
from marketplace.shared.currency import CNY, CURRENCIES, EUR, JPY, USD, Currency
from marketplace.shared.errors import DomainError, NotFoundError
from marketplace.shared.money import Money

KWD = CURRENCIES["KWD"]
D0 = date(2026, 1, 1)
currencies = st.sampled_from(sorted(CURRENCIES.values(), key=lambda c: c.code))
# Rates of up to 10 significant digits between 1e-6 and 1e6 (real quotes have 4..8).
rates = st.builds(
    lambda coefficient, exponent: Decimal(coefficient).scaleb(exponent),
    st.integers(1, 10**10 - 1),
    st.integers(-15, 5),
).filter(lambda r: Decimal("1e-6") <= r <= Decimal("1e6"))


def amounts(currency: Currency) -> st.SearchStrategy[Money]:
    return st.integers(-(10**12), 10**12).map(lambda n: Money.from_minor(n, currency))


@st.composite
def currency_pairs(draw: st.DrawFn) -> tuple[Currency, Currency]:
    base = draw(currencies)
    quote = draw(currencies.filter(lambda c: c != base))
    return base, quote


def quantum(currency: Currency) -> Fraction:
    return Fraction(1, 10**currency.minor_units)


# -- an in-memory implementation of the ports -------------------------------------------
class InMemoryFxRates:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, date], FxRate] = {}

    def upsert(self, rates: Sequence[FxRate], *, now: datetime) -> None:
        for rate in rates:
            self.rows[(rate.base.code, rate.quote.code, rate.rate_date)] = rate

    def latest(self, base: str, quote: str, *, on: date) -> FxRate | None:
        found = [r for (b, q, d), r in self.rows.items() if (b, q) == (base, quote) and d <= on]
        return max(found, key=lambda r: r.rate_date, default=None)


@dataclass
class InMemoryFxUow:
    clock: Clock = field(default_factory=FixedClock)
    committed: InMemoryFxRates = field(default_factory=InMemoryFxRates)
    commits: int = 0

    def __post_init__(self) -> None:
        self.fx_rates = InMemoryFxRates()

    def __enter__(self) -> Self:
        self.fx_rates = InMemoryFxRates()
        self.fx_rates.rows = dict(self.committed.rows)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.fx_rates.rows = dict(self.committed.rows)  # uncommitted work is dropped

    def commit(self) -> None:
        self.committed.rows = dict(self.fx_rates.rows)
        self.commits += 1


def store(uow: InMemoryFxUow, *rates: FxRate) -> None:
    uow.committed.upsert(rates, now=uow.clock.now())


def rate(base: str, quote: str, value: str, on: date = D0, source: str = "PBOC") -> FxRate:
    return FxRate.of(base, quote, value, on, source)


# -- FxRate -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value", ["0", "-7.1", "NaN", "Infinity", "abc", "", "1e13", "1e-13", "1." + "1" * 28]
)
def test_a_rate_must_be_a_positive_decimal_within_bounds(value: str) -> None:
    with pytest.raises(InvalidFxRateError) as err:
        rate("USD", "CNY", value)
    assert err.value.code == "invalid_fx_rate"


def test_a_rate_refuses_floats_same_currency_unknown_currency_and_no_source() -> None:
    with pytest.raises(InvalidFxRateError):
        FxRate.of("USD", "CNY", 7.1, D0, "PBOC")
    with pytest.raises(InvalidFxRateError):
        rate("USD", "usd", "1")
    with pytest.raises(DomainError) as err:
        rate("USD", "XYZ", "1")
    assert err.value.code == "unsupported_currency"
    with pytest.raises(InvalidFxRateError):
        rate("USD", "CNY", "7.1", source="  ")


def test_inverse_is_one_over_the_rate_to_28_digits() -> None:
    usd_cny = rate("USD", "CNY", "7.1034")
    inverse = usd_cny.inverse()
    assert inverse.pair == ("CNY", "USD")
    assert inverse.rate == Decimal("0.1407776557704761100318157502")
    assert len(inverse.rate.as_tuple().digits) == 28
    assert abs(Fraction(inverse.rate) - 1 / Fraction("7.1034")) <= Fraction(5, 10**29)
    assert (inverse.rate_date, inverse.source) == (D0, "PBOC")
    assert rate("EUR", "USD", "0.5").inverse().rate == Decimal(2)


# -- convert ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("amount", "source", "target", "value", "expected"),
    [
        ("100.00", "USD", "CNY", "7.1034", "710.34"),
        ("0.01", "USD", "CNY", "0.5", "0.01"),  # 0.005 rounds half-up
        ("0.01", "USD", "CNY", "0.4999", "0.00"),
        ("-0.01", "USD", "CNY", "0.5", "-0.01"),
        ("1.23", "CNY", "JPY", "20.55", "25"),  # 25.2765 -> 25 yen
        ("100.00", "CNY", "KWD", "0.04321", "4.321"),
        ("1.000", "KWD", "VND", "82345.5", "82346"),
    ],
)
def test_convert_examples(amount: str, source: str, target: str, value: str, expected: str) -> None:
    money = Money.of(amount, source)
    fx = rate(source, target, value)
    assert convert(money, fx.quote, fx) == Money.of(expected, target)
    assert convert(money, fx.quote, fx.rate) == Money.of(expected, target)


def test_convert_refuses_a_rate_of_another_pair_or_a_bad_rate() -> None:
    with pytest.raises(InvalidFxRateError):
        convert(Money.of(1, "EUR"), CNY, rate("USD", "CNY", "7"))
    with pytest.raises(InvalidFxRateError):
        convert(Money.of(1, "USD"), JPY, rate("USD", "CNY", "7"))
    for bad in (Decimal(0), Decimal(-1), Decimal("NaN")):
        with pytest.raises(InvalidFxRateError):
            convert(Money.of(1, "USD"), CNY, bad)


def test_a_conversion_states_its_rate_date_and_source() -> None:
    usd_cny = rate("USD", "CNY", "7.1034", on=date(2026, 3, 2), source="PBOC central parity")
    result = Conversion.through(Money.of(10, "USD"), [usd_cny], ConversionMethod.DIRECT)
    assert result.converted == Money.of("71.03", "CNY")
    assert result.rate == Decimal("7.1034")
    assert result.rate_date == date(2026, 3, 2)
    assert result.source == "PBOC central parity"
    assert result.legs == (usd_cny,)


def test_legs_must_chain_from_the_amount_currency() -> None:
    with pytest.raises(InvalidFxRateError):
        Conversion.through(Money.of(1, "EUR"), [rate("USD", "CNY", "7")], ConversionMethod.DIRECT)
    legs = [rate("USD", "CNY", "7"), rate("EUR", "JPY", "160")]
    with pytest.raises(InvalidFxRateError):
        Conversion.through(Money.of(1, "USD"), legs, ConversionMethod.TRIANGULATED)


# -- properties of convert ----------------------------------------------------------------
@given(currencies, st.integers(-(10**12), 10**12))
def test_identity_at_rate_one(currency: Currency, minor: int) -> None:
    money = Money.from_minor(minor, currency)
    assert convert(money, currency, Decimal(1)) == money
    for target in (CNY, JPY, KWD):
        assert convert(money, target, Decimal(1)) == Money.rounded(money.amount, target)


@given(currency_pairs(), rates, st.data())
def test_round_trip_through_the_inverse_rate_is_within_the_rounding_bound(
    pair: tuple[Currency, Currency], value: Decimal, data: st.DataObject
) -> None:
    base, quote = pair
    x = data.draw(amounts(base))
    forward = FxRate(base, quote, value, D0, "test")
    backward = forward.inverse()
    y = convert(x, quote, forward)
    z = convert(y, base, backward)
    r = Fraction(value)
    inverse_error = abs(Fraction(backward.rate) - 1 / r)
    bound = quantum(base) / 2 + quantum(quote) / (2 * r) + abs(Fraction(y.amount)) * inverse_error
    assert abs(Fraction(z.amount) - Fraction(x.amount)) <= bound
    if bound < quantum(base):  # the error is a whole number of minor units, so zero
        assert z == x


@given(currency_pairs(), rates, st.data())
def test_conversion_is_monotonic_in_the_amount(
    pair: tuple[Currency, Currency], value: Decimal, data: st.DataObject
) -> None:
    base, quote = pair
    a, b = sorted([data.draw(amounts(base)), data.draw(amounts(base))])
    assert convert(a, quote, value) <= convert(b, quote, value)


@given(currency_pairs(), rates, st.data())
def test_result_is_in_the_target_currency_at_its_minor_unit_and_rounded_half_up(
    pair: tuple[Currency, Currency], value: Decimal, data: st.DataObject
) -> None:
    base, quote = pair
    x = data.draw(amounts(base))
    y = convert(x, quote, value)
    assert y.currency == quote
    assert y.amount.as_tuple().exponent == -quote.minor_units
    exact = Fraction(x.amount) * Fraction(value) / quantum(quote)  # in target minor units
    assert abs(Fraction(y.minor) - exact) <= Fraction(1, 2)
    if abs(Fraction(y.minor) - exact) == Fraction(1, 2):  # a tie goes away from zero
        assert abs(Fraction(y.minor)) > abs(exact)


@given(st.data(), rates, rates)
def test_triangulation_is_the_product_of_the_two_legs_up_to_rounding(
    data: st.DataObject, r1: Decimal, r2: Decimal
) -> None:
    base = data.draw(currencies.filter(lambda c: c != CNY))
    quote = data.draw(currencies.filter(lambda c: c not in (CNY, base)))
    x = data.draw(amounts(base))
    first = FxRate(base, CNY, r1, D0, "a")
    second = FxRate(CNY, quote, r2, D0 + timedelta(days=1), "b")
    result = Conversion.through(x, [first, second], ConversionMethod.TRIANGULATED)

    assert result.rate == RATE_CONTEXT.multiply(r1, r2)  # the cross rate, to 28 digits
    exact = Fraction(x.amount) * Fraction(r1) * Fraction(r2)
    cross_error = abs(Fraction(x.amount)) * abs(Fraction(result.rate) - Fraction(r1 * r2))
    assert abs(Fraction(result.converted.amount) - exact) <= quantum(quote) / 2 + cross_error
    # Leg by leg (rounding in CNY on the way) differs by at most that rounding carried over.
    two_step = convert(convert(x, CNY, first), quote, second)
    carried = quantum(CNY) / 2 * Fraction(r2)
    assert (
        abs(Fraction(two_step.amount) - Fraction(result.converted.amount))
        <= carried + quantum(quote) + cross_error
    )
    assert (result.rate_date, result.source) == (D0, "a + b")


# -- set_rates ----------------------------------------------------------------------------
def quotes(*lines: tuple[str, str, str]) -> list[RateQuote]:
    return [RateQuote(base, quote, value) for base, quote, value in lines]


def test_set_rates_stores_a_batch_and_replaces_the_same_pair_and_date() -> None:
    uow = InMemoryFxUow()
    stored = set_rates(
        SetRates(D0, "PBOC", quotes(("USD", "CNY", "7.10"), ("EUR", "CNY", "7.80"))), uow=uow
    )
    assert [r.pair for r in stored] == [("USD", "CNY"), ("EUR", "CNY")]
    set_rates(SetRates(D0, "ECB", quotes(("usd", "cny", "7.2"))), uow=uow)
    assert uow.commits == 2
    latest = uow.committed.latest("USD", "CNY", on=D0)
    assert latest is not None
    assert (latest.rate, latest.source) == (Decimal("7.2"), "ECB")
    assert len(uow.committed.rows) == 2


@pytest.mark.parametrize(
    ("lines", "code", "index"),
    [
        ([("USD", "CNY", "7.1"), ("EUR", "CNY", "0")], "invalid_fx_rate", 1),
        ([("USD", "CNY", "-1")], "invalid_fx_rate", 0),
        ([("USD", "USD", "1")], "invalid_fx_rate", 0),
        ([("USD", "CNY", "7.1"), ("USD", "ABC", "1")], "unsupported_currency", 1),
        ([("USD", "CNY", "7.1"), ("USD", "CNY", "7.2")], "invalid_fx_rate", 1),
        ([("USD", "CNY", "seven")], "invalid_fx_rate", 0),
    ],
)
def test_a_bad_line_rejects_the_whole_batch_and_changes_nothing(
    lines: list[tuple[str, str, str]], code: str, index: int
) -> None:
    uow = InMemoryFxUow()
    store(uow, rate("USD", "CNY", "7.0"))
    before = dict(uow.committed.rows)
    with pytest.raises(DomainError) as err:
        set_rates(SetRates(D0, "PBOC", quotes(*lines)), uow=uow)
    assert err.value.code == code
    assert err.value.details["rate_index"] == index
    assert uow.committed.rows == before
    assert uow.commits == 0


def test_an_empty_batch_or_a_missing_source_is_refused() -> None:
    uow = InMemoryFxUow()
    with pytest.raises(InvalidFxRateError):
        set_rates(SetRates(D0, "PBOC", []), uow=uow)
    with pytest.raises(InvalidFxRateError):
        set_rates(SetRates(D0, "", quotes(("USD", "CNY", "7"))), uow=uow)
    assert uow.committed.rows == {}


# -- convert_money ------------------------------------------------------------------------
def test_same_currency_is_the_identity_at_rate_one() -> None:
    result = convert_money(Money.of("9.99", "CNY"), "CNY", on=D0, uow=InMemoryFxUow())
    assert result.converted == Money.of("9.99", "CNY")
    assert (result.rate, result.method, result.rate_date) == (
        Decimal(1),
        ConversionMethod.IDENTITY,
        D0,
    )


def test_direct_rate_then_inverse_then_triangulation_through_the_pivot() -> None:
    uow = InMemoryFxUow()
    store(
        uow,
        rate("USD", "CNY", "7.2", date(2026, 1, 5), "PBOC"),
        rate("CNY", "JPY", "20.5", date(2026, 1, 3), "BOJ"),
    )
    on = date(2026, 1, 10)
    direct = convert_money(Money.of(10, "USD"), "CNY", on=on, uow=uow)
    assert (direct.converted, direct.method) == (Money.of(72, "CNY"), ConversionMethod.DIRECT)

    inverse = convert_money(Money.of(72, "CNY"), USD, on=on, uow=uow)
    assert inverse.method == ConversionMethod.INVERSE
    assert inverse.converted == Money.of(10, "USD")
    assert inverse.rate == RATE_CONTEXT.divide(1, Decimal("7.2"))
    assert inverse.legs[0].pair == ("CNY", "USD")

    cross = convert_money(Money.of(10, "USD"), "JPY", on=on, uow=uow)
    assert cross.method == ConversionMethod.TRIANGULATED
    assert cross.rate == Decimal("147.60")
    assert cross.converted == Money.of(1476, "JPY")
    assert cross.rate_date == date(2026, 1, 3)  # the older leg
    assert cross.source == "PBOC + BOJ"
    assert [leg.pair for leg in cross.legs] == [("USD", "CNY"), ("CNY", "JPY")]

    back = convert_money(Money.of(1476, "JPY"), "USD", on=on, uow=uow)  # both legs inverted
    assert back.converted == Money.of(10, "USD")


def test_a_direct_rate_wins_over_the_inverse_pair_and_the_pivot_is_configurable() -> None:
    uow = InMemoryFxUow()
    store(
        uow,
        rate("USD", "EUR", "0.9", date(2026, 1, 1)),
        rate("EUR", "USD", "1.25", date(2026, 1, 9)),  # newer, but the other direction
        rate("USD", "GBP", "0.8"),
        rate("GBP", "JPY", "190"),
    )
    on = date(2026, 1, 10)
    assert convert_money(Money.of(1, "USD"), EUR, on=on, uow=uow).rate == Decimal("0.9")
    with pytest.raises(FxRateNotFoundError):
        convert_money(Money.of(1, "USD"), JPY, on=on, uow=uow)  # no CNY legs
    via_gbp = convert_money(Money.of(1, "USD"), JPY, on=on, uow=uow, pivot="GBP")
    assert via_gbp.converted == Money.of(152, "JPY")


def test_no_rate_on_or_before_the_date_is_not_found() -> None:
    uow = InMemoryFxUow()
    store(uow, rate("USD", "CNY", "7.2", date(2026, 2, 1)))
    with pytest.raises(NotFoundError) as err:
        convert_money(Money.of(1, "USD"), "CNY", on=date(2026, 1, 31), uow=uow)
    assert err.value.code == "fx_rate_not_found"
    assert err.value.details == {"base": "USD", "quote": "CNY", "date": "2026-01-31"}
    with pytest.raises(DomainError) as unknown:
        convert_money(Money.of(1, "USD"), "XYZ", on=date(2026, 1, 31), uow=uow)
    assert unknown.value.code == "unsupported_currency"


histories = st.dictionaries(
    st.integers(0, 60).map(lambda n: D0 + timedelta(days=n)), rates, min_size=0, max_size=15
)


@given(histories, st.integers(-5, 70), st.booleans())
def test_the_rate_used_is_the_latest_on_or_before_the_date(
    history: dict[date, Decimal], offset: int, stored_inverted: bool
) -> None:
    uow = InMemoryFxUow()
    base, quote = ("EUR", "USD") if not stored_inverted else ("USD", "EUR")
    store(uow, *(rate(base, quote, str(v), d, f"src-{d.isoformat()}") for d, v in history.items()))
    on = D0 + timedelta(days=offset)
    eligible = [d for d in history if d <= on]
    if not eligible:
        with pytest.raises(FxRateNotFoundError):
            convert_money(Money.of(100, "EUR"), "USD", on=on, uow=uow)
        return
    chosen = max(eligible)
    result = convert_money(Money.of(100, "EUR"), "USD", on=on, uow=uow)
    assert (result.rate_date, result.source) == (chosen, f"src-{chosen.isoformat()}")
    expected = history[chosen]
    if stored_inverted:
        expected = RATE_CONTEXT.divide(1, expected)
    assert result.rate == expected
    assert result.converted == convert(Money.of(100, "EUR"), USD, expected)


@given(currency_pairs(), rates, rates, st.integers(0, 10**9))
def test_triangulated_service_result_equals_the_legs_product_rounded(
    pair: tuple[Currency, Currency], r1: Decimal, r2: Decimal, minor: int
) -> None:
    base, quote = pair
    assume(CNY not in pair)
    uow = InMemoryFxUow()
    store(uow, FxRate(base, CNY, r1, D0, "x"), FxRate(CNY, quote, r2, D0, "x"))
    money = Money.from_minor(minor, base)
    result = convert_money(money, quote, on=D0, uow=uow)
    assert result.method == ConversionMethod.TRIANGULATED
    assert result.converted == convert(money, quote, RATE_CONTEXT.multiply(r1, r2))
