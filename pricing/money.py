"""Prices as ``Decimal`` at a currency's minor unit, and the price endings a policy may use.

The exponents repeat the marketplace's ISO 4217 table (``marketplace/shared/currency.py``)
because this package never imports the marketplace; rounding is ROUND_HALF_UP as in
docs/adr/0002. Statistics run on floats; every price that goes in or out is a ``Decimal``.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

# ISO 4217 currencies whose minor unit is not the cent (2 decimals).
_EXPONENTS: dict[str, int] = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "KWD": 3,
    "BHD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}


class CurrencyError(ValueError):
    """Not a 3-letter ISO 4217 currency code."""


def minor_units(currency: str) -> int:
    """Decimal places of ``currency``: CNY 2, JPY 0, KWD 3."""
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise CurrencyError(f"{currency!r} is not an ISO 4217 code")
    return _EXPONENTS.get(code, 2)


def quantum(currency: str) -> Decimal:
    """The minor unit as a Decimal: ``Decimal('0.01')`` for CNY, ``Decimal('1')`` for JPY."""
    return Decimal(1).scaleb(-minor_units(currency))


def round_price(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``amount`` at the currency's minor unit (half up unless told otherwise)."""
    return amount.quantize(quantum(currency), rounding=rounding)


def to_minor(amount: Decimal, currency: str) -> int:
    """An amount already at the minor unit as an integer count of minor units."""
    return int(round_price(amount, currency).scaleb(minor_units(currency)))


def from_minor(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-minor_units(currency)).quantize(quantum(currency))


def ceil_minor(amount: Decimal, currency: str) -> int:
    """The smallest minor-unit count whose price is at least ``amount``."""
    return to_minor(round_price(amount, currency, ROUND_CEILING), currency)


def floor_minor(amount: Decimal, currency: str) -> int:
    """The largest minor-unit count whose price is at most ``amount``."""
    return to_minor(round_price(amount, currency, ROUND_FLOOR), currency)


def is_charm(minor: int, currency: str) -> bool:
    """A charm price ends in 9 of the smallest unit people read: x.99 (cents), or 9 units
    (currencies without decimals), or x.999 (three decimals)."""
    digits = minor_units(currency)
    if digits == 0:
        return minor % 10 == 9
    unit = int(10**digits)
    return minor % unit == unit - 1


def from_float(value: float, currency: str) -> Decimal:
    """A statistic (float) as money at the minor unit, half up."""
    return round_price(Decimal(repr(float(value))), currency)
