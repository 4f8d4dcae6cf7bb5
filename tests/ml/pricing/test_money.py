"""Prices at the currency's minor unit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pricing import money


@pytest.mark.parametrize(("currency", "digits"), [("CNY", 2), ("jpy", 0), ("KWD", 3)])
def test_minor_units(currency: str, digits: int) -> None:
    assert money.minor_units(currency) == digits
    assert money.quantum(currency) == Decimal(1).scaleb(-digits)


def test_bad_currency() -> None:
    with pytest.raises(money.CurrencyError):
        money.minor_units("yuan")


def test_round_half_up_and_minor_counts() -> None:
    assert money.round_price(Decimal("1.005"), "CNY") == Decimal("1.01")
    assert money.round_price(Decimal("2.5"), "JPY") == Decimal("3")
    assert money.to_minor(Decimal("12.34"), "CNY") == 1234
    assert money.from_minor(1234, "CNY") == Decimal("12.34")
    assert money.from_minor(1234, "CNY").as_tuple().exponent == -2
    assert money.from_minor(5, "JPY").as_tuple().exponent == 0


def test_ceil_and_floor_stay_inside_a_bound() -> None:
    assert money.ceil_minor(Decimal("17.101"), "CNY") == 1711
    assert money.floor_minor(Decimal("20.909"), "CNY") == 2090
    assert money.ceil_minor(Decimal("17.10"), "CNY") == 1710


def test_charm_endings() -> None:
    assert money.is_charm(1999, "CNY")
    assert not money.is_charm(1990, "CNY")
    assert money.is_charm(1299, "JPY")
    assert money.is_charm(9, "JPY")
    assert not money.is_charm(1300, "JPY")
    assert money.is_charm(4999, "KWD")
    assert money.from_float(0.125, "CNY") == Decimal("0.13")
